"""Access rules for the account pages (see tests/access/__init__.py)."""

from tests.access import Rule, same
from tests.conftest import PASSWORD

LOGGED_IN_PAGE = same(200, anonymous=302)
BAD_RESET_LINK = {"uidb64": "MQ", "token": "no-such-token"}

RULES = [
    # Public pages: the same for everybody.
    Rule("login", same(200)),
    Rule("password_reset", same(200)),
    Rule("password_reset_done", same(200)),
    Rule("password_reset_complete", same(200)),
    # An unknown or used link shows a kind "no longer works" page; a good one redirects.
    Rule("password_reset_confirm", same(200), kwargs=lambda w: BAD_RESET_LINK),
    # Signing up is for visitors; anyone logged in goes on to their dashboard.
    Rule("signup", same(302, anonymous=200)),
    # A signup attempt with an address that exists is refused with a message (visitors), and
    # never creates anything for people already logged in.
    Rule(
        "signup",
        same(302, anonymous=200),
        method="post",
        data=lambda w: {
            "email": w.partner_a.email,
            "display_name": "Someone",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "person",
        },
    ),
    Rule("logout", same(405)),
    Rule("logout", same(302), method="post"),
    Rule("password_change", LOGGED_IN_PAGE),
    Rule("password_change_done", LOGGED_IN_PAGE),
    Rule("account", LOGGED_IN_PAGE),
    # Only unverified professionals edit their certification; everyone else goes back.
    Rule("account_professional", same(302)),
    Rule(
        "account_professional",
        same(302),
        method="post",
        data=lambda w: {"certification_level": "in_training", "credentials": "changed"},
    ),
    Rule("two_factor", LOGGED_IN_PAGE),
    # Already verified (therapists) go on; people without a device are sent to set one up.
    Rule("two_factor_verify", same(302)),
    Rule("two_factor_verify", same(302), method="post", data=lambda w: {"code": "123456"}),
    Rule("two_factor_disable", same(405, anonymous=302)),
    # Therapists may not turn it off; partners have nothing to turn off.
    Rule("two_factor_disable", same(302), method="post", data=lambda w: {"password": PASSWORD}),
    Rule("two_factor_backup_codes", same(405, anonymous=302)),
    # Only people with an authenticator get codes (the therapists here).
    Rule(
        "two_factor_backup_codes",
        same(302, therapist=200, other_therapist=200),
        method="post",
    ),
    Rule("account_export", LOGGED_IN_PAGE),
    Rule("account_export", same(405, anonymous=302), method="post"),
    Rule("account_delete", LOGGED_IN_PAGE),
    # A wrong password never deletes: the form comes back with a message.
    Rule(
        "account_delete",
        same(200, anonymous=302),
        method="post",
        data=lambda w: {"password": "not the password", "confirm": "on"},
    ),
]
