"""A small cache-based rate limit, per client address."""

from django.conf import settings
from django.core.cache import cache

from crm.security.client import client_ip

# (attempts, seconds): generous for people, tight for scripts.
DEFAULT_LIMIT = (10, 3600)


def client_address(request) -> str:
    """Read as the lockout and the login limits read it (behind the configured
    number of trusted proxies: ``TRUSTED_PROXY_COUNT``)."""
    return client_ip(request)


def allow(scope: str, ident: str, *, limit: tuple[int, int] | None = None) -> bool:
    """Count one attempt for ``ident``; False once the limit is passed.

    ``limit`` is (attempts, seconds); default ``CMS_REGISTRATION_RATE_LIMIT``.
    """
    attempts, window = limit or getattr(
        settings, "CMS_REGISTRATION_RATE_LIMIT", DEFAULT_LIMIT
    )
    key = f"cms-ratelimit:{scope}:{ident}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= attempts
