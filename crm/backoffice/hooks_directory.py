"""The “Servizi” menu group: services, their periods and closures, coverage."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import policy_registry, register_permission_policy

from crm.backoffice.directory import (
    ClosureViewSet,
    CoverageViewSet,
    PeriodPolicy,
    PeriodViewSet,
    ServicePolicy,
    ServiceViewSet,
)
from crm.models import Closure, OpeningPeriod, Service

# Registered before the viewsets ask for them.
for _model, _policy in (
    (Service, ServicePolicy(Service)),
    (OpeningPeriod, PeriodPolicy(OpeningPeriod)),
    (Closure, PeriodPolicy(Closure)),
):
    if not isinstance(
        policy_registry.get_by_type(_model, fallback=False), type(_policy)
    ):
        register_permission_policy(_model, _policy)


class DirectoryGroup(ModelViewSetGroup):
    menu_label = _("Services")
    menu_icon = "calendar-alt"
    menu_order = 160
    items = (
        ServiceViewSet("crm_service", url_prefix="servizi/elenco"),
        CoverageViewSet("crm_coverage", url_prefix="servizi/copertura"),
    )


@hooks.register("register_admin_viewset")
def register_directory_viewsets():
    return [
        DirectoryGroup(),
        PeriodViewSet("crm_service_period", url_prefix="servizi/periodi"),
        ClosureViewSet("crm_service_closure", url_prefix="servizi/chiusure"),
    ]
