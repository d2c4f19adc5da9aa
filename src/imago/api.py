"""The JSON API, for other clients than the browser pages. OpenAPI 3 at /api/openapi.json.

Session authentication (the same login as the site; anonymous callers get 401) with Django's
CSRF check on every unsafe method. The operations call the same services and selectors as the
pages, so a refusal reads the same here, and a therapist's read is audited here too.

Errors: 401 not logged in, 403 not allowed for this role or CSRF missing, 404 not found (the
same answer for "does not exist" and "not yours"), all as {"detail": "..."}. Bad input is 422
(400 when the body is not JSON at all), always in one shape, whether the schema or a service
refused it: {"detail": [{"field": "text", "message": "..."}]} ("field" null: the whole body).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django_otp import user_has_device
from ninja import NinjaAPI, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.security import django_auth

from imago.couples.selectors import connection_of, couple_of
from imago.journal.models import JournalEntry
from imago.journal.selectors import entries_readable_by
from imago.journal.services import (
    NOT_A_PERSON,
    JournalError,
    journal_entries_read,
    journal_entry_create,
    journal_entry_read,
)

# The interactive docs page is left out: ninja serves it from a CDN with inline set-up, which
# the strict CSP forbids and which would send visitors to a third party. openapi.json stays,
# public, because it describes the API without holding any data.
api = NinjaAPI(title="imago API", version="1.0.0", auth=django_auth, docs_url=None)


class FieldError(Schema):
    field: str | None
    message: str


class ErrorsOut(Schema):
    detail: list[FieldError]


class DetailOut(Schema):
    detail: str


class HealthOut(Schema):
    status: str


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    role: str
    verified: bool | None  # professionals only; null for everyone else
    two_factor: bool


class PersonOut(Schema):
    display_name: str


class TherapistOut(Schema):
    display_name: str
    state: Literal["pending", "active"]


class CoupleOut(Schema):
    linked: bool
    partner: PersonOut | None
    since: datetime | None
    therapist: TherapistOut | None


class EntryOut(Schema):
    id: int
    author: PersonOut
    is_mine: bool
    visibility: Literal["private", "partner", "therapist"]
    text: str
    created_at: datetime


class EntryIn(Schema):
    text: str
    visibility: Literal["private", "partner", "therapist"] = "private"


def _field_of(loc) -> str | None:
    # ninja's loc is (source, parameter name, field...): ("body", "payload", "text").
    rest = [str(part) for part in loc[2:]]
    return ".".join(rest) or None


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = [{"field": _field_of(e.get("loc", ())), "message": e["msg"]} for e in exc.errors]
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        # ninja's only 400 is a body it cannot parse; bad input keeps the one error shape.
        errors = [{"field": None, "message": "The request body is not valid JSON."}]
        return api.create_response(request, {"detail": errors}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(JournalError)
def _journal_error(request, exc: JournalError):
    return api.create_response(
        request, {"detail": [{"field": exc.field, "message": exc.message}]}, status=422
    )


def _entry_out(entry: JournalEntry, user) -> dict:
    return {
        "id": entry.pk,
        "author": {"display_name": entry.author.display_name},
        "is_mine": entry.author_id == user.pk,
        "visibility": entry.visibility,
        "text": entry.text,
        "created_at": entry.created_at,
    }


@api.get("/health", auth=None, response=HealthOut, url_name="health")
def health(request):
    return {"status": "ok"}


@api.get("/me", response=MeOut, url_name="me")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "verified": None if user.is_person else user.professional_verified,
        "two_factor": user_has_device(user, confirmed=True),
    }


@api.get("/couple", response=CoupleOut, url_name="couple")
def couple(request):
    user = request.auth
    current = couple_of(user)
    if current is None:
        return {"linked": False, "partner": None, "since": None, "therapist": None}
    partner = current.partner_of(user)
    connection = connection_of(current)
    therapist = None
    if connection is not None:
        therapist = {
            "display_name": connection.therapist.display_name,
            "state": "active" if connection.is_active else "pending",
        }
    return {
        "linked": True,
        "partner": {"display_name": partner.display_name} if partner else None,
        "since": current.created_at,
        "therapist": therapist,
    }


@api.get("/journal", response=list[EntryOut], url_name="journal_list")
def journal_list(request):
    user = request.auth
    entries = entries_readable_by(user).order_by("-created_at")
    return [_entry_out(e, user) for e in journal_entries_read(reader=user, entries=entries)]


@api.post(
    "/journal",
    response={201: EntryOut, 403: DetailOut, 422: ErrorsOut},
    url_name="journal_create",
)
def journal_create(request, payload: EntryIn):
    user = request.auth
    if not user.is_person:
        raise HttpError(403, NOT_A_PERSON)
    entry = journal_entry_create(author=user, text=payload.text, visibility=payload.visibility)
    return Status(201, _entry_out(entry, user))


@api.get(
    "/journal/{int:entry_id}",
    response={200: EntryOut, 404: DetailOut},
    url_name="journal_detail",
)
def journal_detail(request, entry_id: int):
    user = request.auth
    entry = journal_entry_read(reader=user, pk=entry_id)
    return _entry_out(entry, user)
