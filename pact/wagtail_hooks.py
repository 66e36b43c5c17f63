"""The “Pact” menu of the Wagtail admin: workshops, tables, contributions,
pacts and their versions, plus the seating, report, freeze and compare views."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton

from crm.backoffice.listing import ListQueryMixin
from pact import admin_views
from pact.adhesion_admin import AdhesionViewSet
from pact.adhesion_admin import admin_urls as adhesion_admin_urls
from pact.admin_forms import PactVersionAdminForm
from pact.models import (
    Contribution,
    FrozenVersionError,
    Pact,
    PactVersion,
    ThematicTable,
    Workshop,
)
from pact.selectors import articles_citing


def link_column(name, label, url_name, text):
    return Column(
        name,
        label=label,
        accessor=lambda obj: format_html(
            '<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), text
        ),
    )


class WorkshopViewSet(ListQueryMixin, ModelViewSet):
    model = Workshop
    icon = "group"
    menu_label = _("Workshops")
    add_to_admin_menu = False
    url_prefix = "pact/workshops"
    list_display = [
        "title",
        "event",
        link_column("seating", _("Tables"), "pact_seating", _("Seating")),
        link_column("pdf", _("Report"), "pact_report_pdf", "PDF"),
        link_column("xlsx", _("Data"), "pact_report_xlsx", "XLSX"),
    ]
    form_fields = ["event", "title", "description"]

    def get_queryset(self, request):
        return Workshop.objects.select_related("event")


class ThematicTableViewSet(ListQueryMixin, ModelViewSet):
    model = ThematicTable
    icon = "table"
    menu_label = _("Thematic tables")
    url_prefix = "pact/tables"
    list_display = ["title", "workshop", "room", "capacity", "closed_at"]
    list_filter = ["workshop"]
    search_fields = ["title", "room"]
    panels = [
        FieldPanel("workshop"),
        FieldPanel("title"),
        FieldPanel("room"),
        FieldPanel("capacity"),
        FieldPanel("sort_order"),
        FieldPanel("topics"),
        FieldPanel("facilitators"),
        FieldPanel("synthesis"),
    ]

    def get_queryset(self, request):
        return ThematicTable.objects.select_related("workshop")


class ContributionInspectView(generic.InspectView):
    def get_fields(self):
        return ["table", "kind", "text", "author", "topics", "taken_up_in"]

    def get_field_label(self, field_name, field):
        if field_name == "taken_up_in":
            return _("Taken up in")
        return super().get_field_label(field_name, field)

    def get_taken_up_in_display_value(self):
        articles = list(articles_citing(self.object))
        if not articles:
            return _("No article cites this contribution yet.")
        return format_html(
            "<ul>{}</ul>",
            format_html(
                "".join(
                    format_html(
                        '<li><a href="{}">{} — {}</a></li>',
                        admin_views.version_edit_url(article.version),
                        article.version,
                        article.title,
                    )
                    for article in articles
                )
            ),
        )


class ContributionViewSet(ListQueryMixin, ModelViewSet):
    model = Contribution
    icon = "openquote"
    menu_label = _("Contributions")
    url_prefix = "pact/contributions"
    inspect_view_enabled = True
    inspect_view_class = ContributionInspectView
    list_display = ["__str__", "kind", "table", "author", "created_at"]
    list_filter = ["kind", "table__workshop", "table"]
    search_fields = ["text"]
    form_fields = ["table", "kind", "text", "author", "topics"]

    def get_queryset(self, request):
        return Contribution.objects.select_related("table", "author")


class PactViewSet(ModelViewSet):
    model = Pact
    icon = "doc-full-inverse"
    menu_label = _("Pacts")
    url_prefix = "pact/pacts"
    list_display = ["title", "slug"]
    form_fields = ["title", "slug", "summary"]


class PactVersionEditView(generic.EditView):
    """Edit a draft; a frozen version shows why it cannot change, and its actions."""

    @cached_property
    def header_buttons(self):
        buttons = []
        version = self.object
        url = lambda name: reverse(name, args=[version.pk])  # noqa: E731
        if version.is_draft:
            buttons.append(
                HeaderButton(_("Open for signature"), url("pact_version_open"))
            )
        if version.status == "open":
            buttons.append(
                HeaderButton(_("Close signatures"), url("pact_version_close"))
            )
        buttons.append(HeaderButton(_("New draft from this"), url("pact_version_new")))
        buttons.append(HeaderButton(_("Compare"), url("pact_version_compare")))
        return buttons

    def dispatch(self, request, *args, **kwargs):
        # A frozen version has no form to fill in: its page shows the text
        # read-only, with what can still be done (a POST would only fail).
        version = get_object_or_404(PactVersion, pk=kwargs.get("pk"))
        if version.is_frozen:
            if request.method == "POST":
                messages.error(request, FrozenVersionError().messages[0])
            return redirect("pact_version_view", version.pk)
        return super().dispatch(request, *args, **kwargs)


class PactVersionDeleteView(generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        if self.object.is_frozen:
            messages.error(
                request, _("A version opened for signature can never be deleted.")
            )
            return redirect(admin_views.version_edit_url(self.object))
        return super().dispatch(request, *args, **kwargs)


class PactVersionViewSet(ListQueryMixin, ModelViewSet):
    model = PactVersion
    icon = "doc-full"
    menu_label = _("Pact versions")
    url_prefix = "pact/versions"
    edit_view_class = PactVersionEditView
    delete_view_class = PactVersionDeleteView
    copy_view_enabled = False
    list_display = ["__str__", "status", "effective_date", "opened_at", "text_sha256"]
    list_filter = ["pact", "status"]
    edit_handler = ObjectList(
        [
            FieldPanel("pact"),
            FieldPanel("effective_date"),
            FieldPanel("preamble"),
            InlinePanel("articles", heading=_("Articles"), label=_("Article")),
            InlinePanel(
                "network_roles", heading=_("Network roles"), label=_("Network role")
            ),
            MultiFieldPanel(
                [FieldPanel("duration_terms"), FieldPanel("renewal_terms")],
                heading=_("Duration and renewal"),
            ),
        ],
        base_form_class=PactVersionAdminForm,
    )

    def get_queryset(self, request):
        return PactVersion.objects.select_related("pact")


class PactViewSetGroup(ModelViewSetGroup):
    menu_label = _("Pact")
    menu_icon = "doc-full-inverse"
    menu_order = 250
    items = (
        WorkshopViewSet("pact_workshops"),
        ThematicTableViewSet("pact_tables"),
        ContributionViewSet("pact_contributions"),
        PactViewSet("pact_pacts"),
        PactVersionViewSet("pact_versions"),
        AdhesionViewSet("pact_adhesions"),
    )


@hooks.register("register_admin_viewset")
def register_viewsets():
    return PactViewSetGroup()


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "pact/workshops/<int:pk>/seating/",
            admin_views.WorkshopSeatingView.as_view(),
            name="pact_seating",
        ),
        path(
            "pact/workshops/<int:pk>/report.pdf",
            admin_views.workshop_report_pdf,
            name="pact_report_pdf",
        ),
        path(
            "pact/workshops/<int:pk>/report.xlsx",
            admin_views.workshop_report_xlsx,
            name="pact_report_xlsx",
        ),
        path(
            "pact/versions/<int:pk>/open/",
            admin_views.VersionOpenView.as_view(),
            name="pact_version_open",
        ),
        path(
            "pact/versions/<int:pk>/close/",
            admin_views.VersionCloseView.as_view(),
            name="pact_version_close",
        ),
        path(
            "pact/versions/<int:pk>/new-draft/",
            admin_views.VersionNewDraftView.as_view(),
            name="pact_version_new",
        ),
        path(
            "pact/versions/<int:pk>/",
            admin_views.VersionReadOnlyView.as_view(),
            name="pact_version_view",
        ),
        path(
            "pact/versions/<int:pk>/compare/",
            admin_views.VersionCompareView.as_view(),
            name="pact_version_compare",
        ),
        *adhesion_admin_urls(),
    ]


# Exports, handovers and commitments register their own admin URLs and menus.
from pact.views import commitments_admin, handover_admin, trust_admin  # noqa: E402, F401
