"""`imago demo` loads a practice whose logins work, and `imago serve` really serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from imago.accounts.models import User
from imago.couples.models import Couple
from imago.couples.selectors import couple_of, couples_for_therapist
from imago.demo import DEMO_PASSWORD, demo_logins
from imago.journal.models import JournalEntry


def run_demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_demo_creates_a_practice_and_prints_logins_that_work():
    output = run_demo("--if-empty")
    for login in demo_logins():
        assert login.email in output
        assert User.objects.get(email=login.email).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in output
    tess = User.objects.get(email="tess@demo.example")
    assert tess.is_verified_therapist
    assert couples_for_therapist(tess).count() == 2
    assert couple_of(User.objects.get(email="eli@demo.example")) is None
    assert JournalEntry.objects.filter(author__email="ana@demo.example").count() == 3


@pytest.mark.django_db
def test_demo_runs_once_and_still_prints_the_logins():
    run_demo("--if-empty")
    again = run_demo("--if-empty")
    assert "ana@demo.example" in again
    assert Couple.objects.count() == 2


@pytest.mark.django_db
def test_demo_code_prints_a_six_digit_code():
    out = StringIO()
    call_command("demo_code", stdout=out)
    code = out.getvalue().split()[0]
    assert len(code) == 6 and code.isdigit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_http_with_the_embedded_defaults(tmp_path):
    """The command `make run` ends with, on a fresh data dir: migrate, demo, serve."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["IMAGO_DATA_DIR"] = str(tmp_path)
    imago = [sys.executable, "-m", "imago"]
    subprocess.run([*imago, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    subprocess.run([*imago, "demo", "--if-empty"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*imago, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "Practise" in body or "<h1" in body, "the home page is served"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/imago/site.css") as css:
            assert css.status == 200
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    finally:
        server.terminate()
        server.wait(timeout=15)
    # Stopping the server (SIGTERM, as a service manager does) stops its task worker too.
    for pid in workers:
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists(), "the task worker outlived its server"


@pytest.mark.django_db
def test_the_demo_couple_has_a_finished_dialogue_to_read():
    from imago.dialogue import Step
    from imago.dialogues.models import Dialogue

    run_demo("--if-empty")
    dialogue = Dialogue.objects.get(seat_a__email="ana@demo.example")
    assert dialogue.step == Step.CLOSED and dialogue.events.count() == 12
