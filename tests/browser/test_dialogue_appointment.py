"""The appointment follows the answer live, in real browsers against a real `imago serve`
(pytest-django's live_server has no WebSockets): Ana asks "is now a good time?" and her page
shows Ben's answer without a click; a cancel reaches Ben's page, and never at the cost of a time
he is typing."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_dialogue_room import WAIT, log_in, site, wait_live
from tests.browser.test_first_steps import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def asked(tmp_path, new_page):
    """A running site, Ana and Ben logged in on their own pages, and Ana's request made:
    yields (base, ana, ben, path of the dialogue)."""
    with site(tmp_path) as running:
        base = running.start()
        ana, ben = new_page(), new_page()
        log_in(ana, base, "ana@example.com")
        log_in(ben, base, "ben@example.com")
        yield base, ana, ben, ask(ana, base)


def ask(ana, base: str) -> str:
    """Ana asks; she lands on her appointment page. Returns the dialogue's path."""
    ana.goto(base + "/dialogues/")
    ana.locator("main form button[type=submit]").first.click()
    ana.wait_for_load_state()
    return re.search(r"/dialogues/\d+/", ana.url).group(0)


def open_appointment(page, base: str, path: str) -> None:
    page.goto(base + path)
    page.wait_for_selector("#appointment[data-live=true]", timeout=WAIT)


def a_time_in_three_hours(page) -> str:
    # The field's own bounds (the site's time zone): three hours after its earliest time.
    earliest = page.get_by_label("I can be ready at").get_attribute("min")
    return page.evaluate(
        """(earliest) => {
            const [day, time] = earliest.split("T");
            const [y, m, d] = day.split("-").map(Number);
            const [h, min] = time.split(":").map(Number);
            const later = new Date(Date.UTC(y, m - 1, d, h + 3, min));
            return later.toISOString().slice(0, 16);
        }""",
        earliest,
    )


def test_the_askers_page_shows_the_answer_without_a_click(tmp_path, new_page):
    with asked(tmp_path, new_page) as (base, ana, ben, path):
        open_appointment(ana, base, path)
        expect(ana.get_by_role("heading", level=1)).to_have_text("Waiting for Ben")
        expect(ana.get_by_text("This page updates by itself when Ben answers.")).to_be_visible()
        assert_accessible(ana, "appointment-asker-waiting")

        open_appointment(ben, base, path)
        ben.get_by_label("I can be ready at").fill(a_time_in_three_hours(ben))
        ben.get_by_role("button", name="Tell Ana this time").click()
        expect(ben.get_by_text("You said you can be ready at")).to_be_visible(timeout=WAIT)

        # Ana has not touched her page: the named time and the calendar file appear.
        expect(ana.locator("main")).to_contain_text("Ben can be ready at", timeout=WAIT)
        expect(
            ana.get_by_role("link", name=re.compile("Add the time to your calendar"))
        ).to_be_visible()
        assert_accessible(ana, "appointment-asker-time-named")

        # Ben is ready after all: Ana's same address is now the room, with her controls.
        ben.wait_for_selector("#appointment[data-live=true]", timeout=WAIT)
        ben.get_by_role("button", name="I'm ready now").click()
        wait_live(ana)
        expect(ana.locator("#room-turn-text")).to_have_text(
            "Your turn: say what is on your mind", timeout=WAIT
        )
        expect(ana.get_by_role("button", name="Send", exact=True)).to_be_visible()
        assert ana.url == base + path
        screenshot(ana, "appointment-asker-room")


def test_a_cancel_never_throws_away_a_time_being_typed(tmp_path, new_page):
    with asked(tmp_path, new_page) as (base, ana, ben, path):
        open_appointment(ana, base, path)
        open_appointment(ben, base, path)
        field = ben.get_by_label("I can be ready at")
        typed = a_time_in_three_hours(ben)
        field.fill(typed)

        ana.get_by_role("button", name="Cancel the request").click()
        ana.wait_for_url(base + "/dialogues/")

        notice = ben.locator("#appointment-notice")
        expect(notice).to_contain_text("This request was cancelled.", timeout=WAIT)
        expect(notice.get_by_role("button", name="Reload the page")).to_be_visible()
        expect(field).to_have_value(typed)
        expect(ben.get_by_role("heading", level=1)).to_contain_text("Ana asks")  # not reloaded
        assert_accessible(ben, "appointment-answerer-notice")

        # Ben chooses to see it.
        notice.get_by_role("button", name="Reload the page").click()
        expect(ben.get_by_role("heading", level=1)).to_have_text(
            "This request was cancelled", timeout=WAIT
        )


def test_an_idle_answerers_page_shows_the_cancel(tmp_path, new_page):
    with asked(tmp_path, new_page) as (base, ana, ben, path):
        open_appointment(ben, base, path)
        assert_accessible(ben, "appointment-answerer-asked")
        open_appointment(ana, base, path)

        ana.get_by_role("button", name="Cancel the request").click()
        ana.wait_for_url(base + "/dialogues/")
        expect(ana.locator("main")).to_contain_text("The request is cancelled.")

        expect(ben.get_by_role("heading", level=1)).to_have_text(
            "This request was cancelled", timeout=WAIT
        )
        assert ben.url == base + path
        assert_accessible(ben, "appointment-answerer-cancelled")
