"""WebSocket routes. Every consumer here must have rows in tests/access (the access matrix
test enumerates this list too)."""

from django.urls import path

from imago.dialogues.consumers import DialogueConsumer

websocket_urlpatterns: list = [
    path("ws/dialogues/<int:dialogue_id>/", DialogueConsumer.as_asgi(), name="dialogue_room"),
    path(
        "ws/dialogues/<int:dialogue_id>/together/",
        DialogueConsumer.as_asgi(together=True),
        name="dialogue_together",
    ),
]
