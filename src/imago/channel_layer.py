"""The Redis channel layer the live room runs on in production: channels-redis, with one change.

redis-py caps a connection pool at 100 connections and raises MaxConnectionsError when a burst
of screens needs more at once; inside a consumer that error closes the person's socket
(measured: 251 of 1000 sockets dropped at 500 couples on two processes, BENCHMARKS.md). Here
the pool waits for a free connection instead, for a bounded time: a burst is slower, not fatal.
"""

from __future__ import annotations

from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer
from redis.asyncio import BlockingConnectionPool

POOL_SIZE = 200  # connections to Redis per process and event loop
POOL_WAIT_SECONDS = 10  # then the burst really is too much, and the error stands


class RedisChannelLayer(ChannelsRedisLayer):
    def create_pool(self, index):
        host = dict(self.hosts[index])
        address = host.pop("address")
        return BlockingConnectionPool.from_url(
            address, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS, **host
        )
