"""Wagtail admin viewsets for the network (the "Rete" menu group).

Each viewset reads its objects through ONE method, ``get_queryset(request)``,
which every view of it (index, export, inspect, edit, delete, history, usage)
calls: object-scoped permissions narrow that method and nothing else.
"""

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history as history_views
from wagtail.admin.views.generic import usage as usage_views
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from crm import selectors
from crm.backoffice.exports import ItalianExportMixin
from crm.backoffice.policies import scope_queryset
from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    DataExportLog,
    Interaction,
    MemberKind,
    Municipality,
    Person,
    Topic,
)
from crm.services import person_upsert

# ---------------------------------------------------------------------------
# Views that fetch through the viewset's get_queryset(request)


def yes_no_column(name, label):
    """A boolean field as a person reads it: “Sì” or “No”, not True/False."""
    return Column(
        name,
        label=capfirst(label),
        accessor=lambda obj: _("Yes") if getattr(obj, name) else _("No"),
        sort_key=name,
    )


def filters_display(log) -> str:
    """The filters of an export, as words: “status: active · kind: family”."""
    if not log.filters:
        return "—"
    parts = []
    for key, value in log.filters.items():
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return " · ".join(parts)


class ScopedMixin:
    viewset = None

    def scoped_queryset(self):
        # Narrowed to the objects the user may act on (guardian object permissions).
        return scope_queryset(self, self.viewset.get_queryset(self.request))


class IndexView(ItalianExportMixin, ScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()

    def search_queryset(self, queryset):
        if self.is_searching and hasattr(queryset, "search"):
            return selectors.search_words(queryset, self.search_query)
        return super().search_queryset(queryset)


class InspectView(ScopedMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=unquote(str(self.pk)))


class EditView(ScopedMixin, generic.EditView):
    def get_queryset(self):
        return self.scoped_queryset()


class DeleteView(ScopedMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset()

    def form_valid(self, form):
        # Records that others depend on (e.g. a signed adhesion) refuse to go:
        # say so on the confirmation page instead of failing.
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            messages.error(
                self.request,
                _("This record cannot be deleted: other records depend on it."),
            )
            return redirect(self.request.get_full_path())


class HistoryView(ScopedMixin, history_views.HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class UsageView(ScopedMixin, usage_views.UsageView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view reads through ``get_queryset``."""

    index_view_class = IndexView
    inspect_view_class = InspectView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView
    usage_view_class = UsageView
    copy_view_enabled = False
    inspect_view_enabled = True
    export_columns = ()
    export_filename = "export"
    #: A name in ``crm.spreadsheets.registry``: the list exports in that
    #: Resource's columns (XLSX, CSV, ODS, JSON) and offers an import.
    spreadsheet = None

    def get_queryset(self, request):
        """The objects ``request.user`` works with: override to scope them."""
        return self.model._default_manager.all()

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(viewset=self, **kwargs)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            export_columns=self.export_columns,
            export_filename=self.export_filename,
            spreadsheet=self.spreadsheet,
            **kwargs,
        )


class FieldErrorsSafeForm(WagtailAdminModelForm):
    """A model's ``clean()`` may name a field this form leaves out (another
    kind's field): show that message at the top instead of failing."""

    def add_error(self, field, error):
        if field is None and hasattr(error, "error_dict"):
            for name in list(error.error_dict):
                if name != NON_FIELD_ERRORS and name not in self.fields:
                    error.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                        error.error_dict.pop(name)
                    )
        super().add_error(field, error)


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Records that are written by the system and only ever read."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)


def simple_form(model, fields, base=None, widgets=None):
    """The form class for ``fields`` of ``model``, built the Wagtail way."""
    return (
        ObjectList(
            [FieldPanel(f, widget=(widgets or {}).get(f)) for f in fields],
            base_form_class=base or FieldErrorsSafeForm,
        )
        .bind_to_model(model)
        .get_form_class()
    )


def back_to_member(member_id):
    return reverse("crm_member:inspect", args=[member_id])


# ---------------------------------------------------------------------------
# Objects reached from a member's page: interactions, children, affiliations


class MemberScopedCreateView(generic.CreateView):
    """Create an object for the member named by ``?member=`` (from its page)."""

    viewset = None
    member_field = "member"
    member_kinds = None

    @cached_property
    def member(self):
        member_id = self.request.GET.get("member", "")
        if not member_id.isdecimal():
            return None
        queryset = self.viewset.member_queryset(self.request)
        if self.member_kinds:
            queryset = queryset.filter(kind__in=self.member_kinds)
        return queryset.filter(pk=member_id).first()

    def dispatch(self, request, *args, **kwargs):
        if self.member is None:
            messages.warning(request, _("Start from the page of the member concerned."))
            return redirect("crm_member:index")
        return super().dispatch(request, *args, **kwargs)

    def get_initial_form_instance(self):
        return self.model(**{self.member_field: self.member})

    def get_page_subtitle(self):
        return f"{super().get_page_subtitle()} · {self.member}"

    def get_add_url(self):
        return f"{super().get_add_url()}?member={self.member.pk}"

    def get_success_url(self):
        return back_to_member(self.member.pk)


class BackToMemberEditView(EditView):
    member_field = "member"

    def get_success_url(self):
        return back_to_member(getattr(self.object, f"{self.member_field}_id"))


class BackToMemberDeleteView(DeleteView):
    member_field = "member"

    def get_success_url(self):
        return back_to_member(getattr(self.object, f"{self.member_field}_id"))


class MemberScopedViewSet(ScopedModelViewSet):
    add_view_class = MemberScopedCreateView
    edit_view_class = BackToMemberEditView
    delete_view_class = BackToMemberDeleteView
    form_fields = ()
    form_base = None

    def member_queryset(self, request):
        """Members under which ``request.user`` may add these objects."""
        return selectors.member_list(user=request.user)

    def get_form_class(self, for_update=False):
        return simple_form(self.model, self.form_fields, base=self.form_base)

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(viewset=self, **kwargs)


class InteractionCreateView(MemberScopedCreateView):
    def get_initial_form_instance(self):
        return Interaction(member=self.member, author=self.request.user)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["person"].queryset = Person.objects.filter(
            affiliations__member=self.member
        ).distinct()
        return form


class InteractionViewSet(MemberScopedViewSet):
    model = Interaction
    icon = "mail"
    menu_label = _("Interactions")
    menu_order = 300
    add_view_class = InteractionCreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    list_display = ["subject", "member", "kind", "occurred_at", "author"]
    list_filter = ["kind", "member__kind", "occurred_at"]
    search_fields = ["subject", "body", "member__name"]
    form_fields = ["kind", "occurred_at", "person", "subject", "body"]
    spreadsheet = "interactions"
    export_filename = "contatti"

    def get_queryset(self, request):
        return selectors.interaction_list(user=request.user)


class ChildForm(FieldErrorsSafeForm):
    MONTHS = [
        (1, _("January")),
        (2, _("February")),
        (3, _("March")),
        (4, _("April")),
        (5, _("May")),
        (6, _("June")),
        (7, _("July")),
        (8, _("August")),
        (9, _("September")),
        (10, _("October")),
        (11, _("November")),
        (12, _("December")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_month"] = forms.TypedChoiceField(
            label=_("month of birth"), choices=self.MONTHS, coerce=int
        )
        self.fields["birth_year"].help_text = _(
            "Only the year and month: never the child's name."
        )

    def clean(self):
        cleaned = super().clean()
        year, month = cleaned.get("birth_year"), cleaned.get("birth_month")
        today = timezone.localdate()
        if year and year < 1990:
            self.add_error("birth_year", _("Enter a year from 1990 onwards."))
        elif year and month and (year, month) > (today.year, today.month):
            self.add_error("birth_year", _("The date of birth is in the future."))
        return cleaned


class ChildCreateView(MemberScopedCreateView):
    member_field = "family"
    member_kinds = [MemberKind.FAMILY]


class ChildEditView(BackToMemberEditView):
    member_field = "family"


class ChildDeleteView(BackToMemberDeleteView):
    member_field = "family"


class ChildViewSet(MemberScopedViewSet):
    model = Child
    icon = "group"
    add_to_admin_menu = False
    inspect_view_enabled = False
    add_view_class = ChildCreateView
    edit_view_class = ChildEditView
    delete_view_class = ChildDeleteView
    list_display = ["__str__", "family"]
    form_fields = ["birth_year", "birth_month"]
    form_base = ChildForm

    def get_queryset(self, request):
        return selectors.child_list(user=request.user)


class AffiliationForm(FieldErrorsSafeForm):
    """Link a person to the member: found by email, or created."""

    email = forms.EmailField(label=_("email"))
    first_name = forms.CharField(label=_("first name"), max_length=100)
    last_name = forms.CharField(label=_("last name"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.member_id:
            self.fields["role"].choices = roles_for(self.instance.member)
        if self.instance.person_id:
            for name in ("email", "first_name", "last_name"):
                self.fields[name].initial = getattr(self.instance.person, name)
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        person = (
            self.instance.person
            if self.instance.person_id
            else Person.objects.by_email(cleaned.get("email", "")).first()
        )
        if person and cleaned.get("role") and not cleaned.get("end_date"):
            clash = Affiliation.objects.filter(
                person=person,
                member_id=self.instance.member_id,
                role=cleaned["role"],
                end_date__isnull=True,
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError(
                    _("This person already has this role for this member.")
                )
        return cleaned

    def save(self, commit=True):
        if not self.instance.person_id:
            self.instance.person, _created = person_upsert(
                email=self.cleaned_data["email"],
                first_name=self.cleaned_data["first_name"],
                last_name=self.cleaned_data["last_name"],
            )
        return super().save(commit=commit)


def roles_for(member):
    if member.is_family:
        return [(AffiliationRole.GUARDIAN.value, AffiliationRole.GUARDIAN.label)]
    return [c for c in AffiliationRole.choices if c[0] != AffiliationRole.GUARDIAN]


class AffiliationViewSet(MemberScopedViewSet):
    model = Affiliation
    icon = "link"
    add_to_admin_menu = False
    inspect_view_enabled = False
    list_display = ["__str__", "start_date", "end_date"]
    form_fields = ["role", "start_date", "end_date"]
    form_base = AffiliationForm

    def get_queryset(self, request):
        return selectors.affiliation_list(user=request.user)


# ---------------------------------------------------------------------------
# Reference data and the export log


class TopicViewSet(ScopedModelViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Needs and offers")
    menu_order = 400
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en", "slug"]
    form_fields = ["name", "name_en", "slug", "description"]
    spreadsheet = "topics"
    export_filename = "esigenze-offerte"


class MunicipalityViewSet(ScopedModelViewSet):
    model = Municipality
    icon = "site"
    menu_label = _("Municipalities")
    menu_order = 500
    list_display = [
        "name",
        "istat_code",
        "province",
        yes_no_column("is_piana", _("in the Piana di Lucca")),
    ]
    list_filter = ["is_piana", "province"]
    search_fields = ["name", "istat_code"]
    form_fields = ["name", "istat_code", "province", "is_piana"]
    spreadsheet = "municipalities"
    export_filename = "comuni"


class DataExportLogViewSet(ScopedModelViewSet):
    model = DataExportLog
    icon = "download"
    menu_label = _("Data export log")
    menu_order = 700
    list_display = [
        "what",
        "format",
        "record_count",
        "user",
        DateColumn("created_at", label=capfirst(_("when")), sort_key="created_at"),
        Column("filters", label=capfirst(_("filters")), accessor=filters_display),
    ]
    list_filter = ["format", "created_at"]
    search_fields = ["what", "user__username", "user__email"]
    # Whom an export included can be thousands of names: the log entry says
    # how many; each member's and person's page lists its exports.
    inspect_view_fields = ["what", "format", "record_count", "user", "created_at"]
    export_filename = "registro-esportazioni"
    export_columns = (
        (_("when"), "created_at"),
        (_("user"), "user"),
        (_("what"), "what"),
        (_("format"), "format"),
        (_("records"), "record_count"),
        (_("filters"), "filters"),
    )
    form_fields = ["what"]

    def get_queryset(self, request):
        return selectors.export_log_list(user=request.user)
