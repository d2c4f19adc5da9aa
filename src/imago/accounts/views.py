"""Account pages. Each view checks who is asking, calls a service, and renders."""

from __future__ import annotations

import json

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from imago.accounts import services
from imago.accounts.forms import (
    AccountDeleteForm,
    LoginForm,
    PasswordCheckForm,
    ProfessionalForm,
    SignupForm,
    TOTPConfirmForm,
    VerifyForm,
)
from imago.accounts.middleware import forget_device_state
from imago.accounts.models import PROFESSIONAL_ROLES
from imago.accounts.services import AccountError

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_or_none(request) -> str | None:
    """The `next` parameter, only if it is a path on this site.

    It must start with "/": redirect() would read a bare word as a URL name and fail.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _next_or(request, default: str) -> str:
    return _next_or_none(request) or reverse(default)


def _with_next(name: str, next_url: str | None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _login_url(request) -> str:
    return _with_next("login", _next_or_none(request))


# Sign up, log in, passwords --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(_next_or(request, "dashboard"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_signup(
                email=data["email"],
                display_name=data["display_name"],
                password=data["password1"],
                role=data["role"],
                certification_level=data["certification_level"],
                credentials=data["credentials"],
            )
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            auth_login(request, user, backend=MODEL_BACKEND)
            if user.role in PROFESSIONAL_ROLES:
                messages.success(
                    request,
                    "Welcome. An administrator will check your credentials before anything "
                    "clinical opens for you. Your account page shows where this stands.",
                )
            else:
                messages.success(request, "Welcome. Your account is ready.")
            return redirect(_next_or(request, "dashboard"))
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_or_none(request), "login_url": _login_url(request)},
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signup_url"] = _with_next("signup", _next_or_none(self.request))
        return context


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A person locked out after wrong guesses is told to reset; that should let them in.
        axes_reset(username=self.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# Account overview ------------------------------------------------------------------------------


@login_required
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "profile": getattr(user, "professional_profile", None),
            "two_factor_on": services.has_confirmed_totp(user),
            "backup_codes_left": services.backup_codes_left(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_professional(request):
    user = request.user
    profile = getattr(user, "professional_profile", None)
    if user.role not in PROFESSIONAL_ROLES or (profile and profile.verified_at):
        return redirect("account")
    initial = (
        {"certification_level": profile.certification_level, "credentials": profile.credentials}
        if profile
        else None
    )
    form = ProfessionalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.professional_profile_submit(user=user, **form.cleaned_data)
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Thank you. An administrator will check your details.")
            return redirect("account")
    return render(request, "accounts/professional.html", {"form": form})


# Two-factor ------------------------------------------------------------------------------------


def _two_factor_status(request, *, disable_form=None, status: int = 200):
    user = request.user
    return render(
        request,
        "accounts/two_factor_status.html",
        {
            "backup_codes_left": services.backup_codes_left(user),
            "can_disable": not user.needs_two_factor,
            "disable_form": disable_form or PasswordCheckForm(user=user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    user = request.user
    next_url = _next_or_none(request)
    if services.has_confirmed_totp(user):
        if not user.is_verified():
            # Nobody adds a device to an account without first passing the one it has.
            return redirect(_with_next("two_factor_verify", request.get_full_path()))
        return _two_factor_status(request)
    device = services.totp_device_pending(user=user)
    form = TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            otp_login(request, device)
            forget_device_state(request)
            codes = services.backup_codes_create(user=user)
            messages.success(request, "Two-factor sign-in is on.")
            return render(
                request,
                "accounts/two_factor_backup_codes.html",
                {"codes": codes, "continue_url": next_url or reverse("account")},
            )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_data_uri": services.totp_qr_data_uri(device),
            "secret": services.totp_secret(device),
            "required": user.needs_two_factor,
            "next": next_url,
        },
    )


@login_required
@require_POST
def two_factor_backup_codes(request):
    try:
        codes = services.backup_codes_create(user=request.user)
    except AccountError as error:
        messages.error(request, error.message)
        return redirect("two_factor")
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "continue_url": reverse("two_factor")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    next_url = _next_or(request, "dashboard")
    if user.is_verified():
        return redirect(next_url)
    if not user_has_device(user):
        return redirect(_with_next("two_factor", _next_or_none(request)))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_check(user=user, code=form.cleaned_data["code"])
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = services.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code. {left} left; you can make new ones on the "
                    "two-factor page.",
                )
            return redirect(next_url)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_or_none(request)}
    )


@login_required
@require_POST
def two_factor_disable(request):
    user = request.user
    if user.needs_two_factor:
        messages.error(
            request,
            "Therapists and administrators keep two-factor sign-in on, to protect the people "
            "whose information they can see.",
        )
        return redirect("two_factor")
    form = PasswordCheckForm(request.POST, user=user)
    if not form.is_valid():
        return _two_factor_status(request, disable_form=form)
    try:
        services.two_factor_disable(user=user)
    except AccountError as error:
        messages.error(request, error.message)
        return redirect("two_factor")
    forget_device_state(request)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("account")


# Your data -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def account_export(request):
    data = services.person_export(person=request.user)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"imago-export-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    from imago.couples.selectors import couple_of

    user = request.user
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        auth_logout(request)
        services.account_delete(person=user)
        messages.success(request, "Your account and your entries are deleted. Take care.")
        return redirect("home")
    return render(
        request,
        "accounts/delete.html",
        {"form": form, "in_couple": couple_of(user) is not None},
    )
