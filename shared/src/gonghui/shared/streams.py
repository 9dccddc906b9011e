"""Stream keys and who a stream speaks for (DESIGN §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass

SERVICES = ("stations", "proposals", "notify")
DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass(frozen=True)
class StreamKeys:
    """Names every key of one deployment, under an optional prefix such as `fj:`."""

    prefix: str = ""

    def events(self, service: str) -> str:
        """`<service>.events`: what a service announces, written by that service only."""
        return f"{self.prefix}{service}.events"

    def outbox(self, department: str) -> str:
        """`dept.<code>.outbox`: commands and reports from a department."""
        return f"{self.prefix}dept.{department}.outbox"

    def inbox(self, department: str) -> str:
        """`dept.<code>.inbox`: work routed to a department."""
        return f"{self.prefix}dept.{department}.inbox"

    def feed(self, department: str) -> str:
        """`dept.<code>.feed`: copies of the public events a department subscribed to."""
        return f"{self.prefix}dept.{department}.feed"

    def dlq(self, stream: str) -> str:
        """`<stream>.dlq`: the dead letters of a stream (the stream key already has the prefix)."""
        return f"{stream}.dlq"

    def departments(self) -> str:
        """The hash holding the department directory."""
        return f"{self.prefix}gonghui.departments"

    def dlq_index(self) -> str:
        """The set of DLQ stream keys that have ever been written."""
        return f"{self.prefix}gonghui.dlqs"

    def limit(self, scope: str) -> str:
        """The key prefix of one rate limit's counters, e.g. `gonghui.limit.stations.`."""
        return f"{self.prefix}gonghui.limit.{scope}."

    def relay_lease(self, service: str) -> str:
        """The lease naming a service's one active outbox relay.

        The `{...}` hash tag keeps it in one Redis Cluster slot with `relay_tokens`, so one script
        can take the lease and draw the next fencing token together.
        """
        return f"{self.prefix}gonghui.relay.{{{service}}}.lease"

    def relay_tokens(self, service: str) -> str:
        """The counter of a service's relay fencing tokens (same slot as its lease)."""
        return f"{self.prefix}gonghui.relay.{{{service}}}.tokens"

    def fence(self, stream: str) -> str:
        """The highest relay token that has written to `stream` (a full key, prefix included).

        Its hash tag is the stream's whole key, so it lives in the stream's slot and one script
        can compare the token and XADD in the same step.
        """
        return f"{stream}.fence{{{stream}}}"

    def expected_source(self, stream: str) -> str:
        """The only `source` an entry on this stream may carry: identity comes from the key."""
        name = stream.removeprefix(self.prefix)
        if name.startswith("dept.") and name.count(".") == 2:
            return f"dept/{name.split('.')[1]}"
        service = name.removesuffix(".events")
        return f"gonghui/{service}"

    def department_of(self, stream: str) -> str | None:
        """The department code a `dept.<code>.*` stream belongs to, else None."""
        name = stream.removeprefix(self.prefix)
        if name.startswith("dept.") and name.count(".") == 2:
            return name.split(".")[1]
        return None


def service_source(service: str) -> str:
    """The `source` attribute of events a service writes."""
    return f"gonghui/{service}"
