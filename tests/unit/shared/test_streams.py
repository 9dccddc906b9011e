"""Stream keys name who may write them."""

from gonghui.shared.streams import StreamKeys


def test_identity_comes_from_the_stream_key() -> None:
    keys = StreamKeys("fj:")
    assert keys.outbox("cib-bank") == "fj:dept.cib-bank.outbox"
    assert keys.expected_source(keys.outbox("cib-bank")) == "dept/cib-bank"
    assert keys.expected_source(keys.events("stations")) == "gonghui/stations"
    assert keys.department_of(keys.inbox("transport")) == "transport"
    assert keys.department_of(keys.events("notify")) is None
    assert keys.dlq(keys.outbox("cib-bank")) == "fj:dept.cib-bank.outbox.dlq"
