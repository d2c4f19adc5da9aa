from datetime import timedelta

from tests.access import Rule, same

# Partners only; professionals are sent to their own dashboard, another couple gets 404.
PARTNERS = same(404, partner_a=200, partner_b=200, therapist=302, other_therapist=302)
PARTNERS["anonymous"] = 302
# The room: the partners, and the couple's therapist as facilitator while it is open.
ROOM = PARTNERS | {"therapist": 200, "other_therapist": 404}
# Transcripts: the partners; the couple's therapist only when both partners agreed.
TRANSCRIPT = PARTNERS | {"therapist": 404, "other_therapist": 404}
SHARED_TRANSCRIPT = PARTNERS | {"therapist": 200, "other_therapist": 404}
NOBODY = same(404, partner_a=404, partner_b=404, therapist=302, other_therapist=302)
NOBODY["anonymous"] = 302


def _open(w):
    """The couple's open dialogue, asked for by partner_a; the same one on every call, so a
    test may build several URLs in one world."""
    from imago.dialogues.models import Dialogue
    from imago.dialogues.services import dialogue_request

    dialogue = Dialogue.objects.for_couple(w.couple).open().first()
    return dialogue or dialogue_request(person=w.partner_a)


def _asked(w):
    return {"pk": _open(w).pk}


def _started(w):
    from imago.dialogue import Step
    from imago.dialogues.services import event_submit, new_client_id

    dialogue = _open(w)
    if dialogue.step == Step.APPOINTMENT:
        event_submit(
            dialogue_id=dialogue.pk,
            user=w.partner_b,
            action="accept",
            client_id=new_client_id(),
            expected_seq=dialogue.seq,
        )
    return {"pk": dialogue.pk}


def _time_named(w):
    from django.utils import timezone

    from imago.dialogue import Step
    from imago.dialogues.models import Dialogue
    from imago.dialogues.services import appointment_ready_at

    dialogue = _open(w)
    ready_at = timezone.now() + timedelta(hours=3)
    if dialogue.ready_at is None and dialogue.step == Step.APPOINTMENT:
        appointment_ready_at(person=w.partner_b, dialogue=dialogue, ready_at=ready_at)
    elif dialogue.ready_at is None:
        # Another rule already started this world's dialogue: a time named before the start.
        Dialogue.objects.filter(pk=dialogue.pk).update(ready_at=ready_at)
    return {"pk": dialogue.pk}


def _in_three_hours(w):
    from django.utils import timezone

    moment = timezone.localtime() + timedelta(hours=3)
    return {"ready_at": moment.strftime("%Y-%m-%dT%H:%M")}


def _accept(w):
    return {"action": "accept", "client_id": "access-rule", "expected_seq": "0"}


def _shared(w):
    from imago.dialogues.models import Dialogue

    dialogue = _open(w)
    Dialogue.objects.filter(pk=dialogue.pk).update(shared_device=True)
    return {"pk": dialogue.pk}


def _consented(w):
    from django.utils import timezone

    from imago.dialogues.models import Dialogue

    kwargs = _started(w)
    now = timezone.now()
    Dialogue.objects.filter(pk=kwargs["pk"]).update(
        transcript_shared_by_a_at=now, transcript_shared_by_b_at=now
    )
    return kwargs


def _pause(w):
    return {"what": "pause", "client_id": "access-rule-pause"}


RULES = [
    Rule("dialogues", PARTNERS | {"other_couple": 200}),
    # Anyone in a couple may ask their own partner; professionals are sent to their dashboard.
    Rule("dialogues", same(302), method="post", data=lambda w: {"variant": "standard"}),
    Rule("dialogue_room", ROOM, kwargs=_asked),
    Rule("dialogue_room", ROOM, kwargs=_started),
    # The facilitator's controls: the couple's therapist only (partners go to their dashboard).
    Rule("dialogue_facilitate", same(405), kwargs=_started),
    Rule(
        "dialogue_facilitate",
        same(302, other_couple=302, other_therapist=404),
        method="post",
        kwargs=_started,
        data=_pause,
    ),
    Rule("dialogue_room", same(405), method="post", kwargs=_asked),
    # The shared screen: partners only; on two screens it offers to switch.
    Rule("dialogue_together", PARTNERS, kwargs=_asked),
    Rule("dialogue_together", PARTNERS, kwargs=_shared),
    Rule(
        "dialogue_together",
        PARTNERS | {"partner_a": 302, "partner_b": 302},
        method="post",
        kwargs=_asked,
        data=lambda w: {"shared": "1"},
    ),
    Rule("dialogue_event", same(405), kwargs=_asked),
    # Only partner_b answers "is now a good time?"; partner_a is told why not, on the page.
    Rule(
        "dialogue_event",
        PARTNERS | {"partner_b": 302},
        method="post",
        kwargs=_asked,
        data=_accept,
    ),
    Rule("dialogue_ready_at", same(405), kwargs=_asked),
    Rule(
        "dialogue_ready_at",
        PARTNERS | {"partner_b": 302},
        method="post",
        kwargs=_asked,
        data=_in_three_hours,
    ),
    Rule("dialogue_cancel", same(405), kwargs=_asked),
    Rule(
        "dialogue_cancel",
        PARTNERS | {"partner_a": 302, "partner_b": 302},
        method="post",
        kwargs=_asked,
    ),
    Rule("dialogue_ics", NOBODY, kwargs=_asked),  # no time named yet
    Rule("dialogue_ics", PARTNERS, kwargs=_time_named),
    Rule("dialogue_ics", same(405), method="post", kwargs=_time_named),
    Rule("dialogue_transcript", TRANSCRIPT, kwargs=_started),
    Rule("dialogue_transcript", SHARED_TRANSCRIPT, kwargs=_consented),
    Rule("dialogue_transcript", same(405), method="post", kwargs=_started),
    Rule("dialogue_transcript_consent", same(405), kwargs=_started),
    Rule(
        "dialogue_transcript_consent",
        PARTNERS | {"partner_a": 302, "partner_b": 302},
        method="post",
        kwargs=_started,
        data=lambda w: {"shared": "1"},
    ),
    Rule("dialogue_transcript_txt", TRANSCRIPT, kwargs=_started),
    Rule("dialogue_transcript_txt", SHARED_TRANSCRIPT, kwargs=_consented),
    Rule("dialogue_transcript_txt", same(405), method="post", kwargs=_started),
    Rule("dialogue_transcript_pdf", TRANSCRIPT, kwargs=_started),
    Rule("dialogue_transcript_pdf", SHARED_TRANSCRIPT, kwargs=_consented),
    Rule("dialogue_transcript_pdf", same(405), method="post", kwargs=_started),
]
