from tests.access import Rule, new_entry, same


def _entry(visibility):
    return lambda w: {"entry_id": new_entry(w, visibility)}


LOGGED_IN = same(200, anonymous=401)

RULES = [
    Rule("api-1.0.0:health", same(200)),
    # The schema describes the API and holds no data, so it is public.
    Rule("api-1.0.0:openapi-json", same(200)),
    # ninja's root only exists so it can compute paths; it answers 404 to everyone.
    Rule("api-1.0.0:api-root", same(404)),
    Rule("api-1.0.0:me", LOGGED_IN),
    Rule("api-1.0.0:couple", LOGGED_IN),
    Rule("api-1.0.0:journal_list", LOGGED_IN),
    Rule(
        "api-1.0.0:journal_create",
        same(201, therapist=403, other_therapist=403, anonymous=401),
        method="post",
        data=lambda w: {"text": "Today I listened.", "visibility": "private"},
    ),
    Rule(
        "api-1.0.0:journal_detail",
        same(404, partner_a=200, anonymous=401),
        kwargs=_entry("private"),
    ),
    Rule(
        "api-1.0.0:journal_detail",
        same(404, partner_a=200, partner_b=200, anonymous=401),
        kwargs=_entry("partner"),
    ),
    Rule(
        "api-1.0.0:journal_detail",
        same(404, partner_a=200, therapist=200, anonymous=401),
        kwargs=_entry("therapist"),
    ),
]
