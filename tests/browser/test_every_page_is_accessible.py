"""axe-core on every page a role can open: the pages come from the access rules (each GET rule
where the role gets 200), so a new page is checked here as soon as it has its rules."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests.access import ROLES
from tests.browser.conftest import screenshot
from tests.test_access_matrix import RULES

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_HTML = {  # a text file and downloads
    "robots_txt",
    "account_export",
    "dialogue_ics",
    "dialogue_transcript_txt",
    "dialogue_transcript_pdf",
}


def pages_for(role: str):
    return [
        rule
        for rule in RULES
        if rule.method == "get"
        and rule.expect[role] == 200
        and not rule.name.startswith("api-")
        and rule.name not in NOT_HTML
    ]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "other_couple"])
def test_every_page_the_role_can_open_has_no_axe_violations(
    role, world, client_for, live_server, new_page
):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    client = client_for(role)
    if "sessionid" in client.cookies:
        page.context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    axe = Axe()
    problems = []
    checked = 0
    for rule in pages_for(role):
        url = reverse(rule.name, kwargs=rule.kwargs(world))
        response = page.goto(live_server.url + url)
        assert response.status == 200, f"{role} {url}: {response.status}"
        assert page.url == live_server.url + url, f"{role} {url} was sent to {page.url}"
        results = axe.run(page)
        checked += 1
        screenshot(page, f"page-{role}-{rule.name}")  # for people to look at, too
        if results.violations_count:
            problems.append(f"{url}:\n{results.generate_report()}")
    print(f"{role}: axe checked {checked} pages")
    assert checked >= 3, f"{role}: only {checked} pages were checked"
    assert not problems, "\n\n".join(problems)
