"""The demo practice that `make run` loads on first run, so a new user sees real pages.

Everything is created through the same service functions the site uses, then back-dated a
little so the dashboards show some history. All names and addresses are invented and end in
.example, and every demo account says "demo" in its name.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import CertificationLevel, ProfessionalProfile, Role, User
from imago.couples import services as couples
from imago.dialogues.models import Dialogue
from imago.dialogues.services import dialogue_request, event_submit, new_client_id
from imago.journal.models import JournalEntry
from imago.journal.services import journal_entry_create
from imago.privacy.models import Visibility

DEMO_PASSWORD = "practise-listening-2026"
DOMAIN = "demo.example"
# A fixed key so the printed instructions work on every machine; demo only.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    who: str


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(f"ana@{DOMAIN}", "Ana (demo), partner of Ben, couple connected to Tess"),
        DemoLogin(f"ben@{DOMAIN}", "Ben (demo), partner of Ana"),
        DemoLogin(f"cleo@{DOMAIN}", "Cleo (demo), partner of Dan, couple connected to Tess"),
        DemoLogin(f"dan@{DOMAIN}", "Dan (demo), partner of Cleo"),
        DemoLogin(f"eli@{DOMAIN}", "Eli (demo), practising alone"),
        DemoLogin(f"tess@{DOMAIN}", "Tess (demo), verified therapist; asks for a two-factor code"),
        DemoLogin(f"admin@{DOMAIN}", "Admin (demo); asks for a two-factor code"),
    ]


def demo_totp_secret() -> str:
    """The base32 secret to type into an authenticator app for the demo therapist and admin."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()


def demo_exists() -> bool:
    return User.objects.filter(email=f"tess@{DOMAIN}").exists()


def _person(name: str) -> User:
    return User.objects.create_user(
        email=f"{name.lower()}@{DOMAIN}", password=DEMO_PASSWORD, display_name=f"{name} (demo)"
    )


def _with_two_factor(user: User) -> User:
    TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY_HEX, confirmed=True)
    return user


def _link(a: User, b: User, therapist_token: str | None):
    issued = couples.partner_invitation_create(inviter=a)
    couple = couples.invitation_accept(person=b, token=issued.token)
    if therapist_token:
        couples.therapist_connection_request(person=a, token=therapist_token)
        couples.therapist_connection_consent(person=b)
    return couple


def _history(author: User, entries: list[tuple[int, str, str]]) -> None:
    for days_ago, visibility, text in entries:
        entry = journal_entry_create(author=author, text=text, visibility=visibility)
        JournalEntry.objects.filter(pk=entry.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )


def _past_dialogue(a: User, b: User, days_ago: int) -> None:
    """One finished dialogue, so the transcript pages have something true to show."""
    dialogue = dialogue_request(person=a)
    script = [
        (b, "accept", ""),
        (a, "send", "I feel rushed in the mornings when we both need the bathroom at seven."),
        (b, "mirror", "If I got it, you feel rushed when we both need the bathroom at seven."),
        (a, "confirm", ""),
        (a, "no_more", ""),
        (b, "skip_summary", ""),
        (b, "validate", "You make sense: mornings are tight and you start work early."),
        (b, "empathize", "I imagine you might feel stressed, and maybe a bit alone with it."),
        (a, "confirm", ""),
        (a, "close", ""),
        (a, "appreciate", "I appreciated that you let me finish."),
        (b, "appreciate", "I appreciated hearing how the mornings feel for you."),
    ]
    for person, action, text in script:
        event_submit(
            dialogue_id=dialogue.pk,
            user=person,
            action=action,
            text=text,
            client_id=new_client_id(),
        )
    when = timezone.now() - timedelta(days=days_ago)
    Dialogue.objects.filter(pk=dialogue.pk).update(
        created_at=when, started_at=when, closed_at=when + timedelta(minutes=20)
    )
    dialogue.events.update(at=when)


@transaction.atomic
def demo_create() -> None:
    admin = User.objects.create_superuser(
        email=f"admin@{DOMAIN}", password=DEMO_PASSWORD, display_name="Admin (demo)"
    )
    _with_two_factor(admin)

    tess = User.objects.create_user(
        email=f"tess@{DOMAIN}",
        password=DEMO_PASSWORD,
        display_name="Tess (demo)",
        role=Role.THERAPIST,
    )
    profile = ProfessionalProfile.objects.create(
        user=tess,
        certification_level=CertificationLevel.CERTIFIED_THERAPIST,
        credentials="Demo licence 0000 (invented)",
    )
    profile.verify(by=admin)
    _with_two_factor(tess)

    ana, ben, cleo, dan = (_person(n) for n in ("Ana", "Ben", "Cleo", "Dan"))
    _person("Eli")

    _link(ana, ben, couples.therapist_invitation_create(therapist=tess).token)
    _link(cleo, dan, couples.therapist_invitation_create(therapist=tess).token)

    _past_dialogue(ana, ben, days_ago=5)
    _history(
        ana,
        [
            (
                12,
                Visibility.PRIVATE,
                "I noticed I raise my voice when I feel unheard. Worth "
                "bringing to a dialogue, calmly.",
            ),
            (
                9,
                Visibility.PARTNER,
                "Thank you for making breakfast on Saturday. I felt looked after.",
            ),
            (
                3,
                Visibility.THERAPIST,
                "For our next session: evenings after work are when we clash most.",
            ),
        ],
    )
    _history(
        ben,
        [
            (10, Visibility.PARTNER, "I liked our walk by the river. Can we do it again soon?"),
            (
                4,
                Visibility.PRIVATE,
                "When Ana is quiet I assume she is angry. I could ask instead.",
            ),
        ],
    )
    _history(
        cleo,
        [
            (
                6,
                Visibility.THERAPIST,
                "We managed a whole dialogue without interrupting. It felt slow but good.",
            )
        ],
    )
    _history(
        User.objects.get(email=f"eli@{DOMAIN}"),
        [(2, Visibility.PRIVATE, "Practising mirroring with a friend: harder than it looks.")],
    )
