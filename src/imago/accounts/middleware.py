from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

SESSION_KEY = "imago_has_otp_device"


def forget_device_state(request) -> None:
    request.session.pop(SESSION_KEY, None)


class RequireTwoFactorMiddleware:
    """Therapists and administrators use the site only after a second factor.

    Without a confirmed device they are sent to set one up; with one, to enter a code. Anyone
    else who chose to turn two-factor on is asked for a code too, or turning it on would
    protect nothing. Logging out, the quick exit's neutral page and static files stay
    reachable.
    """

    ALLOWED_NAMES = (
        "two_factor",
        "two_factor_verify",
        "logout",
        "neutral",
        "home",
        "robots_txt",
        "api-1.0.0:health",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed_paths: set[str] | None = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._allowed(request.path_info)
        ):
            has_device = self._has_device(request)
            if has_device or user.needs_two_factor:
                if request.path_info.startswith("/api/"):
                    # An API client cannot follow a redirect to a form: say what is missing.
                    return JsonResponse(
                        {"detail": "Two-factor verification is required. Log in on the site."},
                        status=401,
                    )
                target = "two_factor_verify" if has_device else "two_factor"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _has_device(request) -> bool:
        # Remembered per session, so people without two-factor do not cost a query on every
        # request. The views that add or remove a device call forget_device_state().
        user = request.user
        remembered = request.session.get(SESSION_KEY)
        if remembered and remembered[0] == user.pk:
            return remembered[1]
        has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        request.session[SESSION_KEY] = [user.pk, has_device]
        return has_device

    def _allowed(self, path: str) -> bool:
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        if self._allowed_paths is None:
            paths = set()
            for name in self.ALLOWED_NAMES:
                try:
                    paths.add(reverse(name))
                except NoReverseMatch:
                    # A page another app has not defined yet must not break every request.
                    continue
            self._allowed_paths = paths
        return path in self._allowed_paths
