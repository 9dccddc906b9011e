"""Prometheus metrics of the plumbing, served at /metrics by every service."""

from prometheus_client import Counter, Gauge

ENTRIES = Counter(
    "gonghui_stream_entries_total",
    "Stream entries handled by a consumer group, by outcome.",
    ["group", "stream", "outcome"],
)
OUTBOX_RELAYED = Counter(
    "gonghui_outbox_relayed_total", "Outbox rows written to their streams.", ["service"]
)
SUBSCRIBERS_RUNNING = Gauge(
    "gonghui_subscribers_running", "Consumer-group subscribers currently running.", ["service"]
)
SUBSCRIBERS_WANTED = Gauge(
    "gonghui_subscribers_wanted", "Consumer-group subscribers that should be running.", ["service"]
)
