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
