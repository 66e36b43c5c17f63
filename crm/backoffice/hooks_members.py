"""The "Rete" menu group of the Wagtail admin, the dashboard and duplicates."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from crm.backoffice.dashboard import NetworkDashboardPanel
from crm.backoffice.duplicates import DuplicatesViewSet
from crm.backoffice.importing_views import MemberImportViewSet
from crm.backoffice.spreadsheet_import import SpreadsheetImportViewSet
from crm.backoffice.viewsets import (
    AffiliationViewSet,
    ChildViewSet,
    DataExportLogViewSet,
    InteractionViewSet,
    MunicipalityViewSet,
    ReadOnlyPolicy,
    TopicViewSet,
)
from crm.backoffice.viewsets_members import MemberViewSet, PersonViewSet
from crm.models import DataExportLog

# Written by the system, never edited: registered before its viewset is.
register_permission_policy(DataExportLog, ReadOnlyPolicy(DataExportLog))


class NetworkGroup(ModelViewSetGroup):
    menu_label = _("Network")
    menu_icon = "group"
    menu_order = 150
    items = (
        MemberViewSet("crm_member", url_prefix="rete/soggetti"),
        PersonViewSet("crm_person", url_prefix="rete/persone"),
        InteractionViewSet("crm_interaction", url_prefix="rete/contatti"),
        TopicViewSet("crm_topic", url_prefix="rete/esigenze-offerte"),
        MunicipalityViewSet("crm_municipality", url_prefix="rete/comuni"),
        DuplicatesViewSet("crm_duplicates", url_prefix="rete/duplicati"),
        DataExportLogViewSet("crm_export_log", url_prefix="rete/esportazioni"),
        MemberImportViewSet("crm_import", url_prefix="rete/importa"),
    )


@hooks.register("register_admin_viewset")
def register_network_viewsets():
    return [
        NetworkGroup(),
        ChildViewSet("crm_child", url_prefix="rete/figli"),
        AffiliationViewSet("crm_affiliation", url_prefix="rete/affiliazioni"),
        SpreadsheetImportViewSet(
            "crm_spreadsheet_import", url_prefix="rete/importa-elenco"
        ),
    ]


@hooks.register("construct_homepage_panels")
def add_network_dashboard(request, panels):
    if request.user.has_perm("crm.view_member"):
        panels.insert(0, NetworkDashboardPanel())
