"""Liveness/readiness probe for load balancers and monitoring."""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": {"reachable": False, "error": str(exc)}},
            status=503,
        )
    return JsonResponse(
        {"status": "ok", "database": {"reachable": True, "vendor": connection.vendor}}
    )


def favicon(request):
    """/favicon.ico, which browsers ask for on PDFs and feeds, is the site icon."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
