"""A partner department on the gonghui bus, in Python with redis-py.

    pip install redis
    export GONGHUI_DEPT_URL='redis://dept_cib-bank:...@redis.example.org:6379/0'
    export GONGHUI_DEPT_CODE=cib-bank
    python partner.py register ../station.json    # send station.register.v1 to your outbox
    python partner.py inbox                       # take work from your inbox until Ctrl-C
    python partner.py feed                        # read the public events granted to you

Optional: GONGHUI_STREAM_PREFIX (e.g. `fj:`) when the deployment puts one before every key;
GONGHUI_SIGNING_SECRET (base64) when the union requires your entries to be signed (HMAC).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis

URL = os.environ["GONGHUI_DEPT_URL"]
CODE = os.environ["GONGHUI_DEPT_CODE"]
PREFIX = os.environ.get("GONGHUI_STREAM_PREFIX", "")
SECRET = os.environ.get("GONGHUI_SIGNING_SECRET")

OUTBOX = f"{PREFIX}dept.{CODE}.outbox"  # you may only XADD here
INBOX = f"{PREFIX}dept.{CODE}.inbox"  # you read here as group CODE
FEED = f"{PREFIX}dept.{CODE}.feed"  # and here, once the union grants you a public stream
CONSUMER = f"{socket.gethostname()}-{os.getpid()}"  # any name, unique per running worker


def cloud_event(type_name: str, data: dict, *, subject: str | None = None) -> dict[str, str]:
    """The fields of one stream entry: a CloudEvent whose attributes are the entry's fields."""
    fields = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),  # unique per department; re-sending the same id is harmless
        "source": f"dept/{CODE}",  # must be exactly this on your outbox
        "type": type_name,
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": json.dumps(data, ensure_ascii=False),
    }
    if subject:
        fields["subject"] = subject
    return sign(fields) if SECRET else fields


def sign(fields: dict[str, str]) -> dict[str, str]:
    """Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `{id}.{sigtimestamp}.{data}`."""
    timestamp = str(int(time.time()))
    content = f"{fields['id']}.{timestamp}.{fields['data']}".encode()
    mac = hmac.new(base64.b64decode(SECRET), content, hashlib.sha256).digest()
    return {
        **fields,
        "sigtimestamp": timestamp,
        "signature": "v1," + base64.b64encode(mac).decode(),
    }


def register(r: redis.Redis, station_file: Path) -> None:
    """Send station.register.v1; re-sending the same `external_ref` updates the station."""
    station = json.loads(station_file.read_text(encoding="utf-8"))
    fields = cloud_event("station.register.v1", station, subject=station["external_ref"])
    entry_id = r.xadd(OUTBOX, fields)
    print(f"sent {fields['id']} as {entry_id} on {OUTBOX}")


def handle(entry_id: str, fields: dict[str, str]) -> None:
    """Your own work: here, print the work item (its `data` is a JSON object)."""
    item = json.loads(fields["data"])
    if fields["type"] == "entry.rejected.v1":
        # One of your own entries was refused: fix it and send it again with a new id.
        print(
            f"{entry_id} REFUSED {item['event_id']} ({item['event_type']}, your entry "
            f"{item['entry_id']}): {item['reason_zh']} / {item['reason_en']}"
        )
        return
    subject = fields.get("subject", "")
    print(f"{entry_id} {fields['type']} {subject} {json.dumps(item, ensure_ascii=False)}")


def work_off(
    r: redis.Redis, stream: str, *, reclaim_idle_ms: int, block_ms: int, once: bool
) -> None:
    """Take over stale entries, then read new ones; acknowledge each only after handling it."""
    while True:
        # Entries another worker read but never acknowledged (it crashed): take them over.
        start = "0-0"
        while True:
            start, claimed, *_ = r.xautoclaim(
                stream, CODE, CONSUMER, reclaim_idle_ms, start, count=10
            )
            for entry_id, fields in claimed:
                handle(entry_id, fields)
                r.xack(stream, CODE, entry_id)
            if start == "0-0":
                break
        got = r.xreadgroup(CODE, CONSUMER, {stream: ">"}, count=10, block=block_ms)
        for _, entries in got or []:
            for entry_id, fields in entries:
                handle(entry_id, fields)
                r.xack(stream, CODE, entry_id)
        if once and not got:
            return


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

    r = redis.Redis.from_url(URL, decode_responses=True)
    if args.command == "register":
        register(r, args.station_file)
    else:
        stream = INBOX if args.command == "inbox" else FEED
        work_off(
            r, stream, reclaim_idle_ms=args.reclaim_idle_ms, block_ms=args.block_ms, once=args.once
        )


if __name__ == "__main__":
    main()
