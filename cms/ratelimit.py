"""A small cache-based rate limit, per client address."""

from django.conf import settings
from django.core.cache import cache

# (attempts, seconds): generous for people, tight for scripts.
DEFAULT_LIMIT = (10, 3600)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, ident: str) -> bool:
    """Count one attempt for ``ident``; False once the limit is passed."""
    attempts, window = getattr(settings, "CMS_REGISTRATION_RATE_LIMIT", DEFAULT_LIMIT)
    key = f"cms-ratelimit:{scope}:{ident}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= attempts
