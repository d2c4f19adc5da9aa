"""Scale-out: two `imago serve` processes share one database (PostgreSQL in CI, a SQLite file
otherwise) and one channel layer (Redis in CI). A couple links up while their requests land on
different processes, as they would behind a load balancer."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager

import dj_database_url
import pytest

from tests.browser.test_first_steps import sign_up

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def shared_database(tmp_path):
    """A database of its own for the two servers: a fresh PostgreSQL database when
    DATABASE_URL is set (dropped afterwards), else a SQLite file under tmp_path."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield {"IMAGO_DATA_DIR": str(tmp_path)}
        return
    import psycopg

    name = f"imago_scaleout_{uuid.uuid4().hex[:8]}"
    conf = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=conf["HOST"],
        port=conf["PORT"] or 5432,
        user=conf["USER"],
        dbname=conf["NAME"],
        password=conf["PASSWORD"] or None,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"IMAGO_DATA_DIR": str(tmp_path), "DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _wait_until_up(port: int) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start")


@pytest.fixture
def two_servers(tmp_path):
    with shared_database(tmp_path) as db_env:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | db_env
        imago = [sys.executable, "-m", "imago"]
        subprocess.run([*imago, "migrate", "--noinput"], env=env, check=True, capture_output=True)
        ports = [_free_port(), _free_port()]
        servers = [
            subprocess.Popen(
                [*imago, "serve", "--port", str(port), *(["--no-worker"] if i else [])],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i, port in enumerate(ports)
        ]
        try:
            for port in ports:
                _wait_until_up(port)
            yield [f"http://127.0.0.1:{port}" for port in ports]
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=15)


def test_partners_on_different_processes_link_as_a_couple(two_servers, new_page):
    one, two = two_servers
    ana = new_page()
    ana.goto(one + "/account/signup/")
    sign_up(ana, one, "ana@example.com", "Ana")
    # The same session, now served by the other process (cookies belong to the host).
    ana.goto(two + "/couple/")
    ana.locator("form[action$='/couple/invite/'] button[type=submit]").first.click()
    # htmx swaps the card in place: wait for the link rather than for a page load.
    ana.wait_for_function(
        r"/\/couple\/join\/[\w-]+\//.test(document.querySelector('main').innerHTML)"
    )
    token = re.search(r"/couple/join/([\w-]+)/", ana.content()).group(1)

    ben = new_page()
    ben.goto(f"{one}/account/signup/?next=/couple/join/{token}/")
    sign_up(ben, one, "ben@example.com", "Ben")
    ben.goto(f"{two}/couple/join/{token}/")
    ben.locator("main form button[type=submit]").first.click()
    ben.wait_for_load_state()

    ana.goto(one + "/dashboard/")
    assert "Ben" in ana.content()
    ben.goto(two + "/dashboard/")
    assert "Ana" in ben.content()
