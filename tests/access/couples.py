"""Access rules for the couple pages (partners) and the practice pages (therapists).

Partners' pages send therapists to their dashboard (302); therapists' pages send partners there.
Every base-case partner is already linked, so actions that would link, invite or join answer
with a redirect and a message, never with success for someone who should not have it.
"""

from __future__ import annotations

from tests.access import Rule, same

PERSON_PAGE = same(200, therapist=302, other_therapist=302, anonymous=302)
THERAPIST_PAGE = same(302, therapist=200, other_therapist=200)


def _outsider_invitation(world):
    """A fresh partner invitation from someone outside the base case (zoe, not linked)."""
    from imago.accounts.models import User
    from imago.couples.services import partner_invitation_create
    from tests.conftest import make_person

    zoe = User.objects.filter(email="zoe@example.com").first() or make_person(
        "zoe@example.com", "Zoe"
    )
    return {"token": partner_invitation_create(inviter=zoe).token}


def _therapist_invitation(world):
    from imago.couples.services import therapist_invitation_create

    return {"token": therapist_invitation_create(therapist=world.other_therapist).token}


BOGUS = lambda world: {"token": "not-a-real-invitation"}  # noqa: E731

RULES = [
    Rule("couple", PERSON_PAGE),
    # POST-only actions: GET is refused for everyone; POST never succeeds for a linked partner.
    Rule("partner_invite", same(405)),
    Rule("partner_invite", same(302), method="post", data=lambda w: {"email": "x@example.com"}),
    Rule("invitation_cancel", same(405)),
    Rule("invitation_cancel", same(302), method="post"),
    Rule("couple_join", PERSON_PAGE),
    Rule(
        "couple_join",
        same(200, therapist=302, other_therapist=302, anonymous=302),
        method="post",
        data=lambda w: {"code": "ABCD-EFGH"},
    ),
    # A public page for a real invitation (anonymous visitors learn how to sign up); a linked
    # partner sees why they cannot accept; other roles are sent to their dashboard.
    Rule(
        "invitation_accept",
        same(200, therapist=302, other_therapist=302),
        kwargs=_outsider_invitation,
    ),
    Rule(
        "invitation_accept",
        same(200, therapist=302, other_therapist=302, anonymous=302),
        method="post",
        kwargs=_outsider_invitation,
    ),
    Rule("invitation_accept", same(404, therapist=302, other_therapist=302), kwargs=BOGUS),
    # The neutral link in e-mails only forwards, for everyone.
    Rule("invitation_link", same(302), kwargs=BOGUS),
    Rule("couple_unlink", PERSON_PAGE),
    Rule("therapist_join", PERSON_PAGE),
    Rule("therapist_join", PERSON_PAGE, method="post", data=lambda w: {"code": "ABCD-EFGH"}),
    Rule(
        "therapist_join_link",
        same(404, therapist=302, other_therapist=302, anonymous=302),
        kwargs=BOGUS,
    ),
    # Every base-case couple already has a therapist: the page explains, the request fails.
    Rule("therapist_join_link", PERSON_PAGE, kwargs=_therapist_invitation),
    Rule("therapist_join_link", PERSON_PAGE, method="post", kwargs=_therapist_invitation),
    Rule("therapist_consent", same(405)),
    Rule("therapist_consent", same(302), method="post"),
    Rule("therapist_decline", same(405)),
    Rule("therapist_decline", same(302), method="post"),
    Rule("therapist_end", PERSON_PAGE),
    Rule("practice", THERAPIST_PAGE),
    Rule("practice_invite", same(405)),
    Rule("practice_invite", same(302), method="post"),
    Rule(
        "practice_couple",
        same(302, therapist=200, other_therapist=404),
        kwargs=lambda w: {"couple_id": w.couple.pk},
    ),
    # Only the couple's own therapist may set the balance limits: POST only; good values save
    # and go back to the couple's page, bad ones show the page again with the form's errors.
    Rule("practice_couple_balance", same(405), kwargs=lambda w: {"couple_id": w.couple.pk}),
    Rule(
        "practice_couple_balance",
        same(302, other_therapist=404),
        method="post",
        kwargs=lambda w: {"couple_id": w.couple.pk},
        data=lambda w: {"minutes": "25", "turns": "12"},
    ),
    Rule(
        "practice_couple_balance",
        same(302, therapist=200, other_therapist=404),
        method="post",
        kwargs=lambda w: {"couple_id": w.couple.pk},
        data=lambda w: {"minutes": "500", "turns": ""},
    ),
    # Only the couple's own therapist may end the connection; the POST really ends it (each
    # role gets a fresh world), then goes back to the practice.
    Rule(
        "practice_couple_end",
        same(302, therapist=200, other_therapist=404),
        kwargs=lambda w: {"couple_id": w.couple.pk},
    ),
    Rule(
        "practice_couple_end",
        same(302, other_therapist=404),
        method="post",
        kwargs=lambda w: {"couple_id": w.couple.pk},
    ),
]
