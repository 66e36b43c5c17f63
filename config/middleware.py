"""Request plumbing that belongs to no app."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse


class ItalianFirstLocaleMiddleware(LocaleMiddleware):
    """Italian unless the visitor chose otherwise with the language switch.

    The browser's Accept-Language is ignored: the network's people are Italian
    and many use browsers set up in English; English stays one click away.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the Wagtail admin's additions.

    The site's policy (``CONTENT_SECURITY_POLICY``) is applied everywhere. Under
    the Wagtail admin (``/admin/``) the directives of ``CSP_ADMIN_REPLACE``
    replace the site's: the admin's templates and scripts are Wagtail's, not
    ours, and need inline scripts and styles.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(_admin_prefix()):
            replace = dict(getattr(settings, "CSP_ADMIN_REPLACE", None) or {})
            replace.update(parts.replace or {})
            parts.replace = replace
        return parts


def _admin_prefix():
    return reverse("wagtailadmin_home")
