"""The dialogue's pages: the list and the request, the appointment, the room without JavaScript,
the calendar file and the transcript. The live room (dialogues/room.html and its WebSocket)
renders imago.dialogues.room.view_for; these views only call services and render."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imago.accounts.decorators import person_required, therapist_required
from imago.accounts.models import Role
from imago.couples.selectors import couple_of, pending_partner_invitation
from imago.dialogue import Step, state_from_data
from imago.dialogues import room
from imago.dialogues.coaching import crisis_pause, turn_feedback
from imago.dialogues.consumers import facilitator_offer, room_changed
from imago.dialogues.forms import (
    DialogueRequestForm,
    EventForm,
    OfferForm,
    ReadyAtForm,
    SharedDeviceForm,
)
from imago.dialogues.selectors import (
    dialogue_status,
    dialogues_for_person,
    facilitator_opened,
    get_dialogue_for_user,
    get_transcript_for_user,
    open_dialogue_for_person,
    ready_time,
    transcript_lines,
)
from imago.dialogues.services import (
    READY_AT_MOST,
    DialogueError,
    appointment_ready_at,
    dialogue_cancel,
    dialogue_is_lapsed,
    dialogue_request,
    dialogue_set_shared_device,
    event_submit,
    new_client_id,
    transcript_consent_set,
)

APPOINTMENT_MINUTES = 30


@require_http_methods(["GET", "POST"])
@person_required
def dialogues(request):
    user = request.user
    form = DialogueRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dialogue = dialogue_request(
                person=user,
                variant=form.cleaned_data["variant"],
                shared_device=form.cleaned_data["together"],
            )
        except DialogueError as error:
            form.add_dialogue_error(error)
        else:
            if dialogue.shared_device:
                return redirect("dialogue_together", pk=dialogue.pk)
            partner = dialogue.seat_b.display_name
            messages.success(request, f"{partner} will see your request when they open the app.")
            return redirect("dialogue_room", pk=dialogue.pk)
    current = open_dialogue_for_person(user)
    earlier = dialogues_for_person(user).select_related("seat_a", "seat_b")
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    couple = couple_of(user)
    context = {
        "form": form,
        "couple": couple,
        "partner": couple.partner_of(user) if couple else None,
        "pending_invitation": pending_partner_invitation(user) if couple is None else None,
        "current": current,
        "current_status": dialogue_status(current, user) if current else "",
        "earlier": [(d, dialogue_status(d, user)) for d in earlier],
    }
    return render(request, "dialogues/dialogues.html", context)


@require_GET
@login_required
def dialogue_room(request, pk: int):
    user = request.user
    if user.role == Role.THERAPIST:
        dialogue = get_dialogue_for_user(user, pk)
        # The record that the therapist saw the partners' words comes first.
        facilitator_opened(user, dialogue)
        return _facilitator_page(request, dialogue)
    if user.role != Role.PERSON:
        return redirect("dashboard")
    return _dialogue_page(request, get_dialogue_for_user(user, pk))


def _facilitator_page(request, dialogue, *, error: str = "", status: int = 200):
    context = {
        "dialogue": dialogue,
        "view": room.facilitator_view(dialogue, request.user),
        "ws_path": f"/ws/dialogues/{dialogue.pk}/",
        "error": error,
        "client_id": new_client_id(),
        "offer_form": OfferForm(),
    }
    return render(request, "dialogues/facilitate.html", context, status=status)


@require_POST
@therapist_required
def dialogue_facilitate(request, pk: int):
    """The facilitator's three things: pause or go on (engine events), offer a stem to one
    partner, or gently invite the partner whose turn it is (neither is stored: not turns)."""
    user = request.user
    dialogue = get_dialogue_for_user(user, pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        return _facilitator_page(request, dialogue, error=form.first_error())
    data = form.cleaned_data
    what = data["what"]
    if what in ("pause", "resume"):
        try:
            event_submit(
                dialogue_id=dialogue.pk,
                user=user,
                action=what,
                client_id=data["client_id"] or new_client_id(),
                as_facilitator=True,
            )
        except DialogueError as error:
            return _facilitator_page(request, get_dialogue_for_user(user, pk), error=error.message)
        room_changed(dialogue.pk)
    else:
        state = room.state_from_data(dialogue.state)
        seat = data["seat"] if what == "stem" else state.speaker
        text = data["text"].strip()
        if seat not in ("a", "b") or (what == "stem" and not text):
            return _facilitator_page(
                request,
                dialogue,
                error="Please choose a partner and a suggestion."
                if what == "stem"
                else "Nobody is taking a turn right now.",
            )
        facilitator_offer(dialogue, therapist=user, seat=seat, kind=what, text=text)
        name = dialogue.person_at(seat).display_name
        messages.success(request, f"Sent to {name}'s screen.")
    return redirect("dialogue_room", pk=dialogue.pk)


@require_http_methods(["GET", "POST"])
@person_required
def dialogue_together(request, pk: int):
    """The shared screen. GET shows it (or, for a dialogue on two screens, offers to switch);
    POST switches between one screen together and a screen each."""
    dialogue = get_dialogue_for_user(request.user, pk)
    form = SharedDeviceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            shared = form.cleaned_data["shared"]
            try:
                dialogue_set_shared_device(person=request.user, dialogue=dialogue, shared=shared)
            except DialogueError as error:
                messages.error(request, error.message)
                return redirect("dialogue_room", pk=dialogue.pk)
            room_changed(dialogue.pk)
            return redirect("dialogue_together" if shared else "dialogue_room", pk=dialogue.pk)
        return render(
            request,
            "dialogues/together_offer.html",
            {"dialogue": dialogue, "form": form},
            status=200,
        )
    if not dialogue.shared_device:
        return render(request, "dialogues/together_offer.html", {"dialogue": dialogue})
    return _dialogue_page(request, dialogue, together=True)


def _dialogue_page(
    request,
    dialogue,
    *,
    error: str = "",
    draft: str = "",
    coach: dict | None = None,
    coach_action: str = "",
    ready_form: ReadyAtForm | None = None,
    status: int = 200,
    together: bool = False,
):
    """The appointment card while the request waits for an answer, the room after that. The
    shared screen has no appointment card: whoever is asked answers right there."""
    if not together and dialogue.step == Step.APPOINTMENT:
        return render(
            request,
            "dialogues/appointment.html",
            _appointment_context(request, dialogue, error=error, ready_form=ready_form),
            status=status,
        )
    context = {
        "dialogue": dialogue,
        "view": room.view_for(dialogue, request.user, together=together),
        "ws_path": f"/ws/dialogues/{dialogue.pk}/{'together/' if together else ''}",
        # The no-JavaScript path: a refused or coached turn comes back with its words, the
        # reason or the coach's feedback.
        "draft": draft,
        "error": error,
        "coach": coach,
        "coach_action": coach_action,
        "client_id": new_client_id(),
    }
    return render(request, "dialogues/room.html", context, status=status)


def _appointment_context(request, dialogue, *, error: str, ready_form: ReadyAtForm | None):
    user = request.user
    seat = dialogue.seat_of(user)
    now = timezone.localtime()
    if ready_form is None:
        ready_form = ReadyAtForm()
    field = ready_form.fields["ready_at"]
    field.help_text = f"A time within the next two days, in the {settings.TIME_ZONE} time zone."
    # The browser's picker offers only times the service accepts.
    field.widget.attrs.update(
        {
            "min": now.strftime("%Y-%m-%dT%H:%M"),
            "max": (now + READY_AT_MOST).strftime("%Y-%m-%dT%H:%M"),
        }
    )
    # appointment.js compares these with each view the room's WebSocket sends and reloads the
    # page when they differ, so they come in the view's own words.
    live_seq, live_status, live_ready_at = room.live_marks(dialogue, user)
    return {
        "dialogue": dialogue,
        "ws_path": f"/ws/dialogues/{dialogue.pk}/",
        "live_seq": live_seq,
        "live_status": live_status,
        "live_ready_at": live_ready_at,
        "asker": dialogue.seat_a,
        "answerer": dialogue.seat_b,
        "is_asker": seat == "a",
        "lapsed": dialogue_is_lapsed(dialogue),
        "cancelled": dialogue.cancelled_at is not None,
        "status": dialogue_status(dialogue, user),
        "ready_at_words": ready_time(dialogue.ready_at) if dialogue.ready_at else "",
        "ready_form": ready_form,
        "error": error,
        "client_id": new_client_id(),
    }


@require_POST
@person_required
def dialogue_event(request, pk: int):
    dialogue = get_dialogue_for_user(request.user, pk)
    form = EventForm(request.POST)
    if not form.is_valid():
        return _dialogue_page(request, dialogue, error=form.first_error(), draft=form.typed_text())
    data = form.cleaned_data
    together = bool(data["as_seat"])
    if not data["anyway"]:
        coached = _coached_page(request, dialogue, data, together=together)
        if coached is not None:
            return coached
    try:
        event_submit(
            dialogue_id=dialogue.pk,
            user=request.user,
            action=data["action"],
            text=data["text"],
            client_id=data["client_id"],
            expected_seq=data["expected_seq"],
            on_behalf_of_seat=data["as_seat"] or None,
        )
    except DialogueError as error:
        # The refusal is shown on the dialogue as it is now, with the words still in the box.
        dialogue = get_dialogue_for_user(request.user, pk)
        status = 409 if error.stale else 200
        return _dialogue_page(
            request,
            dialogue,
            error=error.message,
            draft=data["text"],
            status=status,
            together=together and dialogue.shared_device,
        )
    room_changed(dialogue.pk)  # the partner's open screen updates live
    return redirect("dialogue_together" if together else "dialogue_room", pk=dialogue.pk)


def _coached_page(request, dialogue, data, *, together: bool):
    """The coach reads a speaking turn before it is sent (dialogues.coaching): words of
    crisis pause the room and show help; other feedback comes back with the words still in the
    box and a "send as it is" button. None when the turn can go ahead."""
    state = state_from_data(dialogue.state)
    seat = data["as_seat"] or dialogue.seat_of(request.user)
    lines = room.lines_of(dialogue, list(dialogue.events.order_by("seq")))
    feedback = turn_feedback(lines, state, seat, data["action"], data["text"])
    if feedback is None or (feedback["ok"] and not feedback["crisis"]):
        return None
    if feedback["crisis"]:
        if crisis_pause(
            dialogue_id=dialogue.pk, user=request.user, on_behalf_of_seat=data["as_seat"] or None
        ):
            room_changed(dialogue.pk)
        dialogue = get_dialogue_for_user(request.user, dialogue.pk)
        if together:  # both read the shared screen: a break, and the help in the footer
            feedback = None
    return _dialogue_page(
        request,
        dialogue,
        draft=data["text"],
        coach=feedback,
        coach_action=data["action"],
        together=together and dialogue.shared_device,
    )


@require_POST
@person_required
def dialogue_ready_at(request, pk: int):
    dialogue = get_dialogue_for_user(request.user, pk)
    form = ReadyAtForm(request.POST)
    if form.is_valid():
        try:
            dialogue = appointment_ready_at(
                person=request.user, dialogue=dialogue, ready_at=form.cleaned_data["ready_at"]
            )
        except DialogueError as error:
            if error.field != "ready_at":
                # Not about the time typed (the request moved on, or it is not theirs to
                # answer): said at the top of the page, as for any refused action.
                dialogue = get_dialogue_for_user(request.user, pk)
                return _dialogue_page(request, dialogue, error=error.message)
            form.add_dialogue_error(error)
        else:
            room_changed(dialogue.pk)
            when = ready_time(dialogue.ready_at)
            messages.success(
                request, f"{dialogue.seat_a.display_name} will see that you can be ready at {when}."
            )
            return redirect("dialogue_room", pk=dialogue.pk)
    dialogue = get_dialogue_for_user(request.user, pk)
    return _dialogue_page(request, dialogue, ready_form=form)


@require_POST
@person_required
def dialogue_cancel_view(request, pk: int):
    dialogue = get_dialogue_for_user(request.user, pk)
    try:
        dialogue_cancel(person=request.user, dialogue=dialogue)
    except DialogueError as error:
        messages.error(request, error.message)
        return redirect("dialogue_room", pk=dialogue.pk)
    room_changed(dialogue.pk)
    messages.success(request, "The request is cancelled. Either of you can ask again any time.")
    return redirect("dialogues")


@require_GET
@person_required
def dialogue_ics(request, pk: int):
    from icalendar import Calendar, Event

    dialogue = get_dialogue_for_user(request.user, pk)
    if dialogue.ready_at is None or dialogue.cancelled_at is not None:
        raise Http404("No time was named for this dialogue")
    partner = dialogue.seat_b if dialogue.seat_of(request.user) == "a" else dialogue.seat_a
    start = dialogue.ready_at.astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//imago//dialogue appointment//EN")
    calendar.add("version", "2.0")
    event = Event()
    # Calendars are often seen by others: the entry names the time and the partner, nothing
    # about what the dialogue is about.
    event.add("uid", f"dialogue-{dialogue.pk}-{int(start.timestamp())}@imago")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=APPOINTMENT_MINUTES))
    event.add("summary", f"Time to talk with {partner.display_name}")
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dialogue-{dialogue.pk}.ics"'
    return response


def _transcript_context(request, dialogue) -> dict:
    seat = dialogue.seat_of(request.user)
    return {
        "dialogue": dialogue,
        "seat": seat,
        "i_share": bool(seat and getattr(dialogue, f"transcript_shared_by_{seat}_at")),
        "partner_shares": bool(
            seat and getattr(dialogue, f"transcript_shared_by_{'b' if seat == 'a' else 'a'}_at")
        ),
        "partner_name": (
            dialogue.person_at("b" if seat == "a" else "a").display_name if seat else ""
        ),
        "lines": transcript_lines(dialogue),
        "status": dialogue_status(dialogue, request.user),
        "time_zone": settings.TIME_ZONE,
    }


@require_GET
@login_required
def dialogue_transcript(request, pk: int):
    dialogue = _transcript_for(request, pk)
    return render(request, "dialogues/transcript.html", _transcript_context(request, dialogue))


@require_GET
@login_required
def dialogue_transcript_txt(request, pk: int):
    dialogue = _transcript_for(request, pk)
    text = render_to_string("dialogues/transcript.txt", _transcript_context(request, dialogue))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dialogue-{dialogue.pk}.txt"'
    return response


@require_GET
@login_required
def dialogue_transcript_pdf(request, pk: int):
    dialogue = _transcript_for(request, pk)
    html = render_to_string(
        "dialogues/transcript_print.html", _transcript_context(request, dialogue)
    )
    response = HttpResponse(transcript_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dialogue-{dialogue.pk}.pdf"'
    return response


def _transcript_for(request, pk: int):
    """Partners always; the couple's therapist once both agreed, with the record first."""
    dialogue = get_transcript_for_user(request.user, pk)
    if dialogue.seat_of(request.user) is None:
        facilitator_opened(request.user, dialogue, what="dialogue transcript")
    return dialogue


@require_POST
@person_required
def dialogue_transcript_consent(request, pk: int):
    dialogue = get_dialogue_for_user(request.user, pk)
    shared = request.POST.get("shared") == "1"
    transcript_consent_set(person=request.user, dialogue=dialogue, shared=shared)
    messages.success(
        request,
        "You agreed to share this transcript with your therapist."
        if shared
        else "Your therapist cannot read this transcript now.",
    )
    return redirect("dialogue_transcript", pk=dialogue.pk)


def transcript_pdf(html: str, *, url_fetcher=None) -> bytes:
    """The transcript as a PDF. Its print template carries its own small stylesheet, and
    WeasyPrint may fetch nothing: a transcript must never make the server reach the network."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or refuse_fetch).write_pdf()


def refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"a transcript fetches nothing: {url}")
