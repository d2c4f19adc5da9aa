"""The role/URL access matrix: every route, tried as every base-case role.

Rules live in tests/access/<feature>.py. This file fails when a URL pattern, an API operation
or a WebSocket route has no rule, so a new page without a leak test breaks the build.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.access
from imago.routing import websocket_urlpatterns
from tests.access import ROLES, Rule


def load_rules() -> list[Rule]:
    rules: list[Rule] = []
    for module in pkgutil.iter_modules(tests.access.__path__):
        rules.extend(importlib.import_module(f"tests.access.{module.name}").RULES)
    return rules


RULES = load_rules()


def walk(patterns, prefix="", namespace=""):
    """Yield (full route, url name with namespace, pattern) for every URL pattern."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


def site_routes():
    return [(route, name) for route, name, _ in walk(get_resolver().url_patterns)]


def test_every_url_pattern_has_a_name_and_an_access_rule():
    covered = {rule.name for rule in RULES}
    # Django's admin has a few unnamed catch-all patterns; admin is checked as a whole below.
    unnamed = [
        route for route, name in site_routes() if name is None and not route.startswith("admin/")
    ]
    missing = sorted(
        {name for _, name in site_routes() if name and not name.startswith("admin:")} - covered
    )
    assert not unnamed, f"URL patterns without a name (name them, then add rules): {unnamed}"
    assert not missing, f"URL names without an access rule in tests/access/: {missing}"


def test_every_api_operation_has_an_access_rule_for_its_method():
    from imago.api import api

    covered = {(rule.name, rule.method.upper()) for rule in RULES}
    missing = []
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = f"api-1.0.0:{operation.url_name}"
                for method in operation.methods:
                    if not any((n, method) in covered for n in _names_for(operation, path_view)):
                        missing.append(f"{method} {name}")
    assert not missing, f"API operations without an access rule: {missing}"


def _names_for(operation, path_view):
    """All URL names that reach this operation's path (ninja names a path by one operation)."""
    return {f"api-1.0.0:{op.url_name}" for op in path_view.operations if op.url_name}


def test_every_websocket_route_has_an_access_rule():
    covered = {rule.name for rule in RULES}
    missing = [str(p.pattern) for p in websocket_urlpatterns if f"ws:{p.name}" not in covered]
    assert not missing, f"WebSocket routes without an access rule: {missing}"


def test_every_rule_names_a_real_route():
    names = {name for _, name in site_routes() if name}
    names |= {f"ws:{p.name}" for p in websocket_urlpatterns}
    unknown = sorted({rule.name for rule in RULES} - names)
    assert not unknown, f"rules for routes that do not exist: {unknown}"


HTTP_RULES = [rule for rule in RULES if not rule.name.startswith("ws:")]
WS_RULES = [rule for rule in RULES if rule.name.startswith("ws:")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", HTTP_RULES, ids=lambda r: f"{r.method}:{r.name}")
def test_role_gets_the_expected_status(rule: Rule, role: str, world, client_for):
    client = client_for(role)
    url = reverse(rule.name, kwargs=rule.kwargs(world))
    call = getattr(client, rule.method)
    data = rule.data(world)
    if rule.name.startswith("api-") and rule.method in ("post", "put", "patch"):
        response = call(url, data, content_type="application/json")
    else:
        response = call(url, data)
    assert response.status_code == rule.expect[role], (
        f"{role} {rule.method.upper()} {url}: got {response.status_code}, "
        f"expected {rule.expect[role]}"
    )


WS_OPEN, WS_REFUSED = 101, 403  # what a WebSocket rule expects: connected, or turned away


def ws_path(name: str, kwargs: dict) -> str:
    pattern = next(p for p in websocket_urlpatterns if f"ws:{p.name}" == name)
    route = str(pattern.pattern)
    for key, value in kwargs.items():
        route = re.sub(rf"<(?:\w+:)?{key}>", str(value), route)
    return "/" + route


async def ws_status(path: str, session_key: str | None) -> int:
    from channels.testing import WebsocketCommunicator

    from imago.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return WS_OPEN if connected else WS_REFUSED


@pytest.mark.django_db(transaction=True)  # the consumer reads the database from its own thread
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", WS_RULES, ids=lambda r: r.name)
def test_role_gets_the_expected_websocket_answer(rule: Rule, role: str, world, client_for):
    from asgiref.sync import async_to_sync

    client = client_for(role)
    session = client.cookies.get("sessionid")
    path = ws_path(rule.name, rule.kwargs(world))
    status = async_to_sync(ws_status)(path, session.value if session else None)
    assert status == rule.expect[role], f"{role} {path}: got {status}, expected {rule.expect[role]}"


def _dummy_kwargs(route: str) -> dict[str, str]:
    kwargs = {name: "1" for name in re.findall(r"<(?:\w+:)?(\w+)>", route)}
    # Regex groups such as (?P<app_label>accounts|couples|...): take the first alternative.
    kwargs.update(re.findall(r"\(\?P<(\w+)>([\w-]+)", route))
    return kwargs


ADMIN_ROUTES = [
    (route, name) for route, name in site_routes() if name and name.startswith("admin:")
]


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_closed_to_every_base_role(role, world, client_for):
    """No base-case role is staff: every admin URL must send them away, whatever its name."""
    client = client_for(role)
    opened = []
    for route, name in ADMIN_ROUTES:
        url = reverse(name, kwargs=_dummy_kwargs(route.removeprefix("admin/")))
        status = client.get(url).status_code
        if status not in (302, 404):
            opened.append(f"{url} -> {status}")
    assert not opened, f"admin pages open to {role}: {opened}"
