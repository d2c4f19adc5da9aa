"""The dialogue on one screen, with the partners face to face: Ana logs in, asks with "we are
sitting together", and the two of them complete a short dialogue on her phone."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.browser.test_dialogue_room import (
    IMAGO,
    ROUND_DONE,
    expect_text,
    log_in,
    site,
    take_turn,
    transcript,
    wait_live,
)
from tests.browser.test_first_steps import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTORS = """
from imago.dialogues.models import DialogueEvent
print(",".join(f"{e.actor}:{e.author.display_name}" for e in DialogueEvent.objects.order_by("seq")))
"""


def test_two_partners_complete_a_short_dialogue_on_one_screen(tmp_path, new_page):
    with site(tmp_path) as running:
        base = running.start()
        screen = new_page()
        log_in(screen, base, "ana@example.com")
        screen.goto(base + "/dialogues/")
        screen.get_by_label(re.compile("We are sitting together")).check()
        screen.locator("main form button[type=submit]").first.click()
        screen.wait_for_load_state()
        assert re.search(r"/dialogues/\d+/together/$", screen.url)
        wait_live(screen)

        expect_text(screen, "#room-together", "Ben speaks — Ana listens")
        assert_accessible(screen, "together-ben-answers")
        take_turn(
            screen,
            "Ben, your turn: Ana asks if now is a good time to talk",
            "I'm ready now",
        )
        expect_text(screen, "#room-together", "Ana speaks — Ben listens")
        assert "seat-a" in screen.locator("#room-together").get_attribute("class")
        take_turn(screen, "Ana, your turn: say what is on your mind", "Send", "I like our walks.")
        expect_text(screen, "#room-together", "Ben speaks — Ana listens")
        assert_accessible(screen, "together-ben-mirrors")
        # Ben needs a moment: the break counts up gently, with a calming line.
        screen.get_by_role("button", name="Pause", exact=True).click()
        expect_text(
            screen, "#room-turn-text", "Paused: Ben asked for a break. Go on when you are ready."
        )
        expect_text(screen, "#room-break-timer", re.compile(r"^On a break for 0:0\d$"))
        assert "slow breaths" in screen.locator("#room-break-calm").inner_text()
        assert_accessible(screen, "together-break")
        screen.get_by_role("button", name="Go on", exact=True).click()
        take_turn(screen, "Ben, your turn: mirror what Ana said", "Send my mirror", "Walks.")
        take_turn(screen, "Ana, your turn: did Ben get it?", "Yes, you got it")
        take_turn(screen, "Ana, your turn: is there more?", "That's all for now")
        take_turn(screen, "Ben, your turn: sum up what Ana said", "Skip the summary")
        take_turn(screen, "Ben, your turn: tell Ana what makes sense to you", "Send", "It does.")
        take_turn(screen, "Ben, your turn: name the feelings you imagine Ana has", "Send", "Glad.")
        take_turn(screen, "Ana, your turn: are those your feelings?", "Yes, that's how I feel")
        expect_text(screen, "#room-together", "Choose together: switch roles, or close")
        take_turn(screen, ROUND_DONE, "Close with appreciations")
        take_turn(
            screen, "Ana, your turn: share an appreciation", "Share my appreciation", "Thank you."
        )
        take_turn(
            screen, "Ben, your turn: share an appreciation", "Share my appreciation", "Thanks."
        )
        expect_text(screen, "#room-turn-text", "The dialogue has ended. Thank you both.")
        assert_accessible(screen, "together-closed")
        lines = transcript(screen)
        assert lines[-2].startswith("Ana") and lines[-1].startswith("Ben")

        # Every turn was tapped on Ana's phone, and each is stored with the seat that spoke.
        out = (
            subprocess.run(
                [*IMAGO, "shell", "-c", ACTORS],
                env=running.env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )  # the shell may first say what it imported
        actors = [pair.split(":") for pair in out.split(",")]
        assert {author for _, author in actors} == {"Ana"}
        assert [seat for seat, _ in actors][:3] == ["b", "a", "b"]
