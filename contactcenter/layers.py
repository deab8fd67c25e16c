"""The Redis channel layer, with one addition for events.py: `group_send_many`.

channels_redis sends to one group in four round trips (expire old members, read members, expire
old messages, store the message). An event goes to several groups (an agent's, a conversation's,
its queues', the organization's), and a batch of assignments to dozens: `group_send_many` reads
every group's members in one pipeline and stores the message for each member channel once (a
socket in two of the groups gets the event once), whatever the number of groups.
"""

import time
from collections import defaultdict

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

# The same script channels_redis runs for group_send: store each channel's message unless the
# channel is over capacity, and refresh its expiry.
GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


class RedisChannelLayer(BaseRedisChannelLayer):
    async def group_send_many(self, groups, message) -> None:
        """Send `message` to every member of `groups`, each member channel once."""
        keys_by_connection = defaultdict(list)
        for group in dict.fromkeys(groups):
            assert self.require_valid_group_name(group), "Group name not valid"
            keys_by_connection[self.consistent_hash(group)].append(self._group_key(group))
        members: list[str] = []
        oldest_member = int(time.time()) - self.group_expiry
        for index, group_keys in keys_by_connection.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for key in group_keys:
                pipe.zremrangebyscore(key, min=0, max=oldest_member)
                pipe.zrange(key, 0, -1)
            results = await pipe.execute()
            members.extend(name.decode("utf8") for names in results[1::2] for name in names)
        if not members:
            return
        channel_keys_by_connection, messages, capacities = self._map_channel_keys_to_connection(
            list(dict.fromkeys(members)), message
        )
        for index, channel_keys in channel_keys_by_connection.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for key in channel_keys:
                pipe.zremrangebyscore(key, min=0, max=int(time.time()) - int(self.expiry))
            args = [messages[key] for key in channel_keys] + [capacities[key] for key in channel_keys]
            pipe.eval(GROUP_SEND_LUA, len(channel_keys), *channel_keys, *args, time.time(), self.expiry)
            await pipe.execute()
