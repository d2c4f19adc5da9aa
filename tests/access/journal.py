from tests.access import Rule, new_entry, same


def _entry(visibility):
    return lambda w: {"pk": new_entry(w, visibility)}


PERSONS_ONLY = same(200, therapist=302, other_therapist=302, anonymous=302)
AUTHOR_ONLY = same(404, partner_a=200, anonymous=302)

RULES = [
    Rule("journal", PERSONS_ONLY),
    # A person writes into their own journal and is sent back to it; professionals are sent
    # to their dashboard without anything being stored.
    Rule(
        "journal",
        same(302),
        method="post",
        data=lambda w: {"text": "Today I listened.", "visibility": "private"},
    ),
    Rule("journal_entry", AUTHOR_ONLY, kwargs=_entry("private")),
    Rule(
        "journal_entry",
        same(404, partner_a=200, partner_b=200, anonymous=302),
        kwargs=_entry("partner"),
    ),
    Rule(
        "journal_entry",
        same(404, partner_a=200, therapist=200, anonymous=302),
        kwargs=_entry("therapist"),
    ),
    # Only the author may change an entry, even one shared with the partner.
    Rule(
        "journal_entry",
        same(404, partner_a=302, anonymous=302),
        method="post",
        kwargs=_entry("partner"),
        data=lambda w: {"text": "changed", "visibility": "private"},
    ),
    Rule("journal_delete", same(405), kwargs=_entry("private")),
    Rule(
        "journal_delete",
        same(404, partner_a=302, anonymous=302),
        method="post",
        kwargs=_entry("partner"),
    ),
]
