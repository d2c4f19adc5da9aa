"""WebSocket routes. Every consumer here must have rows in tests/access (the access matrix
test enumerates this list too). The live dialogue room arrives with the dialogue issue."""

websocket_urlpatterns: list = []
