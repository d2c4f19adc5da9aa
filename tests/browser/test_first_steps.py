"""Two people sign up in a real browser, link as a couple, and every page they pass is checked
with axe-core; the quick exit is tried by keyboard."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.conftest import screenshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a calm evening walk 42"


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, name)
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def sign_up(page, base: str, email: str, name: str, *, check_page: bool = False) -> None:
    if check_page:
        assert_accessible(page, "signup")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label(re.compile(r"^Name:?$")).fill(name)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_two_people_sign_up_link_as_a_couple_and_every_page_passes_axe(live_server, new_page):
    base = live_server.url
    ana = new_page()
    ana.goto(base + "/")
    assert_accessible(ana, "home")

    ana.goto(base + "/account/signup/")
    sign_up(ana, base, "ana@example.com", "Ana", check_page=True)
    assert ana.url.rstrip("/").endswith("/dashboard")
    assert_accessible(ana, "dashboard-new-person")

    ana.goto(base + "/couple/")
    assert_accessible(ana, "couple-not-linked")
    ana.locator("form[action$='/couple/invite/'] button[type=submit]").first.click()
    # htmx swaps the card in place: wait for the link rather than for a page load.
    ana.wait_for_function(
        r"/\/couple\/join\/[\w-]+\//.test(document.querySelector('main').innerHTML)"
    )
    assert_accessible(ana, "invitation-created")
    link = re.search(r"https?://[^\"'<\s]+/couple/join/[\w-]+/", ana.content())
    assert link, "the invitation link is shown to the inviter"

    ben = new_page()
    ben.goto(link.group(0))
    assert "Ana" in ben.content()
    assert_accessible(ben, "invitation-anonymous")
    ben.locator("main").get_by_role("link", name=re.compile("sign up", re.I)).first.click()
    sign_up(ben, base, "ben@example.com", "Ben")
    assert "/couple/join/" in ben.url, "signing up returns to the invitation"
    assert_accessible(ben, "invitation-accept")
    ben.locator("main form button[type=submit]").first.click()
    ben.wait_for_load_state()

    ben.goto(base + "/dashboard/")
    assert "Ana" in ben.content()
    assert_accessible(ben, "dashboard-linked")
    ana.goto(base + "/dashboard/")
    assert "Ben" in ana.content()


def test_quick_exit_by_escape_replaces_the_history_entry(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/account/login/")
    before = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/exit/$"))
    assert page.evaluate("history.length") == before
    assert "imago" not in page.content().lower()
    page.go_back()
    assert not page.url.endswith("/account/login/"), "Back must not return to the page left"


def test_quick_exit_button_works_with_one_tap(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/account/signup/")
    page.get_by_role("link", name=re.compile("quick exit", re.I)).click()
    page.wait_for_url(re.compile(r"/exit/$"))
    assert_accessible(page, "neutral")
