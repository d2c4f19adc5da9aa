"""Which role a page is for. Another role is sent to its own dashboard, not shown an error:
a therapist who follows a partner's link has simply come to the wrong door."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from imago.accounts.models import Role


def role_required(role: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role != role:
                return redirect("dashboard")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


person_required = role_required(Role.PERSON)
therapist_required = role_required(Role.THERAPIST)
