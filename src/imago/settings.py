"""The one settings module. Every knob an operator may turn is an environment variable.

Embedded mode (nothing set): SQLite under var/, an in-memory channel layer, e-mail printed to
the console, secrets generated into files under var/ with 0600 permissions.
Production: DEBUG=false with DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS,
EMAIL_URL and IMAGO_FIELD_KEY; `imago check --deploy` is then clean.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

from imago.env import (
    EnvError,
    email_settings,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    new_secret_key,
    secret_from_file,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("IMAGO_DATA_DIR", Path.cwd() / "var")

DEBUG = env_bool("DEBUG", False)
# Production mode: served over HTTPS behind a proxy, secrets from the environment only.
PRODUCTION = env_bool("IMAGO_PRODUCTION", False)
if PRODUCTION:
    missing = [n for n in ("SECRET_KEY", "IMAGO_FIELD_KEY", "ALLOWED_HOSTS") if not env_str(n)]
    if missing:
        raise EnvError(f"IMAGO_PRODUCTION is on but {', '.join(missing)} not set")
SECRET_KEY = env_str("SECRET_KEY") or secret_from_file(DATA_DIR / "secret_key", new_secret_key)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("IMAGO_SITE_NAME", "imago")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "template_partials",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "imago.privacy",
    "imago.accounts",
    "imago.couples",
    "imago.journal",
    "imago.dialogues",
    "imago.negativity",
    "imago.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "imago.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes last, as its docs ask, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "imago.urls"
WSGI_APPLICATION = "imago.wsgi.application"
ASGI_APPLICATION = "imago.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide overrides of other apps' templates (the admin's base, for the quick exit).
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imago.web.context.site",
            ],
        },
    }
]

# Databases: SQLite file by default, anything dj-database-url reads from DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "imago.sqlite3",
            # WAL lets the task worker and the server write without "database is locked".
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Live fan-out between processes: Redis when REDIS_URL is set, in-memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: each message is pushed once to the processes that hold its
            # channel or group. Measured against channels-redis' list-based layer at 200
            # couples: about 40 % less server CPU per turn; and no messages dropped over a
            # channel's capacity, no group keys left behind by a killed process, and one
            # publishing connection, so a burst cannot exhaust the Redis pool (BENCHMARKS.md).
            # Ours publishes in batches (imago.web.layer says why).
            "BACKEND": "imago.web.layer.PubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": env_str("IMAGO_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Accounts and security.
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

AXES_FAILURE_LIMIT = env_int("IMAGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours: a person locked out may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind N proxies (IMAGO_PROXY_COUNT, e.g. 1 for one nginx), the client is the address the
# nearest trusted proxy put into X-Forwarded-For; with none, REMOTE_ADDR. The invitation-code
# throttle reads the address the same way (imago.throttle).
PROXY_COUNT = env_int("IMAGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "imago.throttle.client_ip"

OTP_TOTP_ISSUER = SITE_NAME

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("IMAGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("IMAGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("IMAGO_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A strict policy: every script and style is a file served by us; nothing from third parties.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Private free text and screening answers are encrypted with this key (Fernet).
# IMAGO_FIELD_KEY may hold several comma-separated keys: the first encrypts, all decrypt,
# so keys can be rotated without a flag day.
FIELD_ENCRYPTION_KEYS = env_list("IMAGO_FIELD_KEY", []) or [
    secret_from_file(DATA_DIR / "field_key", lambda: Fernet.generate_key().decode())
]
if REDIS_URL:
    # A turn's words travel through Redis on their way to the partner's screen (the live
    # room sends what changed): encrypted there too, with the same keys as at rest.
    CHANNEL_LAYERS["default"]["CONFIG"]["symmetric_encryption_keys"] = FIELD_ENCRYPTION_KEYS

# E-mail through Django's backends; printed to the console unless EMAIL_URL says otherwise.
globals().update(email_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "imago <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Couples.
INVITATION_DAYS = env_int("IMAGO_INVITATION_DAYS", 7)
QUICK_EXIT_URL = env_str("IMAGO_QUICK_EXIT_URL", "")  # empty: our own neutral page

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic target in production; the embedded mode serves from the app folders instead.
STATIC_ROOT = env_path("IMAGO_STATIC_ROOT", DATA_DIR / "static") if PRODUCTION else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production runs collectstatic (hashed names, long caching); the embedded mode
        # serves straight from the app folders so it needs no build step.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The embedded mode serves static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
