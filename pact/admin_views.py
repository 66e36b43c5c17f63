"""Back-office views of the pact app (Wagtail admin): seating, reports,
opening/closing versions and comparing them. Coordinators only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.models import Registration
from crm.services import export_log
from crm.spreadsheets import XLSX_CONTENT_TYPE
from pact import reports, services
from pact.diff import compare_versions
from pact.diff import ordered as compare_order
from pact.models import Contribution, PactVersion, Seat, ThematicTable, Workshop
from pact.selectors import cited_proposals, version_for_display


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


class CoordinatorView(WagtailAdminTemplateMixin, TemplateView):
    permission = "pact.change_pactversion"

    def dispatch(self, request, *args, **kwargs):
        _require(request, self.permission)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [
            {"url": "", "label": self.get_page_title()}
        ]


class WorkshopSeatingView(CoordinatorView):
    """Tables with their participants; run the placement, move people."""

    template_name = "pact/admin/workshop_seating.html"
    permission = "pact.change_seat"
    header_icon = "group"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.workshop = get_object_or_404(
            Workshop.objects.select_related("event"), pk=kwargs["pk"]
        )

    def get_page_title(self):
        return _("Seating: %(workshop)s") % {"workshop": self.workshop}

    def get_context_data(self, **kwargs):
        tables = (
            self.workshop.tables.order_by("sort_order", "pk")
            .prefetch_related("facilitators", "topics")
            .with_counts()
        )
        seats = Seat.objects.filter(workshop=self.workshop).select_related(
            "person", "registration"
        )
        seats_by_table = {}
        for seat in seats:
            seats_by_table.setdefault(seat.table_id, []).append(seat)
        unplaced = (
            Registration.objects.confirmed()
            .filter(event_id=self.workshop.event_id)
            .exclude(person_id__in=seats.values("person_id"))
            .select_related("person")
            .prefetch_related("preferred_topics")
        )
        return super().get_context_data(
            workshop=self.workshop,
            tables=[(t, seats_by_table.get(t.pk, [])) for t in tables],
            unplaced=unplaced,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "place":
            result = services.workshop_place_participants(workshop=self.workshop)
            messages.success(
                request,
                _(
                    "%(preference)s placed by preference, %(balance)s where there "
                    "was room, %(unplaced)s without a place."
                )
                % {
                    "preference": len(result.by_preference),
                    "balance": len(result.by_balance),
                    "unplaced": len(result.unplaced),
                },
            )
        elif request.POST.get("action") == "move":
            self._move(request)
        return redirect(request.path)

    def _move(self, request):
        seat_id, table_id = request.POST.get("seat", ""), request.POST.get("table", "")
        seat = table = None
        if seat_id.isdecimal() and table_id.isdecimal():
            seat = Seat.objects.filter(workshop=self.workshop, pk=seat_id).first()
            table = ThematicTable.objects.filter(
                workshop=self.workshop, pk=table_id
            ).first()
        if seat is None or table is None:
            messages.error(request, _("Choose a participant and a table."))
            return
        try:
            services.seat_assign(table=table, person=seat.person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(person)s moved to “%(table)s”.")
                % {"person": seat.person, "table": table},
            )


def workshop_report_pdf(request, pk):
    _require(request, "pact.view_contribution")
    workshop = get_object_or_404(Workshop.objects.select_related("event"), pk=pk)
    response = HttpResponse(
        reports.report_pdf(workshop, request=request), content_type="application/pdf"
    )
    name = reports.report_filename(workshop, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def workshop_report_xlsx(request, pk):
    _require(request, "pact.view_contribution")
    workshop = get_object_or_404(Workshop.objects.select_related("event"), pk=pk)
    content, count = reports.report_xlsx(workshop)
    export_log(
        user=request.user,
        what=f"workshop report: {workshop}",
        format="xlsx",
        count=count,
        people=Contribution.objects.filter(table__workshop=workshop)
        .exclude(author=None)
        .values_list("author_id", flat=True),
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = reports.report_filename(workshop, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class VersionActionView(CoordinatorView):
    """Confirm (GET), then act (POST) on one version."""

    template_name = "pact/admin/version_action.html"
    header_icon = "lock"
    explanation = ""
    button_label = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.version = get_object_or_404(
            PactVersion.objects.select_related("pact"), pk=kwargs["pk"]
        )

    def get_page_subtitle(self):
        return str(self.version)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            version=self.version,
            in_force=self.version.pact.versions.in_force().first(),
            explanation=self.explanation,
            button_label=self.button_label,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            target, message = self.act()
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return redirect(request.path)
        messages.success(request, message)
        return redirect(version_edit_url(target))


class VersionOpenView(VersionActionView):
    page_title = gettext_lazy("Open for signature")
    explanation = gettext_lazy(
        "Opening this version for signature freezes its text: preamble, "
        "articles, network roles and terms can no longer change, and the "
        "SHA-256 of its text is recorded. The version open until now, if any, "
        "is closed and superseded; its adhesions stay tied to it."
    )
    button_label = gettext_lazy("Open for signature")

    def act(self):
        version = services.pact_version_open(version=self.version, by=self.request.user)
        return version, _("The version is open for signature.")


class VersionCloseView(VersionActionView):
    page_title = gettext_lazy("Close signatures")
    explanation = gettext_lazy(
        "No one will be able to sign this version any more. Its text stays frozen."
    )
    button_label = gettext_lazy("Close signatures")

    def act(self):
        version = services.pact_version_close(version=self.version)
        return version, _("Signatures on this version are closed.")


class VersionNewDraftView(VersionActionView):
    page_title = gettext_lazy("New draft")
    header_icon = "doc-full"
    permission = "pact.add_pactversion"
    explanation = gettext_lazy(
        "A new draft starts as a copy of this version's text, articles, cited "
        "proposals and network roles. This version does not change."
    )
    button_label = gettext_lazy("Create the new draft")

    def act(self):
        draft = services.pact_version_create(
            pact=self.version.pact, based_on=self.version
        )
        return draft, _("Draft %(number)s created from version %(source)s.") % {
            "number": draft.number,
            "source": self.version.number,
        }


class VersionReadOnlyView(CoordinatorView):
    """A version open for signature or closed: its text, read-only, and what
    can still be done with it (the edit view sends frozen versions here)."""

    template_name = "pact/admin/version_readonly.html"
    permission = "pact.view_pactversion"
    header_icon = "lock"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.version = get_object_or_404(PactVersion, pk=kwargs["pk"])

    def get_page_title(self):
        return str(self.version)

    def get_context_data(self, **kwargs):
        version = version_for_display(self.version.pk)
        url = lambda name: reverse(name, args=[version.pk])  # noqa: E731
        actions = []
        if version.status == "open":
            actions.append((url("pact_version_close"), _("Close signatures")))
            actions.append(
                (
                    reverse("pact_adhesions:add") + f"?version={version.pk}",
                    _("Add an adhesion to this version and ask for its signature"),
                )
            )
            actions.append(
                (
                    reverse("pact:pact_detail", args=[version.pact.slug]),
                    _("See it as the public reads it"),
                )
            )
        actions += [
            (
                reverse("pact_adhesions:index") + f"?version={version.pk}",
                _("See the adhesions to this version"),
            ),
            (url("pact_version_new"), _("Create a new draft from this version")),
            (url("pact_version_compare"), _("Compare it with another version")),
        ]
        return super().get_context_data(
            version=version,
            actions=actions,
            proposals=cited_proposals(version),
            **kwargs,
        )


class VersionCompareView(CoordinatorView):
    """What changed between two versions of the same pact, section by section.

    Starting from any version, the other one defaults to its neighbour (the
    previous version, or the next for the first); the comparison always runs
    from the older to the newer of the two.
    """

    template_name = "pact/admin/version_compare.html"
    permission = "pact.view_pactversion"
    page_title = gettext_lazy("Compare versions")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        current = get_object_or_404(PactVersion, pk=self.kwargs["pk"])
        versions = list(current.pact.versions.order_by("number"))
        others = [v for v in versions if v.pk != current.pk]
        wanted = self.request.GET.get("with")
        other = next((v for v in others if str(v.pk) == wanted), None)
        if other is None and others:
            older = [v for v in others if v.number < current.number]
            other = older[-1] if older else others[0]
        context = {"current": current, "others": others, "other": other}
        if other is not None:
            older, newer = compare_order(current, other)
            context["old"] = version_for_display(older.pk)
            context["new"] = version_for_display(newer.pk)
            context["sections"] = compare_versions(context["old"], context["new"])
        return super().get_context_data(**context, **kwargs)


def version_edit_url(version) -> str:
    """A version's page in the back office: its form while a draft, its
    read-only page once frozen."""
    if version.is_frozen:
        return reverse("pact_version_view", args=[version.pk])
    return reverse("pact_versions:edit", args=[version.pk])
