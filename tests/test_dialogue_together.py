"""Shared-device mode: both partners at one screen, face to face. The screen shows who speaks
now and the controls of whoever's turn it is; each turn is stored with the seat whose turn it
was (actor) and the partner who tapped (author)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.room import view_for
from imago.dialogues.services import (
    DialogueError,
    dialogue_request,
    dialogue_set_shared_device,
    event_submit,
    new_client_id,
)
from tests.test_dialogue_pages import assert_calm_page
from tests.test_dialogue_room import communicator, next_of, next_view
from tests.test_web import assert_headings_in_order, h1_count


@pytest.fixture
def together(world):
    return dialogue_request(person=world.partner_a, shared_device=True)


def for_seat(dialogue, user, action, seat, text=""):
    dialogue.refresh_from_db()
    submitted = event_submit(
        dialogue_id=dialogue.pk,
        user=user,
        action=action,
        text=text,
        client_id=new_client_id(),
        expected_seq=dialogue.seq,
        on_behalf_of_seat=seat,
    )
    dialogue.refresh_from_db()
    return submitted


# The service ------------------------------------------------------------------------------


def test_one_partner_takes_both_seats_turns_and_each_is_stored_with_its_seat(world, together):
    ana = world.partner_a
    for_seat(together, ana, "accept", "b")
    for_seat(together, ana, "send", "a", "I feel rushed in the mornings.")
    for_seat(together, ana, "mirror", "b", "You feel rushed.")
    rows = list(DialogueEvent.objects.filter(dialogue=together).values_list("actor", "author"))
    assert rows == [("b", ana.pk), ("a", ana.pk), ("b", ana.pk)]
    together.refresh_from_db()
    assert together.step == "check" and together.seq == 3


def test_the_engine_still_decides_whose_turn_it_is(world, together):
    with pytest.raises(DialogueError) as refusal:
        for_seat(together, world.partner_a, "accept", "a")
    assert "partner's turn" in refusal.value.message
    assert not DialogueEvent.objects.exists()


def test_acting_for_a_seat_is_refused_on_a_dialogue_with_a_screen_each(world):
    dialogue = dialogue_request(person=world.partner_a)
    with pytest.raises(DialogueError) as refusal:
        for_seat(dialogue, world.partner_a, "accept", "b")
    assert refusal.value.stale
    assert "two screens" in refusal.value.message
    assert not DialogueEvent.objects.exists()


@pytest.mark.parametrize("role", ["other_couple", "therapist", "other_therapist"])
def test_nobody_outside_the_couple_acts_for_a_seat(world, together, role):
    with pytest.raises(DialogueError):
        for_seat(together, world.user(role), "accept", "b")
    assert not DialogueEvent.objects.exists()


def test_an_unknown_seat_is_refused(world, together):
    with pytest.raises(DialogueError):
        for_seat(together, world.partner_a, "accept", "facilitator")
    assert not DialogueEvent.objects.exists()


def test_either_partner_switches_an_open_dialogue_to_one_screen_and_back(world):
    dialogue = dialogue_request(person=world.partner_a)
    dialogue_set_shared_device(person=world.partner_b, dialogue=dialogue, shared=True)
    assert Dialogue.objects.get().shared_device
    dialogue_set_shared_device(person=world.partner_a, dialogue=dialogue, shared=False)
    assert not Dialogue.objects.get().shared_device
    with pytest.raises(DialogueError):
        dialogue_set_shared_device(person=world.other_couple, dialogue=dialogue, shared=True)


# The view ---------------------------------------------------------------------------------


def test_the_shared_view_names_who_speaks_and_shows_only_their_controls(world, together):
    ben = view_for(together, world.partner_a, together=True)
    assert ben["together_text"] == "Ben speaks — Ana listens"
    assert ben["acting_seat"] == "b" and ben["seat_class"] == "seat-b"
    assert ben["turn_text"] == "Ben, your turn: Ana asks if now is a good time to talk"
    assert [a["action"] for a in ben["actions"]] == ["accept"]
    for_seat(together, world.partner_a, "accept", "b")
    ana = view_for(together, world.partner_b, together=True)  # the same screen, from Ben's login
    assert ana["together_text"] == "Ana speaks — Ben listens"
    assert ana["turn_text"] == "Ana, your turn: say what is on your mind"
    assert ana["controls_heading"] == "Ana's turn"
    assert ana["my_role_text"] == "Ana is the sender · Ben is the receiver"
    assert ana["presence_text"] == "" and ana["waiting_text"] == ""
    for_seat(together, world.partner_a, "send", "a", "Hello.")
    view = view_for(together, world.partner_a, together=True)
    assert view["together_text"] == "Ben speaks — Ana listens"
    assert [(i["who"], i["mine"]) for i in view["transcript"][1:]] == [
        ("Ben", False),
        ("Ana", False),
    ]


def test_a_break_is_offered_to_go_on_by_whoever_asked_for_it(world, together):
    for_seat(together, world.partner_a, "accept", "b")
    for_seat(together, world.partner_a, "pause", "a")
    view = view_for(together, world.partner_a, together=True)
    assert view["paused"] and view["acting_seat"] == "a"
    assert view["turn_text"] == "Paused: Ana asked for a break. Go on when you are ready."
    assert view["pause"]["action"] == "resume"


def test_a_partner_on_their_own_screen_sees_turns_taken_for_them_as_theirs(world, together):
    for_seat(together, world.partner_a, "accept", "b")
    ben = view_for(together, world.partner_b)
    assert ben["transcript"][-1]["who"] == "You" and ben["transcript"][-1]["mine"]


# The pages --------------------------------------------------------------------------------


def test_asking_to_sit_together_opens_the_shared_screen(world, client_for):
    response = client_for("partner_a").post(
        reverse("dialogues"), {"variant": "standard", "together": "on"}
    )
    dialogue = Dialogue.objects.get()
    assert dialogue.shared_device
    assert response.url == reverse("dialogue_together", args=[dialogue.pk])
    page = client_for("partner_a").get(response.url)
    html = page.content.decode()
    assert "Ben speaks — Ana listens" in html
    assert 'name="as_seat" value="b"' in html
    assert "Ben, your turn: Ana asks if now is a good time to talk" in html
    assert h1_count(html) == 1
    assert_headings_in_order(html)


def test_the_shared_screen_offers_to_switch_a_dialogue_on_two_screens(world, client_for):
    dialogue = dialogue_request(person=world.partner_a)
    url = reverse("dialogue_together", args=[dialogue.pk])
    client = client_for("partner_b")
    offer = client.get(url)
    assert b"Use one screen together" in offer.content
    assert_calm_page(offer.content.decode())
    response = client.post(url, {"shared": "1"})
    assert response.status_code == 302 and response.url == url
    assert Dialogue.objects.get().shared_device
    back = client.post(url, {"shared": "0"})
    assert back.url == reverse("dialogue_room", args=[dialogue.pk])
    assert not Dialogue.objects.get().shared_device
    bad = client.post(url, {"shared": "maybe"})
    assert bad.status_code == 200 and b"Please choose one screen or two." in bad.content


def test_the_shared_screen_works_as_a_plain_form(world, client_for, together):
    client = client_for("partner_a")
    url = reverse("dialogue_event", args=[together.pk])
    data = {"client_id": new_client_id(), "expected_seq": 0, "as_seat": "b", "action": "accept"}
    response = client.post(url, data)
    assert response.url == reverse("dialogue_together", args=[together.pk])
    data = {
        "client_id": new_client_id(),
        "expected_seq": 1,
        "as_seat": "b",
        "action": "send",
        "text": "Not my turn",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Not my turn" in html and "Ana speaks — Ben listens" in html
    assert list(DialogueEvent.objects.values_list("actor", flat=True)) == ["b"]


# The WebSocket ----------------------------------------------------------------------------


@pytest.fixture
def session_of(world, client_for):
    keys = {role: client_for(role).cookies["sessionid"].value for role in ("partner_a",)}
    keys.update({r: client_for(r).cookies["sessionid"].value for r in ("partner_b", "therapist")})
    return keys.__getitem__


@pytest.mark.django_db(transaction=True)
async def test_the_shared_socket_takes_turns_for_the_seat_shown(world, together, session_of):
    path = f"/ws/dialogues/{together.pk}/together/"
    screen = communicator(path, session_of("partner_a"))
    assert (await screen.connect(timeout=5))[0]
    first = await next_of(screen, "view")
    assert first["together"] and first["acting_seat"] == "b"
    message = {
        "type": "event",
        "action": "accept",
        "client_id": new_client_id(),
        "expected_seq": 0,
        "as_seat": first["acting_seat"],
    }
    await screen.send_json_to(message)
    assert (await next_of(screen, "ack"))["seq"] == 1
    view = await next_view(screen, step="send")
    assert view["acting_seat"] == "a" and view["together_text"] == "Ana speaks — Ben listens"
    no_seat = dict(message, client_id=new_client_id(), action="send", text="Hi", as_seat=None)
    await screen.send_json_to(no_seat)
    assert (await next_of(screen, "refused"))["stale"]
    await screen.disconnect()
    rows = await sync_to_async(
        lambda: list(DialogueEvent.objects.values_list("actor", "author__email"))
    )()
    assert rows == [("b", "ana@example.com")]


@pytest.mark.django_db(transaction=True)
async def test_the_shared_socket_is_refused_on_two_screens_and_to_outsiders(world, session_of):
    dialogue = await sync_to_async(dialogue_request)(person=world.partner_a)
    screen = communicator(f"/ws/dialogues/{dialogue.pk}/together/", session_of("partner_a"))
    assert not (await screen.connect(timeout=5))[0]
    await screen.disconnect()
    await sync_to_async(Dialogue.objects.filter(pk=dialogue.pk).update)(shared_device=True)
    screen = communicator(f"/ws/dialogues/{dialogue.pk}/together/", session_of("therapist"))
    assert not (await screen.connect(timeout=5))[0]
    await screen.disconnect()
