from allauth.account.views import LogoutView
from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms.sitemaps import PageSitemap
from config.health import favicon, healthz
from config.media import public_media_urls
from crm.views import doors
from pact.sitemaps import PactSitemap

SITEMAPS = {"pages": PageSitemap, "pact": PactSitemap}

# One way in: Wagtail's login, logout and password-reset pages, and the login of
# its private pages, hand over to allauth's. These come before Wagtail's URLs.
handover_urls = [
    path("admin/login/", doors.admin_login, name="admin_login_handover"),
    # allauth's logout: a POST ends the session, a GET only asks.
    path("admin/logout/", LogoutView.as_view(), name="admin_logout_handover"),
    re_path(
        r"^admin/password_reset/(?P<rest>.*)$",
        doors.password_reset,
        name="admin_password_reset_handover",
    ),
    path("_util/login/", doors.frontend_login, name="frontend_login_handover"),
    # allauth's own password change, which asks only the old password, with a
    # fresh re-authentication first (the second factor, for whoever has one).
    # allauth's activation of an authenticator app, which also completes the
    # session of someone who had to enrol before anything else.
    path("account/2fa/totp/activate/", doors.activate_app, name="mfa_activate_totp"),
    path(
        "account/password/change/",
        doors.password_change,
        name="account_change_password",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for it on PDFs and feeds too, where no <link rel="icon"> is.
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    *handover_urls,
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("account/", include("allauth.urls")),
    path("", include("crm.urls")),
    path("", include("pact.urls")),
    path("", include("cms.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

if settings.DEBUG:
    # Only Wagtail's public images: signed pacts and scans are private files,
    # served by the views that check permissions, in every setting.
    urlpatterns += public_media_urls()

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns.append(path("", include(wagtail_urls)))
