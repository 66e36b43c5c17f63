"""The client's address: one reading for the lockout, the login limits and the
public forms.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (each appending the address it
received the request from to ``X-Forwarded-For``) the client is the entry that
the outermost trusted proxy wrote, read from the right; what a client writes
into the header itself lies further left and is ignored. With no trusted proxy
the header is ignored altogether and the connection's address counts.
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address rate limits and lockouts count against."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) < count:
            # Fewer hops than proxies: the setting does not describe the
            # deployment, and guessing would let clients choose their address.
            raise ImproperlyConfigured(
                "TRUSTED_PROXY_COUNT is larger than the X-Forwarded-For chain."
            )
        address = _clean(hops[-count])
        if address:
            return address
    return _clean(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
