"""Back office: the adhesions' commitments beside the services actually offered
(a menu item and a view, registered as Wagtail hooks). Coordinators only."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks

from pact.commitments import commitments_and_services
from pact.views.handover_admin import PermissionMenuItem

PERMISSION = "pact.view_adhesion"


def commitments_view(request):
    if not (
        request.user.has_perm(PERMISSION) and request.user.has_perm("crm.view_service")
    ):
        raise PermissionDenied
    rows = commitments_and_services()
    context = {
        "rows": rows,
        "promised_missing": sum(1 for r in rows if r["promised"] and not r["services"]),
        "offered_unpromised": sum(
            1 for r in rows if r["services"] and not r["promised"]
        ),
    }
    return TemplateResponse(request, "pact/admin/commitments.html", context)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("pact/impegni-e-servizi/", commitments_view, name="pact_commitments")]


@hooks.register("register_admin_menu_item")
def commitments_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Commitments and services"),
        reverse("pact_commitments"),
        icon_name="tasks",
        order=253,
        permission=PERMISSION,
    )
