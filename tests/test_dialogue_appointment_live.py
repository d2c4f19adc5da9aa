"""The appointment page follows the answer live: it carries what it was rendered with
(data-seq, data-status, data-ready-at), in the words of the room's view, for appointment.js to
compare with each view the WebSocket sends. The browser side is in
tests/browser/test_dialogue_appointment.py."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from imago.dialogues import room
from imago.dialogues.models import Dialogue
from imago.dialogues.services import appointment_ready_at, dialogue_cancel, dialogue_request
from tests.test_web import assert_no_inline_code


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


def live_attributes(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="appointment"[^>]*>', html).group(0)
    return {name: unescape(value) for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


def page(client_for, role: str, dialogue) -> str:
    response = client_for(role).get(reverse("dialogue_room", args=[dialogue.pk]))
    assert response.status_code == 200
    return response.text


def as_the_socket_says(dialogue, user) -> dict[str, str]:
    dialogue = Dialogue.objects.select_related("seat_a", "seat_b").get(pk=dialogue.pk)
    view = room.view_for(dialogue, user)
    return {"seq": str(view["seq"]), "status": view["status"], "ready-at": view["ready_at_label"]}


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_a_waiting_request_carries_what_the_page_shows(world, client_for, dialogue, role):
    html = page(client_for, role, dialogue)
    data = live_attributes(html)
    assert data == {
        "ws-path": f"/ws/dialogues/{dialogue.pk}/",
        "url": reverse("dialogue_room", args=[dialogue.pk]),
        "seq": "0",
        "status": "request",
        "ready-at": "",
    }
    assert {k: data[k] for k in ("seq", "status", "ready-at")} == as_the_socket_says(
        dialogue, getattr(world, role)
    )
    assert '<script src="/static/dialogues/appointment.js" defer></script>' in html
    assert 'id="appointment-notice" role="status"' in html
    assert_no_inline_code(html)


def test_a_named_time_is_carried_in_each_partners_own_words(world, client_for, dialogue):
    appointment_ready_at(
        person=world.partner_b, dialogue=dialogue, ready_at=timezone.now() + timedelta(hours=3)
    )
    dialogue.refresh_from_db()
    clock = timezone.localtime(dialogue.ready_at).strftime("%H:%M")
    for role, words in (
        ("partner_a", f"Ben can be ready at {clock}."),
        ("partner_b", f"You can be ready at {clock}."),
    ):
        data = live_attributes(page(client_for, role, dialogue))
        assert (data["seq"], data["status"], data["ready-at"]) == ("0", "request", words)
        assert {k: data[k] for k in ("seq", "status", "ready-at")} == as_the_socket_says(
            dialogue, getattr(world, role)
        )


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_a_cancelled_request_carries_its_state(world, client_for, dialogue, role):
    dialogue_cancel(person=world.partner_a, dialogue=dialogue)
    data = live_attributes(page(client_for, role, dialogue))
    assert (data["seq"], data["status"], data["ready-at"]) == ("0", "cancelled", "")


def test_a_lapsed_request_carries_its_state(world, client_for, dialogue):
    Dialogue.objects.filter(pk=dialogue.pk).update(created_at=timezone.now() - timedelta(days=2))
    data = live_attributes(page(client_for, "partner_b", dialogue))
    assert data["status"] == "lapsed"


def test_a_refused_time_renders_the_page_with_its_own_address_to_reload(
    world, client_for, dialogue
):
    # The refused form is shown at the form's address (POST only): the script reloads data-url.
    url = reverse("dialogue_ready_at", args=[dialogue.pk])
    response = client_for("partner_b").post(url, {"ready_at": "tomorrow at seven"})
    assert response.status_code == 200
    data = live_attributes(response.text)
    assert data["url"] == reverse("dialogue_room", args=[dialogue.pk])
    assert (data["seq"], data["status"], data["ready-at"]) == ("0", "request", "")


def test_the_asker_keeps_a_way_to_check_without_javascript(world, client_for, dialogue):
    html = page(client_for, "partner_a", dialogue)
    room_url = reverse("dialogue_room", args=[dialogue.pk])
    assert f'<a class="button secondary" href="{room_url}">Check for an answer</a>' in html
    assert 'id="appointment-live-hint" class="muted" hidden' in html
