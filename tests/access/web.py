from tests.access import Rule, same

RULES = [
    Rule("home", same(200)),
    Rule("dashboard", same(200, anonymous=302)),
    # The quick exit must work for everyone, logged in or not, without a redirect.
    Rule("neutral", same(200)),
    Rule("robots_txt", same(200)),
    # Practising with the coach is for anyone signed in; nothing typed there is stored.
    Rule("coach_practice", same(200, anonymous=302)),
    Rule(
        "coach_practice",
        same(200, anonymous=302),
        method="post",
        data=lambda world: {"step": "send", "text": "I felt tired tonight."},
    ),
]
