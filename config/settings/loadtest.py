"""The load test (`make load`): production settings, served over plain HTTP on loopback.

Everything comes from ``production`` (PostgreSQL, DEBUG off, the database task
worker, manifest static files, the same middleware) except what one machine
hammering itself on 127.0.0.1 cannot honour. Each difference below says why; the
production defaults are untouched.
"""

from .base import BASE_DIR, env_str
from .production import *  # noqa: F403
from .production import ACCOUNT_RATE_LIMITS

# No TLS on loopback: secure-only cookies would never come back over http://, and
# an HTTPS redirect or HSTS has nothing to point at. A reverse proxy terminates
# TLS in production; here locust talks to gunicorn directly.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False

# Every simulated visitor comes from the same address, 127.0.0.1, whereas real
# visitors come from many. The per-address limits are raised so they measure the
# app rather than refuse the test; the mechanisms stay on (per-account lockout by
# django-axes, allauth's failed-login limit, the honeypot).
#   - public registration form: 10 per hour per address in production;
CMS_REGISTRATION_RATE_LIMIT = (1_000_000, 3600)
#   - allauth logins: 30 per minute per address by default.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "100000/m/ip"}
# django-axes needs nothing: it counts failed logins per account and address, and
# the simulated members and coordinators log in with the right password. allauth
# refuses a two-factor code used twice: the locust users wait for the next code.

# The run's own folders under var/load/, so a load run never touches the static
# files, media or mail of a developer's `make run`.
LOAD_DIR = BASE_DIR / "var" / "load"
STATIC_ROOT = LOAD_DIR / "static"

# Registration emails are written to files (counted by the runner) instead of an
# SMTP server that does not exist on a test machine.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(LOAD_DIR / "mail")
