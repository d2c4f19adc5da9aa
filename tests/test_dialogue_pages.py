"""The dialogue's pages: asking, the appointment, the room without JavaScript, the calendar file,
the transcript and its downloads, the admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imago.couples.services import couple_unlink
from imago.dialogue import Step
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.services import (
    appointment_ready_at,
    dialogue_request,
    event_submit,
    new_client_id,
)
from imago.dialogues.views import transcript_pdf
from tests.conftest import login, make_person
from tests.test_admin import make_admin
from tests.test_web import assert_headings_in_order, assert_no_inline_code, h1_count


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


def submit(dialogue, user, action, text=""):
    dialogue.refresh_from_db()
    return event_submit(
        dialogue_id=dialogue.pk,
        user=user,
        action=action,
        text=text,
        client_id=new_client_id(),
        expected_seq=dialogue.seq,
    )


def post_event(client, dialogue, action, text="", extra=None, *, as_it_is=True):
    """A button pressed on the page without JavaScript. With words, it is "send as it is"
    unless as_it_is=False: these tests are about the room; tests/test_dialogue_coach.py
    follows the coach."""
    dialogue.refresh_from_db()
    data = {
        "action": action,
        "text": text,
        "client_id": new_client_id(),
        "expected_seq": dialogue.seq,
    }
    data.update(extra or {})
    data["anyway_action"] = data["action"] if data["text"] and as_it_is else ""
    return client.post(reverse("dialogue_event", args=[dialogue.pk]), data)


def local_input(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def assert_calm_page(html: str) -> None:
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    assert_no_inline_code(html)


def started(world, dialogue, *turns):
    submit(dialogue, dialogue.seat_b, "accept")
    for user, action, text in turns:
        submit(dialogue, user, action, text)
    dialogue.refresh_from_db()
    return dialogue


# The list and asking ----------------------------------------------------------------------


def test_the_dialogue_page_offers_to_ask_with_two_kinds_explained(world, client_for):
    response = client_for("partner_a").get(reverse("dialogues"))
    html = response.text
    assert response.status_code == 200
    assert_calm_page(html)
    assert "Is now a good time to talk?" in html
    assert "An everyday dialogue" in html and "Talking about a frustration" in html
    assert 'type="radio"' in html and "<legend" in html
    assert "Ask Ben" in html


def test_asking_opens_a_request_and_leads_to_it(world, client_for):
    client = client_for("partner_a")
    response = client.post(reverse("dialogues"), {"variant": "frustration"})
    dialogue = Dialogue.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dialogue_room", args=[dialogue.pk])
    assert dialogue.seat_a == world.partner_a and dialogue.variant == "frustration"
    html = client.get(response.url).text
    assert "Waiting for Ben" in html
    assert "Ben will see your request when they open the app." in html


def test_asking_while_a_dialogue_is_open_says_so_clearly(world, client_for, dialogue):
    response = client_for("partner_b").post(reverse("dialogues"), {"variant": "standard"})
    assert response.status_code == 200
    assert "You already have a dialogue open" in response.text
    assert 'role="alert"' in response.text
    assert Dialogue.objects.count() == 1


def test_asking_without_a_kind_explains_the_choice(world, client_for):
    response = client_for("partner_a").post(reverse("dialogues"), {"variant": "shouting"})
    assert response.status_code == 200
    assert "Please choose what kind of dialogue this is." in response.text
    assert not Dialogue.objects.exists()


def test_a_person_without_a_partner_is_kindly_invited_to_bring_them(db):
    client = login(Client(), make_person("solo@example.com", "Sol"))
    response = client.get(reverse("dialogues"))
    html = response.text
    assert response.status_code == 200
    assert_calm_page(html)
    assert "A dialogue is for two" in html
    assert f'href="{reverse("couple")}"' in html and "Invite your partner" in html
    response = client.post(reverse("dialogues"), {"variant": "standard"})
    assert response.status_code == 200
    assert "Invite your partner first" in response.text
    assert not Dialogue.objects.exists()


def test_the_open_dialogue_comes_first_with_its_state_in_words(world, client_for):
    earlier = started(world, dialogue_request(person=world.partner_b))
    Dialogue.objects.filter(pk=earlier.pk).update(step=Step.CLOSED, closed_at=timezone.now())
    current = dialogue_request(person=world.partner_a)
    html = client_for("partner_a").get(reverse("dialogues")).text
    assert html.index("Waiting for Ben to answer") < html.index("Earlier dialogues")
    assert reverse("dialogue_room", args=[current.pk]) in html
    assert "Ended on" in html
    assert reverse("dialogue_transcript", args=[earlier.pk]) in html
    html = client_for("partner_b").get(reverse("dialogues")).text
    assert "Ana asks: is now a good time to talk?" in html


@pytest.mark.parametrize(
    ("setup", "words_for_ana"),
    [
        ("ready_at", "Ben can be ready at 19:30 ("),
        ("send", "In progress: you are speaking"),
        ("mirror", "In progress: Ben is mirroring"),
        ("cancelled", "Cancelled on"),
        ("lapsed", "This request lapsed"),
    ],
)
def test_each_state_reads_in_plain_words(world, client_for, dialogue, setup, words_for_ana):
    if setup == "ready_at":
        soon = timezone.localtime() + timedelta(days=1)
        at = soon.replace(hour=19, minute=30, second=0, microsecond=0)
        Dialogue.objects.filter(pk=dialogue.pk).update(ready_at=at)
    elif setup == "send":
        started(world, dialogue)
    elif setup == "mirror":
        started(world, dialogue, (world.partner_a, "send", "I feel rushed."))
    elif setup == "cancelled":
        Dialogue.objects.filter(pk=dialogue.pk).update(cancelled_at=timezone.now())
    else:
        Dialogue.objects.filter(pk=dialogue.pk).update(
            created_at=timezone.now() - timedelta(days=2)
        )
    assert words_for_ana in client_for("partner_a").get(reverse("dialogues")).text


def test_the_dashboard_links_to_the_dialogue_with_its_state(world, client_for, dialogue):
    html = client_for("partner_b").get(reverse("dashboard")).text
    assert "Ana asks: is now a good time to talk?" in html
    assert reverse("dialogue_room", args=[dialogue.pk]) in html
    assert f'href="{reverse("dialogues")}">Dialogue</a>' in html  # the navigation


def test_the_dashboard_offers_to_ask_when_nothing_is_open(world, client_for):
    html = client_for("partner_a").get(reverse("dashboard")).text
    assert "Ask Ben for a dialogue" in html


# Who may open what ------------------------------------------------------------------------


def test_another_couple_finds_none_of_the_pages(world, client_for, dialogue):
    appointment_ready_at(
        person=world.partner_b, dialogue=dialogue, ready_at=timezone.now() + timedelta(hours=2)
    )
    client = client_for("other_couple")
    for name in (
        "dialogue_room",
        "dialogue_ics",
        "dialogue_transcript",
        "dialogue_transcript_txt",
        "dialogue_transcript_pdf",
    ):
        assert client.get(reverse(name, args=[dialogue.pk])).status_code == 404, name
    assert post_event(client, dialogue, "accept").status_code == 404
    url = reverse("dialogue_cancel", args=[dialogue.pk])
    assert client.post(url).status_code == 404
    dialogue.refresh_from_db()
    assert dialogue.cancelled_at is None and dialogue.seq == 0


def test_the_couples_therapist_finds_no_transcript_until_both_partners_agree(
    world, client_for, dialogue
):
    # The consent itself is tested in test_dialogue_facilitation.
    response = client_for("therapist").get(reverse("dialogue_transcript", args=[dialogue.pk]))
    assert response.status_code == 404


# The appointment --------------------------------------------------------------------------


def test_the_partner_is_asked_with_ready_now_a_time_or_not_now(world, client_for, dialogue):
    response = client_for("partner_b").get(reverse("dialogue_room", args=[dialogue.pk]))
    html = response.text
    assert response.status_code == 200
    assert_calm_page(html)
    assert "Ana asks: is now a good time to talk?" in html
    assert "I&#x27;m ready now" in html or "I'm ready now" in html
    assert 'type="datetime-local"' in html and '<label for="id_ready_at"' in html
    assert "Not now" in html
    assert f'action="{reverse("dialogue_event", args=[dialogue.pk])}"' in html
    assert 'name="action" value="accept"' in html


def test_ready_now_starts_the_dialogue(world, client_for, dialogue):
    response = post_event(client_for("partner_b"), dialogue, "accept")
    assert response.status_code == 302
    assert response.url == reverse("dialogue_room", args=[dialogue.pk])
    dialogue.refresh_from_db()
    assert dialogue.step == Step.SEND and dialogue.started_at is not None


def test_the_asker_cannot_answer_their_own_request(world, client_for, dialogue):
    response = post_event(client_for("partner_a"), dialogue, "accept")
    assert response.status_code == 200
    assert "It&#x27;s your partner&#x27;s turn" in response.text
    assert 'role="alert"' in response.text
    dialogue.refresh_from_db()
    assert dialogue.seq == 0


def test_a_named_time_is_saved_and_shown_to_both(world, client_for, dialogue):
    moment = timezone.now() + timedelta(hours=3)
    client = client_for("partner_b")
    url = reverse("dialogue_ready_at", args=[dialogue.pk])
    response = client.post(url, {"ready_at": local_input(moment)})
    assert response.status_code == 302
    dialogue.refresh_from_db()
    assert abs(dialogue.ready_at - moment) < timedelta(minutes=1)
    words = timezone.localtime(dialogue.ready_at).strftime("%H:%M (%A)")
    assert f"You said you can be ready at {words}" in client.get(response.url).text
    html = client_for("partner_a").get(reverse("dialogue_room", args=[dialogue.pk])).text
    assert f"Ben can be ready at {words}" in html
    assert reverse("dialogue_ics", args=[dialogue.pk]) in html


def test_a_named_time_is_read_in_the_sites_time_zone(world, client_for, dialogue, settings):
    settings.TIME_ZONE = "America/New_York"
    timezone.deactivate()
    local = timezone.localtime() + timedelta(hours=5)
    typed = local.strftime("%Y-%m-%dT%H:%M")
    url = reverse("dialogue_ready_at", args=[dialogue.pk])
    assert client_for("partner_b").post(url, {"ready_at": typed}).status_code == 302
    dialogue.refresh_from_db()
    expected = timezone.make_aware(datetime.strptime(typed, "%Y-%m-%dT%H:%M"))
    assert dialogue.ready_at == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("past", "Please choose a time that is still to come."),
        ("far", "Please choose a time within the next two days"),
        ("tomorrow at seven", "Please choose a day and a time"),
        ("", "Please choose a day and a time."),
    ],
)
def test_a_bad_time_is_explained_next_to_the_field_and_kept(
    world, client_for, dialogue, typed, message
):
    if typed == "past":
        typed = local_input(timezone.now() - timedelta(hours=1))
    elif typed == "far":
        typed = local_input(timezone.now() + timedelta(days=5))
    url = reverse("dialogue_ready_at", args=[dialogue.pk])
    response = client_for("partner_b").post(url, {"ready_at": typed})
    html = response.text
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in html
    field = re.search(r"<input[^>]*name=\"ready_at\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field
    if typed:
        assert f'value="{typed}"' in field
    assert html.index(message[:20]) < html.index('name="ready_at"')  # next to it, above
    dialogue.refresh_from_db()
    assert dialogue.ready_at is None


def test_only_the_partner_who_was_asked_names_a_time(world, client_for, dialogue):
    url = reverse("dialogue_ready_at", args=[dialogue.pk])
    moment = local_input(timezone.now() + timedelta(hours=3))
    response = client_for("partner_a").post(url, {"ready_at": moment})
    assert response.status_code == 200
    assert "Only your partner answers your request." in response.text


def test_not_now_cancels_the_request(world, client_for, dialogue):
    client = client_for("partner_b")
    url = reverse("dialogue_cancel", args=[dialogue.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("dialogues")
    dialogue.refresh_from_db()
    assert dialogue.cancelled_at is not None
    html = client.get(reverse("dialogue_room", args=[dialogue.pk])).text
    assert "This request was cancelled" in html
    response = client.post(url, follow=True)
    assert "Only a request that has not started yet can be cancelled." in response.text


def test_the_asker_can_cancel_too(world, client_for, dialogue):
    client = client_for("partner_a")
    html = client.get(reverse("dialogue_room", args=[dialogue.pk])).text
    assert "Cancel the request" in html
    assert client.post(reverse("dialogue_cancel", args=[dialogue.pk])).status_code == 302
    assert Dialogue.objects.open().count() == 0


def test_a_lapsed_request_says_so_and_offers_to_ask_again(world, client_for, dialogue):
    Dialogue.objects.filter(pk=dialogue.pk).update(created_at=timezone.now() - timedelta(days=2))
    client = client_for("partner_b")
    response = client.get(reverse("dialogue_room", args=[dialogue.pk]))
    html = response.text
    assert response.status_code == 200
    assert_calm_page(html)
    assert "This request lapsed" in html and "Ask Ana again" in html
    response = client.post(reverse("dialogues"), {"variant": dialogue.variant})
    assert response.status_code == 302
    assert Dialogue.objects.latest("created_at").seat_a == world.partner_b


# The room without JavaScript --------------------------------------------------------------


def test_the_no_javascript_path_completes_a_few_turns(world, client_for, dialogue):
    a, b = client_for("partner_a"), client_for("partner_b")
    room = reverse("dialogue_room", args=[dialogue.pk])
    for client, action, text in [
        (b, "accept", ""),
        (a, "send", "I feel rushed in the mornings."),
        (b, "mirror", "If I got it, you feel rushed in the mornings."),
        (a, "confirm", ""),
        (a, "more", ""),
        (a, "send", "And I'd like us to plan the evening before."),
    ]:
        response = post_event(client, dialogue, action, text)
        assert response.status_code == 302, (action, response.content[:500])
        assert response.url == room
    dialogue.refresh_from_db()
    assert dialogue.step == Step.MIRROR and dialogue.seq == 6
    texts = [e.text for e in dialogue.events.order_by("seq") if e.text]
    assert texts[0] == "I feel rushed in the mornings." and len(texts) == 3
    response = b.get(room)
    assert response.status_code == 200
    assert response.context["view"]["step"] == "mirror"
    assert response.context["ws_path"] == f"/ws/dialogues/{dialogue.pk}/"


def test_a_double_submit_is_stored_once(world, client_for, dialogue):
    client = client_for("partner_b")
    data = {"action": "accept", "client_id": "tap-tap", "expected_seq": 0}
    url = reverse("dialogue_event", args=[dialogue.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert DialogueEvent.objects.filter(dialogue=dialogue).count() == 1


def test_a_refused_turn_keeps_the_typed_text_and_says_why(world, client_for, dialogue):
    started(world, dialogue)
    words = "You feel rushed, and I want to answer that."
    response = post_event(client_for("partner_b"), dialogue, "mirror", words)
    assert response.status_code == 200
    assert response.context["draft"] == words
    assert response.context["error"].startswith("There is nothing to mirror yet")
    assert "There is nothing to mirror yet" in response.text
    assert "You feel rushed, and I want to answer that." in response.text
    dialogue.refresh_from_db()
    assert dialogue.seq == 1


def test_a_turn_that_is_too_long_is_refused_with_the_real_reason(world, client_for, dialogue):
    started(world, dialogue)
    words = "word " * 500
    response = post_event(client_for("partner_a"), dialogue, "send", words)
    assert response.status_code == 200
    assert "a turn holds at most 2,000" in response.context["error"]
    assert response.context["draft"] == words
    dialogue.refresh_from_db()
    assert dialogue.step == Step.SEND


def test_an_absurdly_long_post_is_refused_by_the_form(world, client_for, dialogue):
    started(world, dialogue)
    response = post_event(client_for("partner_a"), dialogue, "send", "x" * 25_000)
    assert response.status_code == 200
    assert "far too long" in response.context["error"]
    assert len(response.context["draft"]) == 20_000


def test_a_stale_screen_gets_409_and_the_dialogue_as_it_is_now(world, client_for, dialogue):
    started(world, dialogue, (world.partner_a, "send", "I feel rushed."))
    words = "Something I typed on an old screen."
    response = client_for("partner_a").post(
        reverse("dialogue_event", args=[dialogue.pk]),
        {"action": "send", "text": words, "client_id": new_client_id(), "expected_seq": 1},
    )
    assert response.status_code == 409
    assert "moved on while this screen was behind" in response.context["error"]
    assert response.context["draft"] == words
    assert response.context["view"]["seq"] == 2
    dialogue.refresh_from_db()
    assert dialogue.seq == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"client_id": ""},
        {"client_id": "x" * 65},
        {"expected_seq": "-1"},
        {"expected_seq": "soon"},
        {"action": ""},
        {"action": "shout"},
    ],
)
def test_a_malformed_post_changes_nothing_and_says_why(world, client_for, dialogue, bad):
    started(world, dialogue)
    response = post_event(client_for("partner_a"), dialogue, "send", "Hello.", bad)
    assert response.status_code == 200
    assert response.context["error"]
    assert response.context["draft"] == "Hello."
    dialogue.refresh_from_db()
    assert dialogue.seq == 1


def test_the_event_route_refuses_get(world, client_for, dialogue):
    url = reverse("dialogue_event", args=[dialogue.pk])
    assert client_for("partner_a").get(url).status_code == 405


# The calendar file -------------------------------------------------------------------------


def test_the_calendar_file_names_the_time_in_utc_and_nothing_of_the_topic(
    world, client_for, dialogue
):
    moment = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    appointment_ready_at(person=world.partner_b, dialogue=dialogue, ready_at=moment)
    started(world, dialogue, (world.partner_a, "send", "Our money worries."))
    response = client_for("partner_a").get(reverse("dialogue_ics", args=[dialogue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert f"DTSTART:{moment.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}" in body
    end = moment + timedelta(minutes=30)
    assert f"DTEND:{end.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}" in body
    assert "SUMMARY:Time to talk with Ben" in body
    assert "money" not in body.lower()
    body_b = client_for("partner_b").get(reverse("dialogue_ics", args=[dialogue.pk])).text
    assert "SUMMARY:Time to talk with Ana" in body_b


def test_there_is_no_calendar_file_before_a_time_is_named(world, client_for, dialogue):
    response = client_for("partner_a").get(reverse("dialogue_ics", args=[dialogue.pk]))
    assert response.status_code == 404


# The transcript ----------------------------------------------------------------------------

TURNS = (
    ("a", "send", "I feel rushed in the mornings."),
    ("b", "mirror", "If I got it, you feel rushed in the mornings."),
    ("a", "confirm", ""),
)


def with_turns(world, dialogue):
    people = {"a": world.partner_a, "b": world.partner_b}
    return started(world, dialogue, *[(people[s], action, text) for s, action, text in TURNS])


def test_the_transcript_shows_who_said_what_with_steps_and_times(world, client_for, dialogue):
    with_turns(world, dialogue)
    for role in ("partner_a", "partner_b"):
        response = client_for(role).get(reverse("dialogue_transcript", args=[dialogue.pk]))
        html = response.text
        assert response.status_code == 200
        assert_calm_page(html)
        assert "<strong>Ana:</strong> I feel rushed in the mornings." in html
        assert "<strong>Ben:</strong> If I got it, you feel rushed in the mornings." in html
        assert "Sender" in html and "Mirror" in html
        assert "Ana said: yes, you got it" in html
        assert "<time datetime=" in html
        assert reverse("dialogue_transcript_txt", args=[dialogue.pk]) in html
        assert reverse("dialogue_transcript_pdf", args=[dialogue.pk]) in html


def test_the_transcript_downloads_as_text(world, client_for, dialogue):
    with_turns(world, dialogue)
    response = client_for("partner_b").get(reverse("dialogue_transcript_txt", args=[dialogue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "Dialogue between Ana and Ben" in text
    assert "Ana (Sender):\nI feel rushed in the mornings." in text
    assert "Ben (Mirror):\nIf I got it, you feel rushed in the mornings." in text
    assert "&#x27;" not in text and "<" not in text


def test_the_transcript_downloads_as_a_pdf(world, client_for, dialogue):
    with_turns(world, dialogue)
    response = client_for("partner_a").get(reverse("dialogue_transcript_pdf", args=[dialogue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_the_pdf_fetches_nothing_from_anywhere(world, dialogue):
    with_turns(world, dialogue)
    html = render_to_string(
        "dialogues/transcript_print.html",
        {"dialogue": dialogue, "lines": [], "status": "In progress", "time_zone": "UTC"},
    )
    assert not re.search(r"(https?:)?//", html.replace("<!doctype html>", ""))
    assert "<link" not in html and "src=" not in html and "url(" not in html
    fetched = []

    def record(url, *args, **kwargs):
        fetched.append(url)
        raise ValueError("no fetching")

    assert transcript_pdf(html, url_fetcher=record).startswith(b"%PDF")
    assert fetched == []


def test_both_still_read_the_transcript_after_an_unlink(world, client_for, dialogue):
    with_turns(world, dialogue)
    couple_unlink(person=world.partner_a)
    for role in ("partner_a", "partner_b"):
        url = reverse("dialogue_transcript", args=[dialogue.pk])
        response = client_for(role).get(url)
        assert response.status_code == 200
        assert "I feel rushed in the mornings." in response.text
    html = client_for("partner_a").get(reverse("dialogues")).text
    assert reverse("dialogue_transcript", args=[dialogue.pk]) in html


# The admin ---------------------------------------------------------------------------------


def test_the_admin_shows_dialogue_metadata_and_never_the_words(world, dialogue):
    with_turns(world, dialogue)
    client = login(Client(), make_admin())
    event = dialogue.events.get(action="send")
    for url in (
        reverse("admin:dialogues_dialogue_changelist"),
        reverse("admin:dialogues_dialogue_change", args=[dialogue.pk]),
        reverse("admin:dialogues_dialogueevent_changelist"),
        reverse("admin:dialogues_dialogueevent_change", args=[event.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"rushed" not in response.content, url
    html = client.get(reverse("admin:dialogues_dialogueevent_change", args=[event.pk])).text
    assert "send" in html
    assert client.get(reverse("admin:dialogues_dialogueevent_add")).status_code == 403


# Bad input ---------------------------------------------------------------------------------

HOSTILE = [
    "",
    "a\x00b",
    "x" * 100_000,
    "💥\u202e\ufeff" * 50,
    "<script>alert(1)</script>",
    "9" * 30,
]
FIELDS = ["action", "text", "client_id", "expected_seq", "ready_at", "variant"]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_in_every_dialogue_field_never_break_a_page(
    world, client_for, dialogue, value
):
    for role in ("partner_a", "partner_b"):
        client = client_for(role)
        client.raise_request_exception = False
        for name in ("dialogue_event", "dialogue_ready_at", "dialogue_room"):
            url = reverse(name, args=[dialogue.pk])
            response = client.post(url, dict.fromkeys(FIELDS, value))
            assert response.status_code < 500, (role, name, response.status_code)
        response = client.post(reverse("dialogues"), dict.fromkeys(FIELDS, value))
        assert response.status_code < 500
    dialogue.refresh_from_db()
    assert dialogue.seq == 0 and dialogue.ready_at is None
