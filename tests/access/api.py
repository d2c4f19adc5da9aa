from imago.journal.models import JournalEntry
from tests.access import Rule, same


def _entry(visibility):
    def kwargs(w):
        entry = JournalEntry.objects.create(
            author=w.partner_a, couple=w.couple, visibility=visibility, text="x"
        )
        return {"entry_id": entry.pk}

    return kwargs


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
