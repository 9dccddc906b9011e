"""A department's bucket: bursts pass, a flood is spread out at the set rate."""

from gonghui.shared.ratelimit import TokenBucket


def test_a_burst_passes_then_the_rate_applies() -> None:
    clock = [0.0]
    bucket = TokenBucket(rate=100, burst=500, now=lambda: clock[0])
    assert bucket.delay_for(500) == 0
    assert bucket.delay_for(100) == 1.0
    clock[0] = 3.0
    assert bucket.delay_for(100) == 0
