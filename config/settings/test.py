"""Fast, isolated tests: MD5 hasher, locmem email and cache, immediate tasks."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env_str

DEBUG = False
SECRET_KEY = "test-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A suffix lets several test runs share one machine without sharing a database.
_SUFFIX = env_str("TEST_DB_SUFFIX", "")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test{_SUFFIX}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_lucca_in_famiglia{_SUFFIX}"}
    # A test that leaves a queryset .iterator() half-read leaves a named cursor
    # whose garbage collection, during a later test, aborted that test's
    # transaction. Client-side cursors read the same rows; production keeps
    # PostgreSQL's server-side ones.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
WAGTAILADMIN_BASE_URL = "http://testserver"
SITE_URL = "http://testserver"
