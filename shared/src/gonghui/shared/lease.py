"""One active outbox relay per service: a lease in Redis, and fencing tokens on every write.

Relays of one service may run anywhere (a standby in each replica, or `gonghui relay` processes);
the one holding the lease sends, the others wait and take over within a lease's length of it
dying. A lease alone is not enough: a relay paused (GC, SIGSTOP, a stalled VM) past its lease
still believes it holds it. So each lease comes with a token drawn from a counter that only
grows, and every write to a stream goes through a script that compares the token with the
highest one that stream has seen, in the same step as the XADD: once a newer relay has written
to a stream, an older one can never write to it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from redis.asyncio import Redis

from gonghui.shared import jsontext
from gonghui.shared.streams import StreamKeys

_HOLD = """
local current = redis.call('GET', KEYS[1])
if current then
  local space = string.find(current, ' ', 1, true)
  if string.sub(current, space + 1) ~= ARGV[1] then return 0 end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(string.sub(current, 1, space - 1))
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
return token
"""
"""KEYS: lease, token counter (one slot). ARGV: holder, lease ms. Returns the holder's token
(a new one if the lease was free), or 0 when another holds it."""

_RELEASE = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, string.find(current, ' ', 1, true) + 1) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_FENCED_XADD = """
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
local token = tonumber(ARGV[1])
if token < fence then return -1 end
if token > fence then redis.call('SET', KEYS[1], ARGV[1]) end
local entries = cjson.decode(ARGV[2])
for i = 1, #entries do
  redis.call('XADD', KEYS[2], '*', unpack(entries[i]))
end
return #entries
"""
"""KEYS: the stream's fence, the stream (one slot). ARGV: token, then the entries as one JSON
array of `[name, value, name, value, ...]` arrays. Returns the entries added, or -1 if fenced
off. One argument for the whole batch, not two per field: packing thousands of arguments into
the command cost the relay more than Redis took to run it."""


class LeaseLost(Exception):
    """A newer relay has taken over this service's streams; this one must stop sending."""


class RelayLease:
    """The lease of one service's relay, held by `holder` (unique per process)."""

    def __init__(self, redis: Redis, keys: StreamKeys, *, service: str, holder: str, ttl_ms: int):
        self._keys = [keys.relay_lease(service), keys.relay_tokens(service)]
        self._holder = holder
        self._ttl_ms = ttl_ms
        self._hold = redis.register_script(_HOLD)
        self._release = redis.register_script(_RELEASE)
        self.token = 0
        """The fencing token of the lease last held, 0 when not held."""

    async def hold(self) -> int:
        """Take the lease if free, extend it if ours; return our token, or 0 if another has it."""
        self.token = int(await self._hold(keys=self._keys, args=[self._holder, self._ttl_ms]))
        return self.token

    async def release(self) -> None:
        """Give the lease up (on a clean stop), so a standby takes over at once."""
        await self._release(keys=self._keys[:1], args=[self._holder])
        self.token = 0


class FencedStreams:
    """XADDs that only the relay with the newest token can make (see the module)."""

    def __init__(self, redis: Redis) -> None:
        self._keys = StreamKeys()
        self._xadd = redis.register_script(_FENCED_XADD)

    async def add(self, stream: str, entries: Sequence[dict[str, str]], *, token: int) -> None:
        """Append entries to one stream in order, in one step; raise `LeaseLost` if fenced off."""
        batch = jsontext.dumps(
            [[item for pair in fields.items() for item in pair] for fields in entries]
        )
        if await self._xadd(keys=[self._keys.fence(stream), stream], args=[token, batch]) == -1:
            raise LeaseLost(f"a newer relay has written to {stream}; this one stands down")

    async def add_all(self, by_stream: dict[str, list[dict[str, str]]], *, token: int) -> None:
        """Each stream's entries in one script call, the streams at once (each on its own slot)."""
        outcomes = await asyncio.gather(
            *(self.add(stream, entries, token=token) for stream, entries in by_stream.items()),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
