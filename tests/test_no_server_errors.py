"""Bad input never gives a 500: every route (from the access rules) is sent a POST with hostile
values for every field name our forms and the API use, and a GET with hostile query values,
as several roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_access_matrix import RULES

FIELDS = [
    "certification_level",
    "code",
    "confirm",
    "credentials",
    "display_name",
    "email",
    "minutes",
    "new_password1",
    "new_password2",
    "old_password",
    "password",
    "password1",
    "password2",
    "role",
    "text",
    "token",
    "turns",
    "username",
    "visibility",
]
HOSTILE = {
    "empty": "",
    "nul": "a\x00b",
    "huge": "x" * 100_000,
    "unicode": "💥\u202e\ufeff" * 50,
    "markup": "<script>alert(1)</script>' OR 1=1 --",
    "number": "99999999999999999999999",
}
# One rule per name is enough to build its URL; WebSocket routes are not HTTP.
ROUTES = {rule.name: rule for rule in RULES if not rule.name.startswith("ws:")}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("role", ["partner_a", "therapist", "anonymous"])
def test_hostile_input_to_every_post_route_is_answered_without_a_server_error(
    role, value, world, client_for
):
    client = client_for(role)
    client.raise_request_exception = False
    failures = []
    for name, rule in ROUTES.items():
        url = reverse(name, kwargs=rule.kwargs(world))
        data = dict.fromkeys(FIELDS, value)
        if name.startswith("api-"):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        if response.status_code >= 500:
            failures.append(f"POST {url}: {response.status_code}")
        response = client.get(url, {"next": value, "code": value})
        if response.status_code >= 500:
            failures.append(f"GET {url}?next=…: {response.status_code}")
    assert not failures, failures
