"""E-mail leaves through the real database task queue: enqueued by the request, stored as a
row, sent when a worker (`imago db_worker`, started beside `imago serve`) picks it up."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_an_invitation_e_mail_waits_in_the_queue_until_the_worker_sends_it(database_queue, client):
    from tests.conftest import login, make_person

    ana = make_person("ana@example.com", "Ana")
    login(client, ana)
    response = client.post(reverse("partner_invite"), {"email": "ben@example.com"})
    assert response.status_code == 302

    assert mail.outbox == [], "nothing is sent inside the request"
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO())

    assert [m.to for m in mail.outbox] == [["ben@example.com"]]
    assert mail.outbox[0].subject == "An invitation from Ana"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
