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
        assert backend == "imago.channel_layer.RedisChannelLayer"
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


@pytest.mark.skipif(not settings.REDIS_URL, reason="the pool belongs to the Redis layer")
@pytest.mark.asyncio
async def test_a_burst_larger_than_the_redis_pool_waits_instead_of_failing(monkeypatch):
    """Many screens sending at once need more Redis connections than the pool holds: each
    send waits for a free connection (redis-py's own pool would raise MaxConnectionsError and
    the consumer would drop the person's socket)."""
    import asyncio

    from imago import channel_layer

    monkeypatch.setattr(channel_layer, "POOL_SIZE", 2)
    layer = channel_layer.RedisChannelLayer(hosts=[settings.REDIS_URL])
    channel = await layer.new_channel()
    await layer.group_add("burst-test", channel)
    await asyncio.gather(
        *(layer.group_send("burst-test", {"type": "turn", "n": n}) for n in range(30))
    )
    received = {(await layer.receive(channel))["n"] for _ in range(30)}
    assert received == set(range(30))
    await layer.group_discard("burst-test", channel)
