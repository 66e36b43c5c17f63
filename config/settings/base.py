"""Settings shared by every environment. Environment-specific files import this."""

import zoneinfo
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Project apps first so their templates and translations win.
    "crm",
    "cms",
    "pact",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    # wagtail.users, with a user admin that leaves emails, passwords and roles
    # to their own verified and recorded flows.
    "crm.backoffice.users_app.UsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "guardian",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "bootstrap_italia_template",
    "csp",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ItalianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages seen while logged in: Cache-Control: private, no-store.
    "crm.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (see CONTENT_SECURITY_POLICY).
    "config.middleware.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A session opens nothing that needs a login until its login is complete:
    # verified email, and a second factor for whoever can reach the back office.
    "crm.middleware.SecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes last, as its documentation requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first so a locked-out client is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]

_PV = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_PV}.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Italian first, English kept in step.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("it", _("Italian"))]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Lucca In famiglia <rete@luccainfamiglia.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Wagtail
WAGTAIL_SITE_NAME = "Lucca In famiglia"
WAGTAILADMIN_BASE_URL = SITE_URL
# One way in: Wagtail's login pages hand over to allauth's (crm.views.doors);
# passwords and emails change through allauth only.
WAGTAILADMIN_LOGIN_URL = "admin_login_handover"
WAGTAIL_FRONTEND_LOGIN_URL = "frontend_login_handover"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "txt", "csv"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Accounts (django-allauth)
SITE_ID = 1
LOGIN_URL = "account_login"
# Each persona lands where their work is (crm.areas.landing_url).
LOGIN_REDIRECT_URL = "crm:landing"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lucca In famiglia] "
ACCOUNT_ADAPTER = "crm.security.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "crm.security.forms.LoginForm"}
# Neither a password reset nor an email confirmation logs anyone in: a login is
# the login form, with its second factor.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_GET = False
# One login email per account; a new one replaces it once verified, so
# User.email is always a verified address (crm.security.signals guards it).
ACCOUNT_CHANGE_EMAIL = True
# Changing the email, the password or the second factor asks again who you are:
# with an authenticator app, its code (crm.security.adapters).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password, email, second factor changed
MFA_ADAPTER = "crm.security.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "crm.security.forms.AuthenticateForm",
    "reauthenticate": "crm.security.forms.ReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Lucca In famiglia"
# allauth refuses by default to add an email or an authenticator while an
# address is unverified, because an unverified sign-up could otherwise lock the
# real owner out. Here an unverified account never logs in (mandatory
# verification, one door), and a coordinator must be able to change their
# email: it is verified by its link before it replaces the old one.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Lockout (django-axes)
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# allauth authenticates with ``email=``: axes must read the username from there.
AXES_USERNAME_CALLABLE = "crm.middleware.axes_username"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "code"]
# One lockout mechanism (axes), with its own page and an unlock view. Wrong
# second-factor codes count too: five end the attempt, which counts as one
# failed login (crm.security.forms).
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# The client's address behind the reverse proxy. X-Forwarded-For is read only
# through this many proxies of our own (0: ignored, REMOTE_ADDR counts): the
# lockout, allauth's rate limits and the public forms read it the same way
# (crm.security.client).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
AXES_CLIENT_IP_CALLABLE = "crm.security.client.client_ip"

# Object permissions (django-guardian)
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Background work (django-tasks). Embedded default: run in-process.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "lucca-in-famiglia",
    }
}

# django-import-export: imports are all-or-nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Every page save enqueues a Wagtail task: their progress is noise, not news.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False

# Signed pacts: the network's seal (PEM key and certificate; sealing is skipped
# when the files do not exist) and the register that recognises signed documents.
SEAL_DIR = Path(env_str("SEAL_DIR") or BASE_DIR / "var" / "seal")
PACT_SEAL_KEY = Path(env_str("PACT_SEAL_KEY") or SEAL_DIR / "seal-key.pem")
PACT_SEAL_CERT = Path(env_str("PACT_SEAL_CERT") or SEAL_DIR / "seal-cert.pem")
# Production: the seal as a PKCS#12 file from a trust service provider (wins
# over the PEM pair) and its time-stamping authority (RFC 3161; PAdES B-T/B-LT).
PACT_SEAL_PKCS12 = env_str("PACT_SEAL_PKCS12") or ""
PACT_SEAL_PKCS12_PASSPHRASE = env_str("PACT_SEAL_PKCS12_PASSPHRASE") or ""
PACT_TSA_URL = env_str("PACT_TSA_URL") or ""
PACT_TSA_USERNAME = env_str("PACT_TSA_USERNAME") or ""
PACT_TSA_PASSWORD = env_str("PACT_TSA_PASSWORD") or ""
# PEM certificates a seal may chain to besides the instance's own seal (e.g.
# the previous seal after a renewal), and the roots of the TSA's certificate.
PACT_TRUST_ROOTS = env_list("PACT_TRUST_ROOTS")
PACT_TSA_ROOTS = env_list("PACT_TSA_ROOTS")
PACT_DOCUMENT_REGISTRY = "pact.services.signed_document_by_sha256"
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # nothing loaded from outside the site
# Exports, handover bundles and pending imports: personal data, never served.
PRIVATE_MEDIA_ROOT = Path(
    env_str("PRIVATE_MEDIA_ROOT") or MEDIA_ROOT.parent / "private"
)

# Content-Security-Policy (django-csp 4), enforced in every environment so that
# development and the tests meet the policy production sends. Scripts and
# styles come from our own static files; the few inline <script>/<style> blocks
# carry the per-request nonce (``{{ request.csp_nonce }}``), and nothing relies
# on inline event handlers or style="" attributes. QR codes are inline SVG or
# data: URIs. The Wagtail admin gets a wider policy: see
# config.middleware.ContentSecurityPolicyMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        # bootstrap-italia.min.css embeds one icon font as a data: URI.
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The services map (Leaflet, served from static/vendor): the tile server is a
# setting, none by default (no map, the list stands alone). When one is set,
# its origin (and nothing else) joins img-src.
MAP_TILE_URL = env_str("MAP_TILE_URL", "") or ""
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "") or ""
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    from django.core.exceptions import ImproperlyConfigured

    _tiles = urlsplit(MAP_TILE_URL)
    if (
        _tiles.scheme not in ("https", "http")
        or not _tiles.netloc
        or "{" in _tiles.netloc
    ):
        raise ImproperlyConfigured(
            "MAP_TILE_URL must be an http(s) URL on one host, such as "
            "https://tiles.example.org/{z}/{x}/{y}.png"
        )
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_tiles.scheme}://{_tiles.netloc}"
    )
# Coverage grids: the summer weeks and the school year ("MM-DD", "MM-DD").
COVERAGE_SUMMER = (
    env_str("COVERAGE_SUMMER_START", "06-01"),
    env_str("COVERAGE_SUMMER_END", "09-30"),
)
COVERAGE_SCHOOL_YEAR = (
    env_str("COVERAGE_SCHOOL_START", "09-15"),
    env_str("COVERAGE_SCHOOL_END", "06-10"),
)
# The Wagtail admin (/admin/) renders inline <script> blocks (widget
# definitions, page-editor state) and style attributes that carry no nonce, and
# its editor bundle inserts inline scripts and styles at run time. There,
# script-src and style-src are 'self' 'unsafe-inline' (a nonce beside
# 'unsafe-inline' would switch it off); every other directive stays. The admin
# is reachable only after login with a second factor for coordinators.
# Its live preview frames admin URLs, hence frame-ancestors 'self' there.
CSP_ADMIN_REPLACE = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
}
# Wagtail's account page offers every zone zoneinfo knows; on Debian that
# includes "localtime", which browsers reject, breaking the page's script.
WAGTAIL_USER_TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime"})
