"""Who is asking, for throttles that count anonymous visitors by address."""

from __future__ import annotations

from axes.helpers import get_client_ip_address


def client_ip(request) -> str | None:
    """The client's address, resolved exactly as the login throttle (django-axes) resolves it.

    One place to configure for a proxy (AXES_CLIENT_IP_CALLABLE or the AXES_IPWARE_* settings),
    so the login throttle and the invitation throttle never disagree about who the client is.
    """
    return get_client_ip_address(request) or None
