"""The couple's therapist in the room: Ana and Ben in a dialogue on their own screens, Tess
(verified, with an authenticator device) joins as facilitator. The partners see her arrive;
she pauses and goes on, and offers Ben a way to begin, which only Ben sees."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_dialogue_room import (
    PASSWORD,
    SETUP,
    WAIT,
    ask_and_accept,
    expect_text,
    expect_turn,
    log_in,
    site,
    take_turn,
    wait_live,
)
from tests.browser.test_first_steps import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "3132333435363738393031323334353637383930"  # hex: the authenticator's shared secret

THERAPIST = f"""
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from imago.accounts.models import CertificationLevel, ProfessionalProfile, Role, User
from imago.couples.models import Couple, TherapistConnection
tess = User.objects.create_user(
    email="tess@example.com", password={PASSWORD!r}, display_name="Tess", role=Role.THERAPIST
)
ProfessionalProfile.objects.create(
    user=tess,
    certification_level=CertificationLevel.CERTIFIED_THERAPIST,
    verified_at=timezone.now(),
)
TOTPDevice.objects.create(user=tess, name="phone", confirmed=True, key={KEY!r})
couple = Couple.objects.get()
connection = TherapistConnection.objects.create(
    couple=couple, therapist=tess, active_since=timezone.now()
)
connection.consented_by.set(couple.partners())
"""


def current_code() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(KEY)):06d}"


def test_the_therapist_facilitates_pauses_and_offers_ben_a_stem(tmp_path, new_page, monkeypatch):
    monkeypatch.setattr("tests.browser.test_dialogue_room.SETUP", SETUP + THERAPIST)
    with site(tmp_path) as running:
        base = running.start()
        ana, ben, tess = new_page(), new_page(), new_page()
        log_in(ana, base, "ana@example.com")
        log_in(ben, base, "ben@example.com")
        room_path = ask_and_accept(ana, ben, base, base)
        take_turn(ana, "Your turn: say what is on your mind", "Send", "I miss our walks.")

        # Tess logs in with her password and the code her authenticator shows.
        log_in(tess, base, "tess@example.com")
        tess.get_by_label(re.compile("Code from your authenticator app")).fill(current_code())
        tess.locator("main form button[type=submit]").click()
        tess.wait_for_load_state()
        tess.goto(base + room_path)
        wait_live(tess)
        expect_text(tess, "#room-turn-text", "Ben speaks — Ana listens")
        assert "I miss our walks." in tess.locator("#room-transcript").inner_text()
        for page in (ana, ben):
            expect_text(page, "#room-facilitator", "Tess is here as your facilitator")
        expect_text(tess, "#room-presence", "Ana and Ben are here")
        assert_accessible(tess, "facilitator-room")
        assert_accessible(ben, "room-with-facilitator")

        tess.get_by_role("button", name="Pause for both").click()
        tess.wait_for_load_state()
        wait_live(tess)
        for page in (ana, ben):
            expect_turn(page, "Paused by your therapist. The dialogue goes on when they say so.")
        assert ben.locator("#room-pause button").count() == 0
        tess.get_by_role("button", name="Go on").click()
        tess.wait_for_load_state()
        wait_live(tess)
        expect_turn(ben, "Your turn: mirror what Ana said")

        tess.get_by_label(re.compile("Ben is the receiver")).check()
        tess.get_by_label("Your suggestion").fill("So you're saying ...")
        tess.get_by_role("button", name="Offer it").click()
        tess.wait_for_load_state()
        expect_text(ben, "#room-offer-text", "Tess suggests: So you're saying ...")
        expect(ana.locator("#room-offer")).to_be_hidden()
        assert_accessible(ben, "room-offer")
        ben.get_by_role("button", name="So you're saying ...").first.click()
        ben.keyboard.type("you miss them")
        take_turn(ben, "Your turn: mirror what Ana said", "Send my mirror")
        expect_turn(ana, "Your turn: did Ben get it?")
        assert "So you're saying you miss them" in ana.locator("#room-latest").inner_text()

        tess.close()
        expect(ben.locator("#room-facilitator")).to_be_hidden(timeout=WAIT)
