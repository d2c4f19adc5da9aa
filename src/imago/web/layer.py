"""The channel layer for Redis: channels-redis' pub/sub layer, publishing in batches.

channels-redis (4.3.0) publishes one message at a time per process: each publish holds a lock
for its own Redis round trip, so a busy process's messages queue behind each other. Measured at
200 couples in bench/dialogue_load.py, the wait at that lock was the largest part of a turn's
latency (p50 53 ms, p90 407 ms) against 1.6 ms for the publish itself. Here every message that
comes while a round trip is under way goes out, in order, in the next one (a Redis pipeline):
a busy process publishes a burst in the time of one round trip, not of all of them.

Messages are sealed with AES-256-GCM-SIV (Sealed) rather than channels-redis' Fernet: a turn's
words cross Redis, and Fernet cost as much CPU as the rest of the room's work on a message
(BENCHMARKS.md). Everything else (subscribing, receiving, reconnecting) is channels-redis' own.
"""

from __future__ import annotations

import asyncio
import os

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection
from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12  # bytes, random per message; GCM-SIV stays safe even if one ever repeats


class Sealed:
    """Authenticated encryption of the layer's messages, in the place of channels-redis' Fernet
    crypter (encrypt, decrypt). The keys are the site's field keys (IMAGO_FIELD_KEY), each
    turned into a key of its own for this use (HKDF); the first seals, all open, so a rotated
    key keeps working. Measured: 8 us to seal and open a 600-byte message against 39 for
    Fernet, and one object per key instead of new cipher objects per message."""

    def __init__(self, keys):
        self._aeads = [AESGCMSIV(_layer_key(key)) for key in keys]

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aeads[0].encrypt(nonce, data, None)

    def decrypt(self, token: bytes, ttl=None) -> bytes:
        # ttl: channels-redis' pub/sub layer passes None (its messages do not wait in Redis).
        nonce, sealed = token[:NONCE], token[NONCE:]
        for aead in self._aeads:
            try:
                return aead.decrypt(nonce, sealed, None)
            except InvalidTag:
                continue
        raise InvalidToken  # as Fernet would: not ours, or altered on the way


def _layer_key(key: str | bytes) -> bytes:
    material = key.encode() if isinstance(key, str) else key
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"imago channel layer"
    ).derive(material)


class BatchedShard(RedisSingleShardConnection):
    """One Redis server's connection, with publishes gathered while one is on the wire."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self._waiting: list[tuple[str, bytes, asyncio.Future]] = []
        self._sending = False  # a batch is on the wire (sent by a caller or by _sender)
        self._sender: asyncio.Task | None = None  # kept, so the running task is not collected

    async def publish(self, channel, message):
        sent = asyncio.get_running_loop().create_future()
        self._waiting.append((channel, message, sent))
        if not self._sending:
            # Nothing on the wire: this caller sends its message itself, now, instead of in a
            # task that would start only after every callback already waiting on the loop
            # (at 200 couples, p99 0.5-1 ms lower, here and in the bench's relay alike).
            # What comes in meanwhile waits and goes out together, from a task, afterwards.
            self._sending = True
            try:
                await self._send_batch()
            finally:
                if self._waiting:
                    self._sender = asyncio.ensure_future(self._send_waiting())  # still sending
                else:
                    self._sending = False
        # The caller hears of a failure (Redis gone), as it would from channels-redis.
        await sent

    async def _send_waiting(self):
        try:
            while self._waiting:
                await self._send_batch()
        finally:
            self._sending = False

    async def _send_batch(self):
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
    """RedisPubSubChannelLayer whose shards publish in batches (BatchedShard) and whose
    messages are sealed by Sealed when keys are given."""

    def __init__(self, *args, symmetric_encryption_keys=None, **kwargs):
        super().__init__(*args, **kwargs)
        if symmetric_encryption_keys:
            self._serializer.crypter = Sealed(symmetric_encryption_keys)

    def _get_layer(self):
        layer = super()._get_layer()  # one per event loop, made on first use
        if not all(isinstance(shard, BatchedShard) for shard in layer._shards):
            layer._shards = [BatchedShard(shard.host, layer) for shard in layer._shards]
        return layer
