"""Consumer groups kept tidy: consumers of replicas that died leave once they hold nothing."""

from __future__ import annotations

from redis.asyncio import Redis

# One script, so that a consumer cannot take an entry between the check and the removal
# (XGROUP DELCONSUMER drops the consumer's pending entries, which would lose that entry).
# It touches one key, so it runs on a single node or a cluster alike.
_FORGET_DEPARTED = """
local removed = {}
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
    local info = {}
    for i = 1, #row, 2 do info[row[i]] = row[i + 1] end
    if info['pending'] == 0 and info['idle'] >= tonumber(ARGV[2]) and info['name'] ~= ARGV[3] then
        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
        table.insert(removed, info['name'])
    end
end
return removed
"""


async def forget_departed_consumers(
    redis: Redis, stream: str, group: str, *, min_idle_ms: int, keep: str
) -> list[str]:
    """Remove the group's consumers idle that long with nothing pending, except `keep`.

    A live consumer polls every fraction of a second, so its idle time stays small; one idle
    for minutes belongs to a replica that is gone. Its pending entries are first taken over by
    the others (XAUTOCLAIM), after which it holds nothing and is removed here. Were it alive
    after all, its next read would simply add it again.
    """
    removed = await redis.eval(_FORGET_DEPARTED, 1, stream, group, min_idle_ms, keep)
    return [name.decode() if isinstance(name, bytes) else name for name in removed]
