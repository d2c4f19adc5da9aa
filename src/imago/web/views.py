"""The shell of the site: the public home page, one dashboard per role, the quick exit's
neutral page and robots.txt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from imago.accounts.models import ProfessionalProfile, Role
from imago.couples.selectors import connection_of, couple_of, couples_for_therapist
from imago.journal.selectors import recent_own_entries


@require_GET
def home(request):
    return render(request, "web/home.html")


@login_required
@require_GET
def dashboard(request):
    user = request.user
    if user.is_superuser or user.role == Role.ADMIN:
        return render(request, "web/dashboard_admin.html", _admin_context())
    if user.role == Role.THERAPIST:
        return render(request, "web/dashboard_therapist.html", _professional_context(user))
    if user.role in (Role.PRESENTER, Role.FACILITATOR):
        return render(request, "web/dashboard_presenter.html", _professional_context(user))
    return render(request, "web/dashboard_person.html", _person_context(user))


def _person_context(user) -> dict:
    couple = couple_of(user)
    return {
        "couple": couple,
        "partner": couple.partner_of(user) if couple else None,
        "connection": connection_of(couple),
        "recent_entries": recent_own_entries(user),
    }


def _professional_context(user) -> dict:
    profile = ProfessionalProfile.objects.filter(user=user).first()
    return {
        "profile": profile,
        "verified": user.professional_verified,
        # Counts only couples whose both partners consented; zero until verified.
        "couple_count": couples_for_therapist(user).count(),
    }


def _admin_context() -> dict:
    return {
        "awaiting_verification": ProfessionalProfile.objects.filter(
            verified_at__isnull=True
        ).count(),
    }


@require_GET
def neutral(request):
    # The quick exit lands here: a page that says nothing about this site, for anyone.
    return render(request, "web/neutral.html")


@require_GET
def robots_txt(request):
    # Nothing here is meant for search engines: the pages worth finding are behind a login,
    # and a listed home page could tell someone looking over a shoulder what the site is.
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
