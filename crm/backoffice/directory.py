"""The services directory in the back office (the “Servizi” menu group):
services, their periods with weekly hours and closures, and the coverage.

Coordinators act through their group's model permissions; anyone else reaches
a service only through an object permission on its organisation (the policy
below), and every view of the viewsets reads through the scoped queryset.
Writes go through ``crm.directory.services`` like the member area's.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet

from crm.backoffice.policies import CoordinatorPolicy
from crm.backoffice.viewsets import (
    EditView,
    FieldErrorsSafeForm,
    InspectView,
    ScopedModelViewSet,
)
from crm.directory import coverage, documents
from crm.directory import services as directory
from crm.directory.forms import PeriodForm, fixture_comuni
from crm.models import Closure, OpeningPeriod, Service, Topic
from crm.models.members import ORGANISATION_KINDS
from crm.services import export_log
from crm.spreadsheets import XLSX_CONTENT_TYPE


class ServicePolicy(CoordinatorPolicy):
    """Coordinators only: an organisation's legal representatives and contacts
    edit its services in the member area, where their role applies."""


class PeriodPolicy(CoordinatorPolicy):
    """Coordinators only, as for services."""


# ---------------------------------------------------------------------------
# Services


class ServiceAdminForm(FieldErrorsSafeForm):
    """Saved through the directory's services: the places with their date and
    version (families waiting are told), the rest validated the same way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "member" in self.fields:
            self.fields["member"].queryset = self.fields["member"].queryset.filter(
                kind__in=ORGANISATION_KINDS
            )
        if "municipality" in self.fields:
            self.fields["municipality"].queryset = fixture_comuni()
        if "kind" in self.fields:
            self.fields["kind"].queryset = Topic.objects.all()
            self.fields["kind"].label_from_instance = lambda topic: topic.label
        for name in ("age_min_months", "age_max_months", "capacity", "places_free"):
            if name in self.fields:
                field = self.fields[name]
                field.error_messages["min_value"] = _(
                    "%(field)s: the figure cannot be negative."
                ) % {"field": str(field.label)[:1].upper() + str(field.label)[1:]}
        self._places_before = (self.instance.places_free, self.instance.capacity)

    def save(self, commit=True):
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in directory.SERVICE_FIELDS
            if name in self.fields and name in data
        }
        existing = self.instance.pk
        places = (data.get("places_free"), data.get("capacity"))
        try:
            if existing:
                service = directory.service_save(
                    member=self.instance.member,
                    service=self.instance,
                    by=self.user,
                    **fields,
                )
                if places != self._places_before:
                    service = directory.places_update(
                        service=service,
                        by=self.user,
                        places_free=places[0],
                        capacity=places[1],
                    )
            else:
                service = directory.service_save(
                    member=data["member"],
                    by=self.user,
                    capacity=places[1],
                    places_free=places[0],
                    **fields,
                )
        except ValidationError as exc:
            # The view has already validated the form: a refusal here (someone
            # changed the places meanwhile) is re-raised as a form error by
            # the views below.
            raise FormSaveError(exc) from exc
        self.instance = service
        return service


class FormSaveError(Exception):
    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _SaveErrorsMixin:
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except FormSaveError as exc:
            form.add_error(None, exc.error)
            return self.form_invalid(form)


class _ServiceSaveMixin(_SaveErrorsMixin):
    """Forms save through the services (history comes from simple_history)."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.user = self.request.user
        return form

    def save_instance(self):
        return self.form.save()


class ServiceCreateView(_ServiceSaveMixin, generic.CreateView):
    pass


class ServiceEditView(_ServiceSaveMixin, EditView):
    pass


SERVICE_PANEL = ObjectList(
    [
        MultiFieldPanel(
            [
                FieldPanel("member"),
                FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]),
                FieldPanel("description"),
                FieldRowPanel(
                    [FieldPanel("age_min_months"), FieldPanel("age_max_months")]
                ),
                FieldPanel("published"),
            ],
            heading=gettext_lazy("Service"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("municipality"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=gettext_lazy("Where"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("places_free")]),
                FieldRowPanel([FieldPanel("cost"), FieldPanel("cost_notes")]),
                FieldPanel("open_on_public_holidays"),
            ],
            heading=gettext_lazy("Places and cost"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("how_to_apply"),
                FieldRowPanel(
                    [FieldPanel("contact_email"), FieldPanel("contact_phone")]
                ),
                FieldPanel("website"),
                FieldPanel("accessibility"),
                FieldPanel("languages"),
            ],
            heading=gettext_lazy("How to apply and contacts"),
        ),
    ],
    base_form_class=ServiceAdminForm,
)


def _places(service):
    if service.places_free is None:
        return "—"
    text = str(service.places_free)
    if service.capacity is not None:
        text += f" / {service.capacity}"
    if not service.places_confirmed:
        text += " · " + _("to be confirmed")
    return text


class ServiceInspectView(InspectView):
    def get_fields(self):
        return [
            "member",
            "kind",
            "municipality",
            "address",
            "age_min_months",
            "age_max_months",
            "places",
            "periods",
            "closures",
            "cost",
            "how_to_apply",
            "published",
        ]

    def get_field_label(self, field_name, field):
        labels = {
            "places": _("Places free"),
            "periods": _("Periods and weekly hours"),
            "closures": _("Closures"),
        }
        if field_name in labels:
            return labels[field_name]
        return super().get_field_label(field_name, field)

    def get_places_display_value(self):
        return _places(self.object)

    def get_periods_display_value(self):
        periods = self.object.periods.prefetch_related("hours")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}</li>',
            (
                (
                    reverse("crm_service_period:edit", args=[period.pk]),
                    str(period),
                    ", ".join(str(hours) for hours in period.hours.all()),
                )
                for period in periods
            ),
        )
        add = reverse("crm_service_period:add") + f"?service={self.object.pk}"
        return format_html(
            '<ul>{}</ul><a class="button button-small" href="{}">{}</a>',
            items,
            add,
            _("Add a period"),
        )

    def get_closures_display_value(self):
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("crm_service_closure:edit", args=[c.pk]), str(c))
                for c in self.object.closures.all()
            ),
        )
        add = reverse("crm_service_closure:add") + f"?service={self.object.pk}"
        return format_html(
            '<ul>{}</ul><a class="button button-small" href="{}">{}</a>',
            items,
            add,
            _("Add a closure"),
        )


class ServiceViewSet(ScopedModelViewSet):
    model = Service
    icon = "calendar-alt"
    menu_label = gettext_lazy("Services")
    menu_order = 100
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    inspect_view_class = ServiceInspectView
    list_display = [
        "name",
        "kind",
        "municipality",
        "member",
        Column("places", label=gettext_lazy("Places free"), accessor=_places),
        BooleanColumn("published", label=gettext_lazy("published")),
    ]
    list_filter = ["kind", "municipality", "cost", "published"]
    search_fields = ["name", "member__name", "address"]
    spreadsheet = "services"
    export_filename = "servizi"

    def get_queryset(self, request):
        return Service.objects.select_related("kind", "municipality", "member")

    def get_form_class(self, for_update=False):
        return SERVICE_PANEL.bind_to_model(Service).get_form_class()


# ---------------------------------------------------------------------------
# Periods (with their week) and closures, added from a service's page


class PeriodAdminForm(FieldErrorsSafeForm):
    """The period's dates and, beside them, the week of the member-area form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week = PeriodForm(
            self.data if self.is_bound else None,
            period=self.instance if self.instance.pk else None,
            prefix=None,
        )
        for name, field in self.week.fields.items():
            if name.startswith("d"):
                self.fields[name] = field
                self.initial.setdefault(name, self.week.initial.get(name))

    def clean(self):
        cleaned = super().clean()
        self.week.is_valid()
        for name, errors in self.week.errors.items():
            target = name if name in self.fields else None
            for error in errors:
                if target is None and error in self.non_field_errors():
                    continue
                self.add_error(target, error)
        cleaned["hours"] = self.week.cleaned_data.get("hours", [])
        return cleaned

    def save(self, commit=True):
        service = self.instance.service
        try:
            period = directory.period_save(
                service=service,
                period=self.instance if self.instance.pk else None,
                by=self.user,
                name=self.cleaned_data["name"],
                starts_on=self.cleaned_data["starts_on"],
                ends_on=self.cleaned_data["ends_on"],
                hours=self.cleaned_data["hours"],
            )
        except ValidationError as exc:
            raise FormSaveError(exc) from exc
        self.instance = period
        return period


def _week_panels():
    from crm.models import WEEKDAYS

    return [
        FieldRowPanel(
            [
                FieldPanel(f"d{weekday}_{slot}_{end}")
                for slot in PeriodForm.SLOTS
                for end in ("from", "to")
            ],
            heading=str(day).capitalize(),
        )
        for weekday, day in WEEKDAYS
    ]


class ForServiceCreateMixin:
    """Create an object for the service named by ``?service=`` (from its page)."""

    viewset = None

    @cached_property
    def service(self):
        service_id = self.request.GET.get("service", "")
        if not service_id.isdecimal():
            return None
        return self.viewset.service_queryset(self.request).filter(pk=service_id).first()

    def dispatch(self, request, *args, **kwargs):
        if self.service is None:
            from django.shortcuts import redirect
            from wagtail.admin import messages

            messages.warning(request, _("Start from the page of the service."))
            return redirect("crm_service:index")
        return super().dispatch(request, *args, **kwargs)

    def get_initial_form_instance(self):
        return self.model(service=self.service)

    def get_add_url(self):
        return f"{super().get_add_url()}?service={self.service.pk}"

    def get_success_url(self):
        return reverse("crm_service:inspect", args=[self.service.pk])


class PeriodCreateView(ForServiceCreateMixin, _ServiceSaveMixin, generic.CreateView):
    pass


class BackToServiceEditView(_ServiceSaveMixin, EditView):
    def get_success_url(self):
        return reverse("crm_service:inspect", args=[self.object.service_id])


class PeriodViewSet(ScopedModelViewSet):
    model = OpeningPeriod
    icon = "date"
    add_to_admin_menu = False
    inspect_view_enabled = False
    add_view_class = PeriodCreateView
    edit_view_class = BackToServiceEditView
    list_display = ["__str__", "service"]

    def service_queryset(self, request):
        return Service.objects.all()

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(viewset=self, **kwargs)

    def get_queryset(self, request):
        return OpeningPeriod.objects.select_related("service")

    def get_form_class(self, for_update=False):
        form = type(
            "PeriodAdminFormWithWeek",
            (PeriodAdminForm,),
            {
                name: field
                for name, field in PeriodForm().fields.items()
                if name.startswith("d")
            },
        )
        panel = ObjectList(
            [
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
                MultiFieldPanel(_week_panels(), heading=gettext_lazy("Weekly hours")),
            ],
            base_form_class=form,
        )
        return panel.bind_to_model(OpeningPeriod).get_form_class()


class ClosureAdminForm(FieldErrorsSafeForm):
    def save(self, commit=True):
        data = self.cleaned_data
        try:
            if self.instance.pk:
                directory.closure_delete(closure=self.instance, by=self.user)
            closure = directory.closure_add(
                service=self.instance.service,
                by=self.user,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data.get("reason", ""),
            )
        except ValidationError as exc:
            raise FormSaveError(exc) from exc
        self.instance = closure
        return closure


class ClosureCreateView(ForServiceCreateMixin, _ServiceSaveMixin, generic.CreateView):
    pass


class ClosureViewSet(ScopedModelViewSet):
    model = Closure
    icon = "date"
    add_to_admin_menu = False
    inspect_view_enabled = False
    add_view_class = ClosureCreateView
    edit_view_class = BackToServiceEditView
    list_display = ["__str__", "service"]
    form_fields = ["starts_on", "ends_on", "reason"]

    def service_queryset(self, request):
        return Service.objects.all()

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(viewset=self, **kwargs)

    def get_queryset(self, request):
        return Closure.objects.select_related("service")

    def get_form_class(self, for_update=False):
        from crm.backoffice.viewsets import simple_form

        return simple_form(Closure, self.form_fields, base=ClosureAdminForm)


# ---------------------------------------------------------------------------
# Coverage: the grids and the needs, on screen, as XLSX and as PDF


def may_see_coverage(user) -> bool:
    return user.is_active and user.has_perm("crm.view_service")


def coverage_view(request):
    if not may_see_coverage(request.user):
        raise PermissionDenied
    summer_year = _int(request.GET.get("estate"), coverage.default_summer_year())
    school_year = _int(request.GET.get("anno"), coverage.default_school_year())
    everywhere = request.GET.get("comuni") == "tutti"
    summer = coverage.summer_grid(summer_year, piana_only=not everywhere)
    school = coverage.school_year_grid(school_year, piana_only=not everywhere)
    needs = coverage.needs_met(piana_only=not everywhere)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        return _coverage_file(request, fmt, summer, school, needs)
    context = {
        "summer": summer,
        "school": school,
        "needs": needs,
        "summary": coverage.coverage_summary(summer, school, needs),
        "summer_year": summer_year,
        "school_year": school_year,
        "everywhere": everywhere,
        "years": range(timezone.localdate().year - 2, timezone.localdate().year + 2),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "directory/admin/coverage.html", context)


def _int(text, default):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if 2000 <= value <= 2100 else default


def _coverage_file(request, fmt, summer, school, needs):
    if fmt == "xlsx":
        body = documents.coverage_xlsx(summer=summer, school=school, needs=needs)
        content_type = XLSX_CONTENT_TYPE
    else:
        body = documents.coverage_pdf(
            summer=summer, school=school, needs=needs, request=request
        )
        content_type = "application/pdf"
    export_log(
        user=request.user,
        what=_("Coverage of the services"),
        format=fmt,
        count=len(summer.rows) + len(school.rows) + len(needs),
    )
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="copertura-servizi-{stamp}.{fmt}"'
    )
    return response


class CoverageMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_coverage(request.user)


class CoverageViewSet(ViewSet):
    menu_label = gettext_lazy("Coverage")
    menu_icon = "table"
    menu_order = 200
    menu_item_class = CoverageMenuItem

    def get_urlpatterns(self):
        return [path("", coverage_view, name="index")]

    @property
    def menu_url(self):
        return reverse(self.get_url_name("index"))
