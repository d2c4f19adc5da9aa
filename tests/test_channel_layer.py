"""The configured channel layer really carries messages: Redis when REDIS_URL is set (CI),
the in-memory layer otherwise (a fresh machine)."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.asyncio
async def test_a_group_message_reaches_its_member():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("couple-test", channel)
    await layer.group_send("couple-test", {"type": "turn.added", "text": "hello"})
    message = await layer.receive(channel)
    assert message == {"type": "turn.added", "text": "hello"}
    await layer.group_discard("couple-test", channel)


def test_the_layer_follows_redis_url():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.REDIS_URL:
        assert backend == "imago.web.layer.PubSubChannelLayer"
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"


@pytest.mark.skipif(not settings.REDIS_URL, reason="only Redis carries messages off the process")
def test_words_travelling_through_redis_are_encrypted():
    """The live room sends a turn's words to the partner's server through Redis."""
    layer = get_channel_layer()
    message = {"type": "dialogue.changed", "change": {"text": "I feel rushed."}}
    wire = layer.serialize(message)
    assert b"rushed" not in wire
    assert layer.deserialize(wire) == message


@pytest.mark.skipif(not settings.REDIS_URL, reason="about Redis connections and buffers")
@pytest.mark.asyncio
async def test_a_burst_of_sends_is_delivered_whole():
    """Hundreds of screens sending at once (a burst of turns): every message arrives. The
    list-based Redis layer took a pooled connection per send and failed past redis-py's 100
    with MaxConnectionsError, which closed people's sockets (BENCHMARKS.md)."""
    import asyncio

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("burst-test", channel)
    await asyncio.gather(
        *(layer.group_send("burst-test", {"type": "turn", "n": n}) for n in range(300))
    )
    received = {(await asyncio.wait_for(layer.receive(channel), 10))["n"] for _ in range(300)}
    assert received == set(range(300))
    await layer.group_discard("burst-test", channel)


# imago.web.layer: channels-redis' pub/sub layer, publishing in batches.


def pipelines_of(layer) -> list[int]:
    """Record the size of every Redis pipeline the layer's shard sends from now on: one entry
    per round trip that carries publishes."""
    from imago.web.layer import BatchedShard

    [shard] = layer._get_layer()._shards
    assert isinstance(shard, BatchedShard)
    shard._ensure_redis()
    sizes: list[int] = []
    make = shard._redis.pipeline

    def pipeline(*args, **kwargs):
        pipe = make(*args, **kwargs)
        execute = pipe.execute

        async def counted_execute(*args, **kwargs):
            sizes.append(len(pipe.command_stack))
            return await execute(*args, **kwargs)

        pipe.execute = counted_execute
        return pipe

    shard._redis.pipeline = pipeline
    return sizes


@pytest.mark.skipif(not settings.REDIS_URL, reason="about publishing to Redis")
@pytest.mark.asyncio
async def test_sends_arrive_in_the_order_they_were_started():
    """A dialogue's changes must reach the partner in the order they happened, also when some
    are started while a batch is on the wire (they go in the next one, after it)."""
    import asyncio

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("order-test", channel)
    pipelines = pipelines_of(layer)
    sends = []
    for n in range(200):
        sends.append(asyncio.ensure_future(layer.group_send("order-test", {"type": "t", "n": n})))
        if n % 20 == 19:
            await asyncio.sleep(0.001)  # the batch so far goes out; the next ones pile up
    await asyncio.gather(*sends)
    received = [(await asyncio.wait_for(layer.receive(channel), 10))["n"] for _ in range(200)]
    assert received == list(range(200))
    assert len(pipelines) >= 2 and sum(pipelines) == 200  # several batches, in order
    await layer.group_discard("order-test", channel)


@pytest.mark.skipif(not settings.REDIS_URL, reason="about publishing to Redis")
@pytest.mark.asyncio
async def test_sends_that_pile_up_go_out_together():
    """The point of BatchedShard: a burst of turns is published in a few Redis round trips,
    not one each behind a lock (BENCHMARKS.md: that wait was most of a turn's latency)."""
    import asyncio

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("batch-test", channel)
    pipelines = pipelines_of(layer)
    await asyncio.gather(
        *(layer.group_send("batch-test", {"type": "t", "n": n}) for n in range(200))
    )
    assert sum(pipelines) == 200 and len(pipelines) <= 10, pipelines
    received = {(await asyncio.wait_for(layer.receive(channel), 10))["n"] for _ in range(200)}
    assert received == set(range(200))
    await layer.group_discard("batch-test", channel)


@pytest.mark.asyncio
async def test_a_send_fails_when_redis_cannot_be_reached_instead_of_hanging():
    """Redis down: the turn is stored, and the room must hear that telling the partner failed
    (it answers the screen and goes on) rather than wait forever for a batch that never goes.
    Every send waiting in the failed batch hears it, and so does the next one. No Redis server
    is needed: nothing listens on port 1."""
    import asyncio

    from redis.exceptions import ConnectionError

    from imago.web.layer import PubSubChannelLayer

    layer = PubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    try:
        burst = [layer.group_send("nowhere", {"type": "t", "n": n}) for n in range(3)]
        results = await asyncio.wait_for(asyncio.gather(*burst, return_exceptions=True), 5)
        assert all(isinstance(result, ConnectionError) for result in results), results
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(layer.group_send("nowhere", {"type": "t"}), 5)
    finally:
        await layer.flush()


def test_sealed_messages_open_with_any_current_key_and_refuse_others():
    """The layer's encryption (imago.web.layer.Sealed): a message sealed before a key rotation
    (its key now second in IMAGO_FIELD_KEY) still opens; one sealed with a key the site does
    not have, or altered on the way, is refused rather than read."""
    from cryptography.fernet import Fernet, InvalidToken

    from imago.web.layer import Sealed

    old, new, stranger = (Fernet.generate_key().decode() for _ in range(3))
    sealed_before = Sealed([old]).encrypt(b"I feel rushed.")
    assert b"rushed" not in sealed_before
    assert Sealed([new, old]).decrypt(sealed_before) == b"I feel rushed."
    with pytest.raises(InvalidToken):
        Sealed([stranger]).decrypt(sealed_before)
    altered = sealed_before[:-1] + bytes([sealed_before[-1] ^ 1])
    with pytest.raises(InvalidToken):
        Sealed([old]).decrypt(altered)
    # A fresh nonce each time: the same words never look the same on the wire.
    assert Sealed([old]).encrypt(b"same") != Sealed([old]).encrypt(b"same")
