"""Small typed readers of the environment, so settings.py states each setting in one line.

Every reader takes a default for the embedded mode (a laptop with nothing else installed).
A malformed value stops start-up with a message naming the variable, rather than running with
a setting nobody intended.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name} must be one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def secret_from_file(path: Path, make: Callable[[], str]) -> str:
    """Read a secret kept in a file, creating it (mode 0600) on first use.

    The embedded mode has no operator to set SECRET_KEY or an encryption key, yet both must
    survive restarts (sessions, encrypted data); a generated file under the data dir gives that.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Write a private temporary file, then link it into place: the link either succeeds whole
    # or fails because another process (the task worker starting beside the server) got there
    # first, in which case its complete file wins. Nobody ever reads a half-written secret.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        os.link(tmp, path)
    except FileExistsError:
        return path.read_text().strip()
    finally:
        os.unlink(tmp)
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def email_settings(url: str) -> dict[str, object]:
    """Django e-mail settings from one EMAIL_URL.

    console://              print messages to the server's output (the embedded default)
    locmem://               keep them in memory (tests)
    file:///path/to/dir     write each message to a file
    smtp://user:pass@host:587?tls=1     smtps://user:pass@host:465
    """
    parts = urlparse(url)
    scheme = parts.scheme
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if scheme not in backends:
        raise EnvError(f"EMAIL_URL scheme must be one of {sorted(backends)}, got {url!r}")
    conf: dict[str, object] = {"EMAIL_BACKEND": backends[scheme]}
    if scheme == "file":
        conf["EMAIL_FILE_PATH"] = unquote(parts.path)
    if scheme in ("smtp", "smtps"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        conf.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", "").lower() in TRUE_WORDS,
        )
    return conf
