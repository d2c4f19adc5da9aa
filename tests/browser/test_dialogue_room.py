"""The live dialogue room in real browsers against real `imago serve` processes.

pytest-django's live_server speaks WSGI only, without WebSockets, so these tests start the ASGI
server as a subprocess on a database of its own (a SQLite file, or a fresh PostgreSQL database
when DATABASE_URL is set), as tests/browser/test_scale_out.py does. Ana and Ben each have their
own browser context: a whole dialogue, a server killed mid-dialogue and started again, and two
servers sharing Redis with one partner on each.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_first_steps import assert_accessible
from tests.browser.test_scale_out import _free_port, _wait_until_up, shared_database

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a calm evening walk 42"
IMAGO = [sys.executable, "-m", "imago"]
WAIT = 15_000  # ms: a turn crosses in milliseconds; a restarted server takes a few seconds

ROUND_DONE = "A full round. Switch roles, or close with appreciations: either of you can choose."

SETUP = f"""
from imago.accounts.models import User
from imago.couples.models import Couple, Membership
couple = Couple.objects.create()
for email, name in [("ana@example.com", "Ana"), ("ben@example.com", "Ben")]:
    person = User.objects.create_user(email=email, password={PASSWORD!r}, display_name=name)
    Membership.objects.create(couple=couple, person=person)
"""


class Site:
    """One database and any number of `imago serve` processes on it."""

    def __init__(self, env):
        self.env = env
        self.servers: dict[int, subprocess.Popen] = {}

    def start(self, port: int | None = None) -> str:
        port = port or _free_port()
        self.servers[port] = subprocess.Popen(
            [*IMAGO, "serve", "--no-worker", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_up(port)
        return f"http://127.0.0.1:{port}"

    def kill(self, base: str) -> int:
        """Kill the server at `base` without warning (no clean shutdown), as a crash would."""
        port = int(base.rsplit(":", 1)[1])
        server = self.servers.pop(port)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        return port

    def stop_all(self) -> None:
        for server in self.servers.values():
            server.terminate()
        for server in self.servers.values():
            server.wait(timeout=15)


@contextmanager
def site(tmp_path):
    with shared_database(tmp_path) as db_env:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | db_env
        subprocess.run([*IMAGO, "migrate", "--noinput"], env=env, check=True, capture_output=True)
        subprocess.run([*IMAGO, "shell", "-c", SETUP], env=env, check=True, capture_output=True)
        running = Site(env)
        try:
            yield running
        finally:
            running.stop_all()


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/account/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def ask_and_accept(ana, ben, ana_base: str, ben_base: str) -> str:
    """Ana asks "is now a good time?", Ben answers "I'm ready now"; both open the room."""
    ana.goto(ana_base + "/dialogues/")
    ana.locator("main form button[type=submit]").first.click()
    ana.wait_for_load_state()
    room_path = re.search(r"/dialogues/\d+/", ana.url).group(0)
    ben.goto(ben_base + room_path)
    ben.get_by_role("button", name="I'm ready now").click()
    ben.wait_for_load_state()
    # Ana's waiting page turns into the room by itself (appointment.js): no navigation here,
    # which would race with that reload.
    ana.wait_for_selector("#room", timeout=WAIT)
    for page in (ana, ben):
        wait_live(page)
    return room_path


def wait_live(page) -> None:
    page.wait_for_selector("#room[data-live=true]", timeout=WAIT)


def turn_text(page) -> str:
    return page.locator("#room-turn-text").inner_text()


def expect_text(page, selector: str, words) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_text(words, timeout=WAIT)


def expect_turn(page, words) -> None:
    expect_text(page, "#room-turn-text", words)


def take_turn(page, expect: str, button: str, text: str | None = None) -> None:
    """The person whose turn it is: check the words at the top, write, press the button, and
    wait until the turn is acknowledged (the box empties and the step moves on). If the coach
    has something to say about the words first, they are sent as they are: these tests follow
    the room (tests/browser/test_dialogue_coach.py follows the coach)."""
    expect_turn(page, expect)
    if text is not None:
        page.locator("#room-textarea").fill(text)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function(
        """([words]) => document.getElementById('room-turn-text').textContent !== words
            || !!document.querySelector('#room-coach button[name=anyway_action]')""",
        arg=[expect],
        timeout=WAIT,
    )
    if page.locator("#room-turn-text").text_content() == expect:
        page.get_by_role("button", name="Send as it is").click()
        page.wait_for_function(
            "([words]) => document.getElementById('room-turn-text').textContent !== words",
            arg=[expect],
            timeout=WAIT,
        )


def transcript(page) -> list[str]:
    return page.locator("#room-transcript > li").all_inner_texts()


def test_two_partners_complete_a_whole_dialogue_in_the_room(tmp_path, new_page):
    with site(tmp_path) as running:
        base = running.start()
        ana, ben = new_page(), new_page()
        log_in(ana, base, "ana@example.com")
        log_in(ben, base, "ben@example.com")
        ask_and_accept(ana, ben, base, base)

        expect_turn(ben, "Ana is speaking")
        assert "listen" in ben.locator("#room-waiting").inner_text()
        expect_text(ben, "#room-presence", "Ana is here")
        assert_accessible(ben, "room-receiver-waiting")
        # A stem begins the turn; its gap is selected, so typing fills it in.
        expect_turn(ana, "Your turn: say what is on your mind")
        ana.get_by_role("button", name="I feel ... when ...").click()
        ana.keyboard.type("rushed")
        ana.keyboard.press("End")
        ana.keyboard.type("the mornings start late.")
        take_turn(ana, "Your turn: say what is on your mind", "Send")
        expect_turn(ben, "Your turn: mirror what Ana said")
        latest = ben.locator("#room-latest").inner_text()
        assert "I feel rushed when the mornings start late." in latest
        assert_accessible(ben, "room-receiver-mirror")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror", "You feel rushed.")
        expect_turn(ana, "Your turn: did Ben get it?")
        assert_accessible(ana, "room-sender-check")
        take_turn(ana, "Your turn: did Ben get it?", "Not quite", "Mostly on Mondays.")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror", "Mondays are rushed.")
        take_turn(ana, "Your turn: did Ben get it?", "Yes, you got it")
        take_turn(ana, "Your turn: is there more?", "There is more")
        take_turn(ana, "Your turn: say what is on your mind", "Send", "I'd like a calm start.")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror", "A calm start.")
        take_turn(ana, "Your turn: did Ben get it?", "Yes, you got it")
        take_turn(ana, "Your turn: is there more?", "That's all for now")
        take_turn(
            ben, "Your turn: sum up what Ana said", "Send my summary", "Mondays, a calm start."
        )
        take_turn(ana, "Your turn: was Ben's summary complete?", "Yes, that's all of it")
        take_turn(ben, "Your turn: tell Ana what makes sense to you", "Send", "That makes sense.")
        take_turn(
            ben, "Your turn: name the feelings you imagine Ana has", "Send", "Tired, and alone."
        )
        take_turn(ana, "Your turn: are those your feelings?", "Yes, that's how I feel")

        # The round is complete: either may choose. Ben switches; now he sends.
        expect_turn(ana, re.compile("A full round"))
        take_turn(ben, ROUND_DONE, "Switch roles")
        expect_text(ana, "#room-role", "You are the receiver")  # live, so wait for it
        take_turn(ben, "Your turn: say what is on your mind", "Send", "I like our Sundays.")
        take_turn(ana, "Your turn: mirror what Ben said", "Send my mirror", "You like Sundays.")
        take_turn(ben, "Your turn: did Ana get it?", "Yes, you got it")
        take_turn(ben, "Your turn: is there more?", "That's all for now")
        take_turn(ana, "Your turn: sum up what Ben said", "Skip the summary")
        take_turn(ana, "Your turn: tell Ben what makes sense to you", "Send", "It makes sense.")
        take_turn(ana, "Your turn: name the feelings you imagine Ben has", "Send", "Content.")
        take_turn(ben, "Your turn: are those your feelings?", "Yes, that's how I feel")
        take_turn(ana, ROUND_DONE, "Close with appreciations")
        # The sender of the last round appreciates first, then the receiver.
        expect_turn(ana, "Ben is sharing an appreciation")
        take_turn(
            ben, "Your turn: share an appreciation", "Share my appreciation", "Thank you, Ana."
        )
        take_turn(
            ana, "Your turn: share an appreciation", "Share my appreciation", "Thank you, Ben."
        )
        for page, who in ((ana, "ana"), (ben, "ben")):
            expect_turn(page, "The dialogue has ended. Thank you both.")
            assert page.locator("#room-controls").is_hidden()
            assert page.get_by_role("link", name="Read the transcript").is_visible()
            assert_accessible(page, f"room-closed-{who}")
        lines = transcript(ben)
        assert len(lines) == len(transcript(ana)) == 29  # the request, then 28 stored events
        assert any("Not quite" in line and "Mostly on Mondays." in line for line in lines)


def test_a_killed_server_comes_back_and_both_rooms_resume_with_nothing_lost(tmp_path, new_page):
    with site(tmp_path) as running:
        base = running.start()
        ana, ben = new_page(), new_page()
        log_in(ana, base, "ana@example.com")
        log_in(ben, base, "ben@example.com")
        room_path = ask_and_accept(ana, ben, base, base)
        take_turn(ana, "Your turn: say what is on your mind", "Send", "I miss our walks.")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror", "You miss walks.")
        expect_turn(ana, "Your turn: did Ben get it?")
        before = {"ana": transcript(ana), "ben": transcript(ben)}
        # Ana has started writing her correction when the server dies.
        ana.locator("#room-textarea").fill("Our evening walks")

        port = running.kill(base)
        for page in (ana, ben):
            page.wait_for_selector("#room:not([data-live])", timeout=WAIT)
        expect(ana.locator("#room-connection")).to_contain_text("Reconnecting", timeout=WAIT)
        screenshot(ana, "room-reconnecting")
        running.start(port)

        for page in (ana, ben):
            wait_live(page)
        expect_turn(ana, "Your turn: did Ben get it?")
        expect_turn(ben, "Ana is checking your mirror")
        assert {"ana": transcript(ana), "ben": transcript(ben)} == before
        assert ana.locator("#room-textarea").input_value() == "Our evening walks"
        # Even a reload keeps the half-written turn: it waits in this tab's session storage.
        ana.goto(base + room_path)
        wait_live(ana)
        assert ana.locator("#room-textarea").input_value() == "Our evening walks"

        ana.locator("#room-textarea").press("End")
        ana.keyboard.type(", together.")
        take_turn(ana, "Your turn: did Ben get it?", "Not quite")
        expect_turn(ben, "Your turn: mirror what Ana said")
        expect(ben.locator("#room-latest")).to_contain_text("Our evening walks, together.")
        expect(ana.locator("#room-textarea")).to_have_value("", timeout=WAIT)  # cleared on ack


def test_partners_on_two_server_processes_see_each_others_turns_live(tmp_path, new_page):
    if not os.environ.get("REDIS_URL"):
        pytest.skip(
            "two server processes share live messages only through Redis: set REDIS_URL "
            "(CI does); the in-memory channel layer lives inside one process"
        )
    with site(tmp_path) as running:
        one, two = running.start(), running.start()
        ana, ben = new_page(), new_page()
        log_in(ana, one, "ana@example.com")
        log_in(ben, two, "ben@example.com")
        ask_and_accept(ana, ben, one, two)
        expect_turn(ben, "Ana is speaking")
        expect_text(ben, "#room-presence", "Ana is here")
        take_turn(ana, "Your turn: say what is on your mind", "Send", "Hello from one.")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror", "Hello from two.")
        expect_turn(ana, "Your turn: did Ben get it?")
        expect(ana.locator("#room-latest")).to_contain_text("Hello from two.", timeout=WAIT)
        ana.close()
        expect_text(ben, "#room-presence", "Ana is not here right now")
