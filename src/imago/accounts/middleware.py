from django.shortcuts import redirect
from django.urls import reverse


class RequireTwoFactorMiddleware:
    """Therapists and administrators use the site only after a second factor.

    Without a confirmed device they are sent to set one up; with one, to enter a code. Logging
    out, the quick exit's neutral page and static files stay reachable.
    """

    ALLOWED_NAMES = ("two_factor", "two_factor_verify", "logout", "neutral", "home")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_two_factor
            and not user.is_verified()
            and not self._allowed(request.path_info)
        ):
            return redirect(f"{reverse('two_factor_verify')}?next={request.get_full_path()}")
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        from django.conf import settings

        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        return any(path == reverse(name) for name in self.ALLOWED_NAMES)
