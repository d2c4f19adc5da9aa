"""The channel layer for Redis: channels-redis' pub/sub layer, publishing in batches.

channels-redis (4.3.0) publishes one message at a time per process: each publish holds a lock
for its own Redis round trip, so a busy process's messages queue behind each other. Measured at
200 couples in bench/dialogue_load.py, the wait at that lock was the largest part of a turn's
latency (p50 53 ms, p90 407 ms) against 1.6 ms for the publish itself. Here every message that
comes while a round trip is under way goes out, in order, in the next one (a Redis pipeline):
a busy process publishes a burst in the time of one round trip, not of all of them.

Everything else (subscribing, receiving, encryption, reconnecting) is channels-redis' own.
"""

from __future__ import annotations

import asyncio

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection


class BatchedShard(RedisSingleShardConnection):
    """One Redis server's connection, with publishes gathered while one is on the wire."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self._waiting: list[tuple[str, bytes, asyncio.Future]] = []
        self._sender: asyncio.Task | None = None

    async def publish(self, channel, message):
        sent = asyncio.get_running_loop().create_future()
        self._waiting.append((channel, message, sent))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send_waiting())
        # The caller hears of a failure (Redis gone), as it would from channels-redis.
        await sent

    async def _send_waiting(self):
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                # The shard's lock, as channels-redis' own publish: (un)subscribing and
                # flushing do not run in the middle of a batch.
                async with self._lock:
                    self._ensure_redis()
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for channel, message, _ in batch:
                            pipe.publish(channel, message)
                        await pipe.execute()
            except asyncio.CancelledError:
                for *_, sent in batch:
                    sent.cancel()
                raise
            except Exception as error:
                for *_, sent in batch:
                    if not sent.done():
                        sent.set_exception(error)
            else:
                for *_, sent in batch:
                    if not sent.done():
                        sent.set_result(None)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer whose shards publish in batches (BatchedShard)."""

    def _get_layer(self):
        layer = super()._get_layer()  # one per event loop, made on first use
        if not all(isinstance(shard, BatchedShard) for shard in layer._shards):
            layer._shards = [BatchedShard(shard.host, layer) for shard in layer._shards]
        return layer
