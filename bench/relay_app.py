"""The bare Channels relay the dialogue benchmark compares against.

The least a two-process live room can do: a socket joins a group named in its URL, every text
it sends goes to that group through the Redis channel layer, and the other members get it
unchanged. No database, no sessions, no JSON work. Served like the app (imago.serving):

    PYTHONPATH=bench python -m imago.serving relay_app:application --port 9001  # REDIS_URL too

bench/dialogue_load.py starts two of these (one per port) next to the two app servers.
"""

from __future__ import annotations

import os

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                # The app's layer (channels-redis' pub/sub layer, publishing in batches), so
                # both phases run on the same setup.
                "BACKEND": "imago.web.layer.PubSubChannelLayer",
                "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")]},
            }
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        # Its own prefix, so a relay group never meets a dialogue group in a shared Redis; the
        # run's token, so sockets left in a group by an earlier, killed run are not sent to.
        kwargs = self.scope["url_route"]["kwargs"]
        self.group = f"benchrelay-{kwargs['run']}-{kwargs['pair']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(
            self.group, {"type": "relay.message", "text": text_data, "from": self.channel_name}
        )

    async def relay_message(self, message):
        if message["from"] != self.channel_name:
            await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("relay/<str:run>/<int:pair>/", RelayConsumer.as_asgi())])}
)
