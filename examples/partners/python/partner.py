"""A partner department on the gonghui bus, in Python with the gonghui-partner library.

    cd examples/partners/python && pip install -r requirements.txt
    export GONGHUI_DEPT_CODE=cib-bank
    export GONGHUI_DEPT_URL='redis://dept_cib-bank:...@redis.example.org:6379/0'   # over Redis, or
    export GONGHUI_HTTPS_URL=https://gonghui.example.org GONGHUI_DEPT_KEY='ghk.cib-bank...'
    python partner.py register ../station.json    # send station.register.v1 to your outbox
    python partner.py inbox                       # take work from your inbox until Ctrl-C
    python partner.py feed                        # read the public events granted to you

Optional: GONGHUI_STREAM_PREFIX (e.g. `fj:`) when the deployment puts one before every key;
GONGHUI_SIGNING_SECRET (base64) when the union requires your entries to be signed (HMAC).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
from dataclasses import replace
from pathlib import Path

from gonghui_partner import Config, Item, Partner
from gonghui_partner.contracts import EntryRejected, RegisterStation


def register(partner: Partner, station_file: Path) -> None:
    """Send station.register.v1; re-sending the same `external_ref` updates the station."""
    station = RegisterStation.model_validate_json(station_file.read_text(encoding="utf-8"))
    event_id, entry_id = partner.send(station, subject=station.external_ref)
    print(f"sent {event_id} as {entry_id} on {partner.transport.where}")


def handle(item: Item) -> None:
    """Your own work: here, print the work item. Acknowledged when this returns."""
    if item.type == "entry.rejected.v1":
        # One of your own entries was refused: fix it and send it again with a new id.
        notice = EntryRejected.model_validate(item.data)
        print(
            f"{item.entry_id} REFUSED {notice.event_id} ({notice.event_type}, your entry "
            f"{notice.entry_id}): {notice.reason_zh} / {notice.reason_en}",
            flush=True,
        )
        return
    data = json.dumps(item.data, ensure_ascii=False)
    print(f"{item.entry_id} {item.type} {item.subject or ''} {data}", flush=True)


def main() -> None:
    """`register STATION_JSON`, `inbox` or `feed`."""
    parser = argparse.ArgumentParser(description="A partner department on the gonghui bus.")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("register", help="send station.register.v1 to your outbox")
    send.add_argument("station_file", type=Path, help="the station's data, a JSON object")
    for name, what in (("inbox", "take work from your inbox"), ("feed", "read your feed")):
        read = commands.add_parser(name, help=what)
        read.add_argument("--reclaim-idle-ms", type=int, default=60_000, help="take over after")
        read.add_argument("--block-ms", type=int, default=5_000, help="wait this long for more")
        read.add_argument("--once", action="store_true", help="stop when nothing is waiting")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

    config = Config.from_env()
    if args.command != "register":
        config = replace(
            config, block_s=args.block_ms / 1000, reclaim_idle_s=args.reclaim_idle_ms / 1000
        )
    partner = Partner(config)
    if args.command == "register":
        register(partner, args.station_file)
        return
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        partner.work_off(args.command, handle, once=args.once, should_stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    finally:
        partner.close()


if __name__ == "__main__":
    main()
