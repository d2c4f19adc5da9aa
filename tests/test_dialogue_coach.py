"""The language coach in the dialogue room and on the practice page: what each turn is read
against, feedback to the author only (as they type and when they send), "send as it is", and
words of crisis pausing the room for both while only the author sees the help.

The texts are ones whose reading is not in doubt (an insult, a plain plan to die), so these
tests check the room's handling, not the coach's accuracy (tests/test_coach.py and
docs/coach.md measure that).
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from imago.dialogue import state_from_data
from imago.dialogues.coaching import source_for, turn_feedback
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.room import lines_of
from imago.dialogues.services import dialogue_request
from tests.test_dialogue_pages import post_event, submit
from tests.test_dialogue_room import next_of, room

HARSH = "You never listen to me, you selfish idiot."
CRISIS = "I am going to kill myself tonight. I have the pills ready."
CRISIS_HEADING = "You don't have to carry this alone"


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


def started(world, dialogue):
    submit(dialogue, world.partner_b, "accept")
    dialogue.refresh_from_db()
    return dialogue


def reading(dialogue):
    dialogue.refresh_from_db()
    lines = lines_of(dialogue, list(dialogue.events.order_by("seq")))
    return lines, state_from_data(dialogue.state)


def post(client, dialogue, action, text, **extra):
    return post_event(client, dialogue, action, text, extra, as_it_is=False)


def spoken(dialogue) -> list[str]:
    """The words stored for this dialogue (read in Python: the column is encrypted)."""
    texts = DialogueEvent.objects.filter(dialogue=dialogue).values_list("text", flat=True)
    return [text for text in texts if text]


# What a turn answers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mirror_answers_the_last_words_and_a_summary_all_of_the_round(world, dialogue):
    a, b = world.partner_a, world.partner_b
    started(world, dialogue)
    submit(dialogue, a, "send", "I felt alone at the party.")
    lines, state = reading(dialogue)
    from imago.dialogue import Action

    assert source_for(lines, state, Action.SEND) is None
    assert source_for(lines, state, Action.MIRROR) == "I felt alone at the party."
    submit(dialogue, b, "mirror", "You felt alone at the party.")
    submit(dialogue, a, "correct", "And I wished you had come over to me.")
    lines, state = reading(dialogue)
    assert source_for(lines, state, Action.MIRROR) == "And I wished you had come over to me."
    assert source_for(lines, state, Action.SUMMARIZE) == (
        "I felt alone at the party.\n\nAnd I wished you had come over to me."
    )


@pytest.mark.django_db
def test_the_coach_reads_only_a_turn_the_dialogue_would_take(world, dialogue):
    started(world, dialogue)
    lines, state = reading(dialogue)
    # partner_b is not the sender; "confirm" carries no words; an empty box; far too long.
    assert turn_feedback(lines, state, "b", "send", HARSH) is None
    assert turn_feedback(lines, state, "a", "confirm", HARSH) is None
    assert turn_feedback(lines, state, "a", "send", "   ") is None
    assert turn_feedback(lines, state, "a", "send", "word " * 500) is None
    assert turn_feedback(lines, state, "a", "nonsense", HARSH) is None
    feedback = turn_feedback(lines, state, "a", "send", HARSH)
    assert feedback is not None and not feedback["ok"] and feedback["flags"]
    assert all(flag["label"] for flag in feedback["flags"])


# The room without JavaScript --------------------------------------------------------------


@pytest.mark.django_db
def test_feedback_comes_back_with_the_words_and_send_as_it_is_sends_them(
    world, dialogue, client_for
):
    started(world, dialogue)
    ana = client_for("partner_a")
    response = post(ana, dialogue, "send", HARSH)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The coach noticed" in page and 'name="anyway_action" value="send"' in page
    assert HARSH.replace("'", "&#x27;") in page  # still in the box
    assert spoken(dialogue) == []
    # The partner's page shows nothing of it: not the words, not the feedback.
    ben_page = client_for("partner_b").get(reverse("dialogue_room", args=[dialogue.pk]))
    assert "The coach noticed" not in ben_page.content.decode()
    assert "selfish" not in ben_page.content.decode()
    response = post_event(ana, dialogue, "send", HARSH)  # "send as it is"
    assert response.status_code == 302
    assert spoken(dialogue) == [HARSH]


@pytest.mark.django_db
def test_words_of_crisis_pause_the_room_and_only_the_author_sees_the_help(
    world, dialogue, client_for
):
    started(world, dialogue)
    response = post(client_for("partner_a"), dialogue, "send", CRISIS)
    page = response.content.decode()
    assert CRISIS_HEADING in page and "tel:988" in page
    dialogue.refresh_from_db()
    assert state_from_data(dialogue.state).paused_by == "a"
    assert spoken(dialogue) == []  # not sent
    assert list(dialogue.events.values_list("action", flat=True)) == ["accept", "pause"]
    ben_page = client_for("partner_b").get(reverse("dialogue_room", args=[dialogue.pk]))
    text = ben_page.content.decode()
    assert "asked for a break" in text
    assert CRISIS_HEADING not in text and "pills" not in text


@pytest.mark.django_db
def test_on_the_shared_screen_a_crisis_is_only_a_break(world, client_for):
    dialogue = dialogue_request(person=world.partner_a, shared_device=True)
    ana = client_for("partner_a")
    post(ana, dialogue, "accept", "", as_seat="b")
    response = post(ana, dialogue, "send", CRISIS, as_seat="a")
    assert CRISIS_HEADING not in response.content.decode()
    dialogue.refresh_from_db()
    assert state_from_data(dialogue.state).paused_by == "a" and spoken(dialogue) == []


# The live room ------------------------------------------------------------------------------


@pytest.fixture
def session_of(world, client_for):
    keys = {
        role: client_for(role).cookies["sessionid"].value for role in ("partner_a", "partner_b")
    }
    return keys.__getitem__


async def drained(socket, quiet: float = 0.5) -> list[dict]:
    """Every message the socket gets until it has been quiet for `quiet` seconds."""
    got = list(socket.__dict__.get("held", []))
    # receive_nothing waits without ending the socket, as a timed-out receive would.
    while not await socket.receive_nothing(timeout=quiet):
        got.append(await socket.receive_json_from())
    return got


def assert_told_nothing_of_it(messages: list[dict]) -> None:
    """The partner hears only presence news: no feedback, no words, no new view."""
    assert {m["type"] for m in messages} <= {"presence"}, messages
    assert "selfish" not in str(messages)


@pytest.mark.django_db(transaction=True)
async def test_typing_feedback_goes_to_the_author_alone(world, dialogue, session_of):
    await sync_to_async(started)(world, dialogue)
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            await ana.send_json_to({"type": "coach", "action": "send", "text": HARSH, "n": 7})
            answer = await next_of(ana, "coach")
            assert answer["n"] == 7 and not answer["feedback"]["ok"]
            # Out of turn, or not text: answered with nothing to show.
            await ben.send_json_to({"type": "coach", "action": "send", "text": HARSH, "n": 1})
            assert (await next_of(ben, "coach"))["feedback"] is None
            await ana.send_json_to({"type": "coach", "action": "send", "text": 3, "n": 2})
            assert_told_nothing_of_it(await drained(ben))


@pytest.mark.django_db(transaction=True)
async def test_a_harsh_turn_is_coached_first_and_sent_as_it_is_on_request(
    world, dialogue, session_of
):
    await sync_to_async(started)(world, dialogue)
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            turn = {"type": "event", "action": "send", "text": HARSH, "expected_seq": 1}
            await ana.send_json_to({**turn, "client_id": "c1"})
            coached = await next_of(ana, "coached")
            assert coached["client_id"] == "c1" and not coached["ok"] and coached["flags"]
            assert await sync_to_async(spoken)(dialogue) == []
            assert_told_nothing_of_it(await drained(ben))
            await ana.send_json_to({**turn, "client_id": "c2", "anyway": True})
            assert (await next_of(ana, "ack"))["seq"] == 2
            assert (await next_of(ben, "view"))["seq"] == 2
    assert await sync_to_async(spoken)(dialogue) == [HARSH]


@pytest.mark.django_db(transaction=True)
async def test_a_crisis_pauses_the_live_room_and_the_partner_sees_a_break(
    world, dialogue, session_of
):
    await sync_to_async(started)(world, dialogue)
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            turn = {"type": "event", "action": "send", "text": CRISIS, "client_id": "c1"}
            await ana.send_json_to({**turn, "expected_seq": 1})
            crisis = await next_of(ana, "crisis")
            assert crisis["crisis"] == "self_harm"
            assert any(r["href"] == "tel:988" for r in crisis["resources"])
            view = await next_of(ben, "view")
            assert view["paused"] and "asked for a break" in view["turn_text"]
            assert "pills" not in str(view)
    fresh = await sync_to_async(Dialogue.objects.get)(pk=dialogue.pk)
    assert state_from_data(fresh.state).paused_by == "a"
    assert await sync_to_async(spoken)(dialogue) == []


# The practice page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_practice_page_answers_as_a_page_and_as_json(client_for):
    client = client_for("partner_a")
    url = reverse("coach_practice")
    page = client.post(url, {"step": "send", "text": HARSH}).content.decode()
    assert "The coach noticed" in page and "selfish" in page
    answer = client.post(
        url, {"step": "request", "text": "Stop it."}, headers={"accept": "application/json"}
    ).json()
    assert not answer["feedback"]["ok"]
    crisis = client.post(
        url, {"step": "send", "text": CRISIS}, headers={"accept": "application/json"}
    ).json()
    assert crisis["feedback"]["crisis"] == "self_harm" and crisis["feedback"]["resources"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"step": "send", "text": ""}, "Please write something"),
        ({"step": "send", "text": "   "}, "Please write something"),
        ({"step": "send", "text": "x" * 2001}, "under 2,000 characters"),
        ({"step": "mirror", "text": "Hello"}, "Select a valid choice"),
        ({"text": "Hello"}, "This field is required"),
    ],
)
def test_the_practice_page_refuses_bad_input_with_a_message_and_keeps_the_words(
    client_for, data, message
):
    client = client_for("partner_a")
    url = reverse("coach_practice")
    page = client.post(url, data)
    assert page.status_code == 200 and message in page.content.decode()
    if data.get("text", "").strip():
        assert data["text"][:50] in page.content.decode()
    answer = client.post(url, data, headers={"accept": "application/json"}).json()
    assert message in answer["error"]
