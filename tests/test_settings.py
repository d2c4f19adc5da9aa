"""The environment helpers, the embedded defaults and the production deploy check."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from imago import env


def test_env_bool_reads_common_words(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env.env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "off")
    assert env.env_bool("X_FLAG", True) is False


def test_env_bool_rejects_a_typo_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(env.EnvError, match="X_FLAG"):
        env.env_bool("X_FLAG")


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("X_NUM", "seven")
    with pytest.raises(env.EnvError, match="X_NUM must be a whole number"):
        env.env_int("X_NUM", 1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env.env_list("X_HOSTS", []) == ["a.example", "b.example"]


def test_secret_file_is_created_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "var" / "field_key"
    first = env.secret_from_file(path, lambda: Fernet.generate_key().decode())
    again = env.secret_from_file(path, lambda: "another")
    assert first == again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "url, expected",
    [
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        (
            "smtp://mailer:s%40cret@mail.example:587?tls=1",
            {
                "EMAIL_HOST": "mail.example",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "s@cret",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtps://u:p@mail.example", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("file:///tmp/mails", {"EMAIL_FILE_PATH": "/tmp/mails"}),
    ],
)
def test_email_url_becomes_django_settings(url, expected):
    conf = env.email_settings(url)
    for key, value in expected.items():
        assert conf[key] == value


def test_email_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(env.EnvError, match="EMAIL_URL"):
        env.email_settings("pigeon://coop")


def _imago(args, extra_env, tmp_path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(extra_env, IMAGO_DATA_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "imago", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_the_deploy_check(tmp_path):
    result = _imago(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "IMAGO_PRODUCTION": "true",
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-0123456789",
            "IMAGO_FIELD_KEY": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "imago.example",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_its_secrets(tmp_path):
    result = _imago(["check"], {"IMAGO_PRODUCTION": "true"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "IMAGO_FIELD_KEY" in result.stderr


def test_embedded_mode_generates_its_secrets_under_the_data_dir(tmp_path):
    result = _imago(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("secret_key", "field_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "imago.sqlite3").parent == tmp_path


def test_behind_a_proxy_the_throttles_count_the_forwarded_client(settings, rf):
    from axes.helpers import get_client_ip_address

    from imago.throttle import client_ip

    # The client claims 198.51.100.1; our one proxy appended the address it really saw.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
    assert get_client_ip_address(request) == "203.0.113.7", "the login throttle agrees"
    settings.PROXY_COUNT = 3  # fewer hops than proxies: do not trust the header
    assert client_ip(request) == "10.0.0.2"


def test_two_processes_racing_for_a_new_secret_end_up_with_the_same_one(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "secret_key"
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: env.secret_from_file(path, env.new_secret_key), range(8)))
    assert len(values) == 1 and values == {path.read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"], "no temporary files left"
