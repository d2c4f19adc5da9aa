"""30 days without put-downs. No URL carries an id: each partner reaches only their own active
couple's challenge, so another couple simply finds none of their own (and is sent back to
the overview), and professionals are sent to their dashboard."""

from datetime import timedelta

from django.utils import timezone

from tests.access import Rule, same

PERSONS_ONLY = same(200, therapist=302, other_therapist=302, anonymous=302)


def running(world, days_ago: int = 4) -> dict:
    """A challenge for the base couple, started `days_ago` days ago, kept by both so far."""
    from imago.negativity.selectors import open_challenges
    from imago.negativity.services import challenge_start, day_mark

    if not open_challenges(world.couple).exists():
        start = timezone.localdate() - timedelta(days=days_ago)
        challenge_start(person=world.partner_a, today=start)
        for offset in range(days_ago):
            day = start + timedelta(days=offset)
            for person in (world.partner_a, world.partner_b):
                day_mark(person=person, day=day, choice="kept", today=day)
    return {}


def slipped(world) -> dict:
    """partner_a marked a slip today, so a repair is waiting to be offered to them."""
    from imago.negativity.services import day_mark

    running(world)
    day_mark(person=world.partner_a, day=timezone.localdate(), choice="slipped")
    return {}


def today(world) -> dict:
    return {"day": timezone.localdate().isoformat(), "choice": "kept", "note": "calm evening"}


def a_repair(world) -> dict:
    return {"apology": "I mocked your cooking.", "appreciation_1": "You make me laugh."}


RULES = [
    # Without a challenge: the start page (or, for one without a partner, the explanation).
    Rule("no_put_downs", PERSONS_ONLY),
    Rule("no_put_downs", PERSONS_ONLY, kwargs=running),
    Rule("no_put_downs", same(405), method="post"),
    Rule("no_put_downs_start", same(405)),
    # A partner starts (or is told one is under way) and returns to the overview; the other
    # couple starts their own; professionals go to their dashboard.
    Rule("no_put_downs_start", same(302), method="post"),
    Rule("no_put_downs_mark", same(405)),
    # Saved and back to the overview; the other couple has no challenge, so back to theirs.
    Rule("no_put_downs_mark", same(302), method="post", kwargs=running, data=today),
    # Only the partner who slipped is offered the repair form; everyone else is sent away.
    Rule("no_put_downs_repair", same(302, partner_a=200), kwargs=slipped),
    Rule("no_put_downs_repair", same(302), method="post", kwargs=slipped, data=a_repair),
    Rule("no_put_downs_stop", same(302, partner_a=200, partner_b=200), kwargs=running),
    Rule("no_put_downs_stop", same(302), method="post", kwargs=running),
]
