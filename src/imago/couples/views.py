"""Couple pages (partners) and practice pages (therapists). Thin: services decide, views render.

Partners' pages send other roles to their dashboard; therapists' pages do the same for
everyone else. A couple a therapist may not open answers 404, like one that does not exist.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from imago.accounts.decorators import person_required, therapist_required
from imago.couples import services
from imago.couples.forms import BalanceLimitsForm, InvitationCodeForm, PartnerInviteForm
from imago.couples.models import Invitation
from imago.couples.selectors import (
    active_connections_for_therapist,
    balance_limits_for,
    connection_of,
    couple_of,
    get_couple_for_therapist,
    open_therapist_invitations,
    pending_connections_for_therapist,
    pending_partner_invitation,
)
from imago.couples.services import CoupleError, InvitationUnusable, TooManyAttempts
from imago.dialogue import DEFAULT_LIMITS
from imago.journal.selectors import entries_readable_by
from imago.privacy.crypto import decrypt, encrypt
from imago.privacy.models import Visibility
from imago.privacy.services import audit_record
from imago.throttle import client_ip


# The link and code exist only at creation (we keep digests). To show them again after the
# redirect, and on later visits in the same session, they are kept in the session, encrypted
# like other private data so a database dump of sessions does not hand them out.
def _issued_remember(request, kind: str, issued: services.IssuedInvitation) -> None:
    data = {"id": issued.invitation.pk, "code": issued.code, "path": issued.path}
    request.session[f"couples.issued.{kind}"] = encrypt(json.dumps(data))


def _issued_recall(request, kind: str, invitation: Invitation | None) -> dict | None:
    stored = request.session.get(f"couples.issued.{kind}")
    if not stored or invitation is None:
        return None
    data = json.loads(decrypt(stored))
    if data["id"] != invitation.pk:
        return None
    data["url"] = request.build_absolute_uri(data["path"])
    return data


def _issued_forget(request, kind: str) -> None:
    request.session.pop(f"couples.issued.{kind}", None)


# Partners --------------------------------------------------------------------------------


def _connection_state(connection, person) -> str:
    if connection is None:
        return "none"
    if connection.active_since is not None:
        return "active"
    if connection.consented_by.filter(pk=person.pk).exists():
        return "partner_consent"
    return "your_consent"


def _couple_context(request, *, invite_form=None, join_form=None) -> dict:
    person = request.user
    couple = couple_of(person)
    context = {"couple": couple}
    if couple is not None:
        connection = connection_of(couple)
        membership = couple.memberships.get(person=person)
        context.update(
            partner=couple.partner_of(person),
            since=membership.joined_at,
            connection=connection,
            connection_state=_connection_state(connection, person),
        )
    else:
        pending = pending_partner_invitation(person)
        context.update(
            pending=pending,
            issued=_issued_recall(request, Invitation.Kind.PARTNER, pending),
            invite_form=invite_form or PartnerInviteForm(),
            join_form=join_form or InvitationCodeForm(),
        )
    return context


@person_required
def couple_page(request):
    return render(request, "couples/couple.html", _couple_context(request))


def _invite_card(request, *, invite_form=None, error: str = "", status: int = 200):
    context = _couple_context(request, invite_form=invite_form)
    context["invite_error"] = error
    return render(request, "couples/couple.html#invite-card", context, status=status)


@require_POST
@person_required
def partner_invite(request):
    form = PartnerInviteForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _invite_card(request, invite_form=form)
        return render(request, "couples/couple.html", _couple_context(request, invite_form=form))
    try:
        issued = services.partner_invitation_create(
            inviter=request.user,
            email=form.cleaned_data["email"],
            base_url=request.build_absolute_uri("/"),
        )
    except CoupleError as error:
        if request.htmx:
            return _invite_card(request, invite_form=form, error=error.message)
        messages.error(request, error.message)
        return redirect("couple")
    _issued_remember(request, Invitation.Kind.PARTNER, issued)
    if request.htmx:
        return _invite_card(request)
    if form.cleaned_data["email"]:
        messages.success(request, "Your invitation is ready, and we sent it by e-mail too.")
    else:
        messages.success(request, "Your invitation is ready. Pass on the link or the code.")
    return redirect("couple")


@require_POST
@person_required
def invitation_cancel(request):
    try:
        services.invitation_cancel(person=request.user)
    except CoupleError as error:
        if request.htmx:
            return _invite_card(request, error=error.message)
        messages.error(request, error.message)
        return redirect("couple")
    _issued_forget(request, Invitation.Kind.PARTNER)
    if request.htmx:
        return _invite_card(request)
    messages.success(request, "Your invitation is cancelled. The link and the code no longer work.")
    return redirect("couple")


@require_http_methods(["GET", "POST"])
@person_required
def couple_join(request):
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            couple = services.invitation_accept(
                person=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except CoupleError as error:
            form.add_error("code", error.message)
        else:
            _issued_forget(request, Invitation.Kind.PARTNER)
            partner = couple.partner_of(request.user)
            messages.success(request, f"You are now linked with {partner}.")
            return redirect("couple")
    return render(
        request,
        "couples/join.html",
        {"form": form, "already_linked": couple_of(request.user) is not None},
    )


def _link_refused(request, template: str, error: CoupleError, status: int = 404):
    """A link that cannot be used (404), or that we did not look up after many wrong ones (429)."""
    context = {"unusable": error.message, "throttled": status == 429}
    return render(request, template, context, status=status)


def invitation_link(request, token: str):
    """The neutral link sent by e-mail; it only forwards to the invitation page."""
    return redirect("invitation_accept", token=token)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """A partner's invitation link. Public, so someone without an account learns what to do."""
    user = request.user
    if user.is_authenticated and not user.is_person:
        return redirect("dashboard")
    if request.method == "POST" and not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ip = client_ip(request)
    try:
        invitation = services.invitation_open(
            kind=Invitation.Kind.PARTNER, token=token, person=user, ip=ip
        )
    except TooManyAttempts as error:
        return _link_refused(request, "couples/accept.html", error, status=429)
    except InvitationUnusable as error:
        return _link_refused(request, "couples/accept.html", error)
    context = {"invitation": invitation, "inviter_name": str(invitation.created_by)}
    if user.is_authenticated:
        try:
            services.partner_acceptance_check(person=user, invitation=invitation)
        except CoupleError as error:
            context["obstacle"] = error.message
    if request.method == "POST":
        try:
            couple = services.invitation_accept(person=user, token=token, ip=ip)
        except InvitationUnusable as error:
            return _link_refused(request, "couples/accept.html", error)
        except CoupleError as error:
            context["obstacle"] = error.message
        else:
            _issued_forget(request, Invitation.Kind.PARTNER)
            messages.success(request, f"You are now linked with {couple.partner_of(user)}.")
            return redirect("couple")
    return render(request, "couples/accept.html", context)


@require_http_methods(["GET", "POST"])
@person_required
def couple_unlink(request):
    if request.method == "POST":
        try:
            services.couple_unlink(person=request.user)
        except CoupleError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "You are no longer linked. You can invite a partner again at any time."
            )
        return redirect("couple")
    couple = couple_of(request.user)
    context = {
        "couple": couple,
        "partner": couple.partner_of(request.user) if couple else None,
        "connection": connection_of(couple),
    }
    return render(request, "couples/unlink.html", context)


# A couple and their therapist ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@person_required
def therapist_join(request):
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.therapist_connection_request(
                person=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except CoupleError as error:
            form.add_error("code", error.message)
        else:
            return _request_sent(request, connection)
    couple = couple_of(request.user)
    return render(
        request,
        "couples/therapist_join.html",
        {"form": form, "couple": couple, "connection": connection_of(couple)},
    )


def _request_sent(request, connection):
    messages.success(
        request,
        f"Your request to connect with {connection.therapist} is sent. "
        "It starts once your partner agrees too.",
    )
    return redirect("couple")


@require_http_methods(["GET", "POST"])
@person_required
def therapist_join_link(request, token: str):
    ip = client_ip(request)
    try:
        invitation = services.invitation_open(
            kind=Invitation.Kind.THERAPIST, token=token, person=request.user, ip=ip
        )
    except TooManyAttempts as error:
        return _link_refused(request, "couples/therapist_link.html", error, status=429)
    except InvitationUnusable as error:
        return _link_refused(request, "couples/therapist_link.html", error)
    therapist = invitation.created_by
    profile = getattr(therapist, "professional_profile", None)
    context = {
        "invitation": invitation,
        "therapist": therapist,
        "certification": profile.get_certification_level_display() if profile else "",
    }
    try:
        services.therapist_request_check(person=request.user, invitation=invitation)
    except CoupleError as error:
        context["obstacle"] = error.message
    if request.method == "POST":
        try:
            connection = services.therapist_connection_request(
                person=request.user, token=token, ip=ip
            )
        except InvitationUnusable as error:
            return _link_refused(request, "couples/therapist_link.html", error)
        except CoupleError as error:
            context["obstacle"] = error.message
        else:
            return _request_sent(request, connection)
    return render(request, "couples/therapist_link.html", context)


@require_POST
@person_required
def therapist_consent(request):
    try:
        connection = services.therapist_connection_consent(person=request.user)
    except CoupleError as error:
        messages.error(request, error.message)
    else:
        if connection.active_since:
            messages.success(request, f"You are both connected with {connection.therapist} now.")
        else:
            messages.success(request, "Thank you. Your partner's consent is still needed.")
    return redirect("couple")


@require_POST
@person_required
def therapist_decline(request):
    try:
        services.therapist_connection_decline(person=request.user)
    except CoupleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The request is declined. Nothing was shared.")
    return redirect("couple")


@require_http_methods(["GET", "POST"])
@person_required
def therapist_end(request):
    if request.method == "POST":
        try:
            connection = services.therapist_connection_end(person=request.user)
        except CoupleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Your connection with {connection.therapist} has ended.")
        return redirect("couple")
    connection = connection_of(couple_of(request.user))
    return render(request, "couples/therapist_end.html", {"connection": connection})


# The therapist's practice ----------------------------------------------------------------


def _practice_context(request) -> dict:
    therapist = request.user
    newest_open = open_therapist_invitations(therapist).order_by("-created_at").first()
    return {
        "verified": therapist.is_verified_therapist,
        "issued": _issued_recall(request, Invitation.Kind.THERAPIST, newest_open),
        "open_invitations": open_therapist_invitations(therapist).order_by("expires_at"),
        "connections": active_connections_for_therapist(therapist),
        "pending": pending_connections_for_therapist(therapist),
    }


@therapist_required
def practice(request):
    return render(request, "couples/practice.html", _practice_context(request))


@require_POST
@therapist_required
def practice_invite(request):
    try:
        issued = services.therapist_invitation_create(therapist=request.user)
    except CoupleError as error:
        if request.htmx:
            context = _practice_context(request) | {"invite_error": error.message}
            return render(request, "couples/practice.html#practice-invite", context)
        messages.error(request, error.message)
        return redirect("practice")
    _issued_remember(request, Invitation.Kind.THERAPIST, issued)
    if request.htmx:
        return render(request, "couples/practice.html#practice-invite", _practice_context(request))
    messages.success(request, "Your invitation is ready. Give the couple the link or the code.")
    return redirect("practice")


@therapist_required
def practice_couple(request, couple_id: int):
    couple = get_couple_for_therapist(request.user, couple_id)
    return _practice_couple_page(request, couple)


def _practice_couple_page(request, couple, *, balance_form=None):
    therapist = request.user
    partners = couple.partners()
    entries = list(
        entries_readable_by(therapist).filter(couple=couple, visibility=Visibility.THERAPIST)
    )
    shown = []
    for partner in partners:
        own = [entry for entry in entries if entry.author_id == partner.pk]
        if own:
            # The record of who looked is written before anything is shown.
            audit_record(
                actor=therapist,
                subject=partner,
                action="view",
                what="journal entries shared with therapist",
            )
        shown.append({"partner": partner, "entries": own})
    limits = balance_limits_for(couple)
    if balance_form is None:
        balance_form = BalanceLimitsForm(initial={"minutes": limits.minutes, "turns": limits.turns})
    context = {
        "couple": couple,
        "partners": partners,
        "connection": connection_of(couple),
        "shown": shown,
        "limits": limits,
        "limits_are_default": limits == DEFAULT_LIMITS,
        "balance_form": balance_form,
    }
    return render(request, "couples/practice_couple.html", context)


@require_POST
@therapist_required
def practice_couple_balance(request, couple_id: int):
    """The therapist sets the limits for the balance nudge in this couple's dialogues."""
    couple = get_couple_for_therapist(request.user, couple_id)
    form = BalanceLimitsForm(request.POST)
    if form.is_valid():
        try:
            services.therapist_balance_set(
                therapist=request.user,
                couple=couple,
                minutes=form.cleaned_data["minutes"],
                turns=form.cleaned_data["turns"],
            )
        except CoupleError as error:
            form.add_error(None, error.message)
        else:
            # A dialogue open now takes the new limits at once: its screens read it again.
            # (Imported here: the dialogues app builds on this one.)
            from imago.dialogues.consumers import room_changed
            from imago.dialogues.models import Dialogue

            for dialogue in Dialogue.objects.for_couple(couple).open():
                room_changed(dialogue.pk)
            limits = balance_limits_for(couple)
            messages.success(
                request,
                f"Saved. The room now suggests appreciations after {limits.minutes} minutes "
                f"or {limits.turns} turns on a frustration.",
            )
            return redirect("practice_couple", couple_id=couple.pk)
    # A bad value: the page again, with the form's words about what to fix; nothing changed.
    return _practice_couple_page(request, couple, balance_form=form)


@require_http_methods(["GET", "POST"])
@therapist_required
def practice_couple_end(request, couple_id: int):
    """The therapist ends a connection from their side, after a confirmation page."""
    therapist = request.user
    couple = get_couple_for_therapist(therapist, couple_id)
    names = " and ".join(str(partner) for partner in couple.partners())
    if request.method == "POST":
        try:
            services.therapist_connection_end(person=therapist, couple=couple)
        except CoupleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Your connection with {names} has ended.")
        return redirect("practice")
    return render(request, "couples/practice_couple_end.html", {"couple": couple, "names": names})
