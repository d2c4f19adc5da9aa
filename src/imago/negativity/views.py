"""The pages of the 30 days without put-downs. Only partners use them; a professional who
follows a link is sent to their dashboard (person_required). Nothing here takes an id: each
person only ever reaches their own active couple's challenge."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imago.accounts.decorators import person_required
from imago.couples.selectors import couple_of
from imago.negativity.forms import MarkForm, RepairForm
from imago.negativity.models import DayMark
from imago.negativity.selectors import marks_of, open_challenges, repairs_for, unrepaired_slip
from imago.negativity.services import (
    NegativityError,
    challenge_progress,
    challenge_start,
    challenge_stop,
    day_mark,
    repair_create,
)


def _recent_marks(challenge, person, today):
    """Today's and yesterday's marks of both partners; the note only for its author."""
    days = [d for d in (today, today - timedelta(days=1)) if d >= challenge.started_on]
    marks = {(m.day, m.person_id): m for m in marks_of(challenge).filter(day__in=days)}
    # Your own mark first: it is the one you came to see or change.
    partners = sorted(challenge.couple.partners(), key=lambda p: p.pk != person.pk)
    recent = []
    for day in days:
        entries = []
        for partner in partners:
            mark = marks.get((day, partner.pk))
            own = partner.pk == person.pk
            entries.append(
                {
                    "who": "You" if own else partner.display_name,
                    "own": own,
                    "choice": mark.choice if mark else None,
                    # Built here, per author, so no template can reach the partner's note.
                    "note": mark.note if mark and own else "",
                }
            )
        recent.append({"day": day, "is_today": day == today, "entries": entries})
    return recent


def _overview(request, *, mark_form=None, status=200):
    person = request.user
    couple = couple_of(person)
    challenge = open_challenges(couple).first()
    context = {
        "couple": couple,
        "partner": couple.partner_of(person) if couple else None,
        "challenge": challenge,
    }
    if challenge is not None:
        today = timezone.localdate()
        context.update(
            progress=challenge_progress(challenge=challenge, today=today),
            mark_form=mark_form or MarkForm(today=today, started_on=challenge.started_on),
            recent=_recent_marks(challenge, person, today),
            repairs=repairs_for(challenge, person),
            slip_to_repair=unrepaired_slip(challenge, person),
        )
    return render(request, "negativity/overview.html", context, status=status)


@require_GET
@person_required
def overview(request):
    return _overview(request)


@require_POST
@person_required
def start(request):
    try:
        challenge_start(person=request.user)
    except NegativityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your 30 days have begun. Today is day 1.")
    return redirect("no_put_downs")


@require_POST
@person_required
def mark(request):
    challenge = open_challenges(couple_of(request.user)).first()
    if challenge is None:
        # Stopped or unlinked in another tab: say so on the overview, which shows why.
        messages.error(request, "There is no practice under way right now.")
        return redirect("no_put_downs")
    form = MarkForm(request.POST, today=timezone.localdate(), started_on=challenge.started_on)
    if form.is_valid():
        try:
            mark = day_mark(
                person=request.user,
                day=form.cleaned_data["day"],
                choice=form.cleaned_data["choice"],
                note=form.cleaned_data["note"],
            )
        except NegativityError as error:
            form.add_negativity_error(error)
        else:
            if mark.choice == DayMark.Choice.SLIPPED:
                messages.success(
                    request,
                    "Your mark is saved. The count begins again the day after a slip. "
                    "Slips are part of practising.",
                )
            else:
                messages.success(request, "Your mark is saved.")
            return redirect("no_put_downs")
    return _overview(request, mark_form=form)


@require_http_methods(["GET", "POST"])
@person_required
def repair(request):
    challenge = open_challenges(couple_of(request.user)).first()
    slip = unrepaired_slip(challenge, request.user) if challenge else None
    if slip is None:
        messages.info(
            request,
            "A repair is offered after you mark a slip. There is nothing waiting for one now.",
        )
        return redirect("no_put_downs")
    if request.method == "POST":
        form = RepairForm(request.POST)
        if form.is_valid():
            try:
                repair_create(
                    author=request.user,
                    apology=form.cleaned_data["apology"],
                    appreciations=form.appreciations(),
                )
            except NegativityError as error:
                form.add_negativity_error(error)
            else:
                messages.success(request, "Your repair is saved. Your partner can read it now.")
                return redirect("no_put_downs")
    else:
        form = RepairForm()
    partner = challenge.couple.partner_of(request.user)
    return render(
        request, "negativity/repair.html", {"form": form, "slip": slip, "partner": partner}
    )


@require_http_methods(["GET", "POST"])
@person_required
def stop(request):
    challenge = open_challenges(couple_of(request.user)).first()
    if challenge is None:
        messages.info(request, "There is no practice under way right now.")
        return redirect("no_put_downs")
    if request.method == "POST":
        try:
            challenge_stop(person=request.user)
        except NegativityError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "The practice is stopped. You can start again whenever you both like."
            )
        return redirect("no_put_downs")
    return render(request, "negativity/stop.html", {"challenge": challenge})
