"""The language coach in real browsers: feedback while typing, with the words marked, for the
author alone; "send as it is"; words of crisis pausing the room, the help on the author's
screen and an ordinary break on the partner's; the practice page live as one types."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_dialogue_room import (
    WAIT,
    ask_and_accept,
    expect_turn,
    log_in,
    site,
)
from tests.browser.test_first_steps import assert_accessible

HARSH = "You never listen to me, you selfish idiot."
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS = "I am going to kill myself tonight. I have the pills ready."


def test_the_coach_reads_as_one_types_and_a_crisis_pauses_the_room(tmp_path, new_page):
    with site(tmp_path) as running:
        base = running.start()
        ana, ben = new_page(), new_page()
        log_in(ana, base, "ana@example.com")
        log_in(ben, base, "ben@example.com")
        ask_and_accept(ana, ben, base, base)
        expect_turn(ana, "Your turn: say what is on your mind")

        # Typing: the coach answers a moment after the last key, on Ana's screen only.
        ana.locator("#room-textarea").press_sequentially(HARSH, delay=5)
        coach = ana.locator("#room-coach")
        expect(coach).to_contain_text("The coach noticed", timeout=WAIT)
        expect(coach.locator("mark.coach-mark").first).to_be_visible()
        assert_accessible(ana, "coach-typing")
        assert "selfish" not in ben.locator("main").inner_text()
        assert ben.locator("#room-coach").count() == 0 or ben.locator("#room-coach").is_hidden()

        # Sending: held back with the feedback, until Ana sends it as it is.
        ana.get_by_role("button", name="Send", exact=True).click()
        expect(ana.get_by_role("button", name="Send as it is")).to_be_visible(timeout=WAIT)
        assert ana.locator("#room-textarea").input_value() == HARSH
        assert "selfish" not in ben.locator("#room-transcript").inner_text()
        ana.get_by_role("button", name="Send as it is").click()
        expect_turn(ben, "Your turn: mirror what Ana said")
        expect(ben.locator("#room-latest")).to_contain_text("selfish idiot")
        expect(ana.locator("#room-coach")).to_be_hidden(timeout=WAIT)

        # Words of crisis: not sent; the room pauses; the help is on Ben's screen alone.
        ben.locator("#room-textarea").fill(CRISIS)
        ben.get_by_role("button", name="Send my mirror").click()
        help_box = ben.locator("#room-coach .coach-crisis")
        expect(help_box).to_be_visible(timeout=WAIT)
        expect(
            help_box.get_by_role("link", name="988 Suicide & Crisis Lifeline")
        ).to_have_attribute("href", "tel:988")
        expect_turn(ben, "Paused: you asked for a break. Go on when you are ready.")
        assert_accessible(ben, "coach-crisis-author")
        expect_turn(ana, "Paused: Ben asked for a break. The dialogue goes on when they are ready.")
        ana_sees = ana.locator("main").inner_text()
        assert "pills" not in ana_sees and "carry this alone" not in ana_sees
        assert_accessible(ana, "coach-crisis-partner")


def test_the_practice_page_answers_while_typing(tmp_path, new_page):
    with site(tmp_path) as running:
        base = running.start()
        page = new_page()
        log_in(page, base, "ana@example.com")
        page.goto(base + "/coach/")
        page.get_by_label("What are you writing?").select_option("request")
        page.get_by_label("Your words").press_sequentially("Stop leaving your socks around.")
        feedback = page.locator("#practice-feedback")
        expect(feedback).to_contain_text("The coach noticed", timeout=WAIT)
        assert_accessible(page, "coach-practice")
