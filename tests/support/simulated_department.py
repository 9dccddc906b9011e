"""A partner department's own system, as small as it can be: redis-py and its own Redis user.

It reads its work from `dept.<code>.inbox` with XREADGROUP (its group is named after its code),
answers on `dept.<code>.outbox` with plain XADDs of CloudEvent fields, and acknowledges each item
after answering. Everything it received is appended, one JSON object a line, to `--log`.

    python -m tests.support.simulated_department --url redis://user:pass@host:6379/0 \
        --code dushu-town --prefix fj: --handle --result "司机之家已开放" --log items.jsonl
"""

from __future__ import annotations

import argparse
import json
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis


def main() -> None:
    """Take work from the inbox and answer it until SIGTERM."""
    args = _arguments()
    client_class = redis.RedisCluster if args.cluster else redis.Redis
    client = client_class.from_url(args.url, decode_responses=True)
    inbox, outbox = f"{args.prefix}dept.{args.code}.inbox", f"{args.prefix}dept.{args.code}.outbox"
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def send(type_name: str, proposal_id: str, **data: object) -> None:
        client.xadd(
            outbox,
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": f"dept/{args.code}",
                "type": type_name,
                "subject": proposal_id,
                "time": datetime.now(UTC).isoformat(),
                "datacontenttype": "application/json",
                "data": json.dumps({"proposal_id": proposal_id, **data}, ensure_ascii=False),
            },
        )

    while running:
        response = client.xreadgroup(args.code, "sim", {inbox: ">"}, count=10, block=200)
        for _, entries in response or []:
            for entry_id, fields in entries:
                item = json.loads(fields["data"])
                line = json.dumps({"type": fields["type"], "data": item}, ensure_ascii=False)
                with Path(args.log).open("a", encoding="utf-8") as log:
                    log.write(line + "\n")
                answer(send, fields["type"], item, args)
                client.xack(inbox, args.code, entry_id)


def answer(send, type_name: str, item: dict, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    """What this department does with one work item."""
    case = item["proposal_id"]
    if type_name == "proposal.offered.v1" and args.claim:
        send("proposal.claim.v1", case, handler="工会主席", note=args.claim_note)
    elif type_name == "proposal.assigned.v1" and args.decline:
        send("proposal.decline.v1", case, reason=args.decline)
    elif type_name == "proposal.assigned.v1" and (args.handle or args.claim):
        if item["reason"] in ("assigned", "reassigned"):
            send("proposal.accept_assignment.v1", case, handler="王科长", note="已受理")
        send("proposal.progress.v1", case, percent=50, milestone=args.milestone, note="推进中")
        send("proposal.complete.v1", case, result=args.result)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="The department's own Redis URL")
    parser.add_argument("--cluster", action="store_true", help="The bus is a Redis Cluster")
    parser.add_argument("--code", required=True, help="The department code")
    parser.add_argument("--prefix", default="", help="The deployment's stream prefix")
    parser.add_argument("--log", required=True, help="Where to append what it received")
    parser.add_argument("--handle", action="store_true", help="Accept, report progress, complete")
    parser.add_argument("--claim", action="store_true", help="Claim offered reports, handle them")
    parser.add_argument("--claim-note", default="我们公司来处理", help="Note sent with a claim")
    parser.add_argument("--decline", default=None, help="Decline assignments with this reason")
    parser.add_argument("--milestone", default="方案已确定", help="Milestone to report")
    parser.add_argument("--result", default="已办结", help="Result sent on completion")
    return parser.parse_args()


if __name__ == "__main__":
    main()
