"""Who is asking, for the throttles that count by address (login and invitation codes).

django-axes calls client_ip too (settings.AXES_CLIENT_IP_CALLABLE), so both throttles always
agree about who the client is.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies (IMAGO_PROXY_COUNT) the
    N-th address from the right of X-Forwarded-For.

    Each proxy appends the address it saw, so the right-most entries are written by our own
    proxies and cannot be forged by the client; anything further left can.
    """
    count = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None
