"""Members and people in the Wagtail admin: lists, per-kind forms, their pages."""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton

from crm import selectors
from crm.backoffice.viewsets import (
    EditView,
    FieldErrorsSafeForm,
    IndexView,
    InspectView,
    ScopedModelViewSet,
    simple_form,
)
from crm.models import AffiliationRole, Member, MemberKind, MemberStatus, Person
from crm.models.members import ORGANISATION_KINDS
from crm.story import member_story, person_story


def _labels(topics):
    return ", ".join(topic.label for topic in topics.all())


# ---------------------------------------------------------------------------
# Forms: one layout for families, one for organisations


class MemberForm(FieldErrorsSafeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [
                (k.value, k.label) for k in ORGANISATION_KINDS
            ]
        for name in ("needs", "offers"):
            if name in self.fields:
                self.fields[name].label_from_instance = lambda topic: topic.label

    def clean(self):
        cleaned = super().clean()
        # Becoming an adherent is dated: the growth chart counts adherents by
        # the day they joined, and one without a date would be missing from it.
        if cleaned.get("status") == MemberStatus.ACTIVE and not cleaned.get(
            "joined_on"
        ):
            cleaned["joined_on"] = timezone.localdate()
            self.instance.joined_on = cleaned["joined_on"]
        return cleaned


_TOPICS = forms.CheckboxSelectMultiple
_CONTACTS = MultiFieldPanel(
    [
        FieldPanel("municipality"),
        FieldRowPanel([FieldPanel("address"), FieldPanel("postal_code")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
    ],
    heading=_("Where and how to reach them"),
)
_NETWORK = MultiFieldPanel(
    [
        FieldRowPanel(
            [FieldPanel("status"), FieldPanel("joined_on"), FieldPanel("source")]
        ),
        FieldPanel("needs", widget=_TOPICS),
        FieldPanel("offers", widget=_TOPICS),
        FieldPanel("notes"),
    ],
    heading=_("In the network"),
)

FAMILY_PANEL = ObjectList(
    [FieldPanel("name"), _CONTACTS, _NETWORK], base_form_class=MemberForm
)
ORGANISATION_PANEL = ObjectList(
    [
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("legal_name"), FieldPanel("legal_form")]),
                FieldRowPanel(
                    [FieldPanel("codice_fiscale"), FieldPanel("partita_iva")]
                ),
                FieldPanel("runts_number"),
                FieldRowPanel([FieldPanel("ateco_code"), FieldPanel("employees")]),
                FieldPanel("institution_type"),
                FieldPanel("listed_publicly"),
            ],
            heading=_("Organisation"),
        ),
        _CONTACTS,
        _NETWORK,
    ],
    base_form_class=MemberForm,
)


def member_panel(kind):
    panel = FAMILY_PANEL if kind == MemberKind.FAMILY else ORGANISATION_PANEL
    return panel.bind_to_model(Member)


class PerKindPanelMixin:
    def get_form_class(self):
        return self.panel.get_form_class()


class MemberCreateView(PerKindPanelMixin, generic.CreateView):
    """``?kind=`` picks the form; without it, the user picks the kind first."""

    template_choose_kind = "crm/admin/member_choose_kind.html"

    @cached_property
    def kind(self):
        kind = self.request.GET.get("kind", "")
        return kind if kind in MemberKind.values else None

    def get_panel(self):
        return member_panel(self.kind or MemberKind.FAMILY)

    def get(self, request, *args, **kwargs):
        if self.kind is None:
            return self.choose_kind()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.kind is None:
            return self.choose_kind()
        return super().post(request, *args, **kwargs)

    def choose_kind(self):
        kinds = [
            (kind.label, f"{self.get_add_url()}?kind={kind.value}")
            for kind in MemberKind
        ]
        return TemplateResponse(
            self.request,
            self.template_choose_kind,
            {"kinds": kinds, "index_url": reverse(self.index_url_name)},
        )

    def get_initial_form_instance(self):
        return Member(kind=self.kind)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.kind != MemberKind.FAMILY:
            kwargs.setdefault("initial", {})["kind"] = self.kind
        return kwargs

    def get_page_subtitle(self):
        return MemberKind(self.kind).label if self.kind else super().get_page_subtitle()

    @cached_property
    def add_url(self):
        return f"{self.get_add_url()}?kind={self.kind}"

    def get_success_url(self):
        return reverse("crm_member:inspect", args=[self.object.pk])


class MemberEditView(PerKindPanelMixin, EditView):
    def get_panel(self):
        self.object = self.get_object()
        return member_panel(self.object.kind)

    def get_success_url(self):
        return reverse("crm_member:inspect", args=[self.object.pk])


# ---------------------------------------------------------------------------
# The list


class MemberIndexView(IndexView):
    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # A member's page (timeline, people, children) is where work starts.
        column_class = self._get_title_column_class(column_class)
        return self._get_custom_column(
            field_name, column_class, get_url=self.get_inspect_url, **kwargs
        )

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.user_has_permission("add"):
            buttons = [
                HeaderButton(
                    label,
                    url=f"{self.add_url}?kind={kind}",
                    icon_name="plus",
                )
                for kind, label in (
                    (MemberKind.FAMILY, _("Add a family")),
                    (MemberKind.THIRD_SECTOR, _("Add an organisation")),
                )
            ]
        return buttons


# ---------------------------------------------------------------------------
# A member's page


class MemberInspectView(InspectView):
    template_name = "crm/admin/member_inspect.html"

    def get_object(self, queryset=None):
        return get_member_for_page(self.scoped_queryset(), self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.object
        context.update(
            member=member,
            story=member_story(member),
            affiliations=selectors.member_affiliations(member),
            consents=selectors.member_consents(member),
            children=selectors.children_summary(member),
            history=selectors.history_of(member),
            related_history=selectors.member_related_history(member),
            details=member_details(member),
            links=_member_links(member),
        )
        return context


_FAMILY_DETAILS = ("kind", "status", "municipality", "address", "postal_code")
_CONTACT_DETAILS = ("email", "phone", "joined_on", "source", "notes")
_ORGANISATION_DETAILS = (
    "legal_name",
    "legal_form",
    "codice_fiscale",
    "partita_iva",
    "runts_number",
    "ateco_code",
    "employees",
    "institution_type",
    "listed_publicly",
)


def member_details(member):
    """(label, value) of the member's filled-in fields, for its page."""
    names = _FAMILY_DETAILS + _CONTACT_DETAILS
    if member.is_organisation:
        names = _FAMILY_DETAILS + _ORGANISATION_DETAILS + _CONTACT_DETAILS
    rows = []
    for name in names:
        field = Member._meta.get_field(name)
        value = getattr(member, name)
        if value in (None, ""):
            continue
        if name == "phone":
            value = member.phone_display
        elif field.choices:
            value = getattr(member, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif name == "joined_on":
            value = value.strftime("%d/%m/%Y")
        rows.append((field.verbose_name, value))
    return rows


def get_member_for_page(queryset, pk):
    return get_object_or_404(
        queryset.select_related("municipality").prefetch_related("needs", "offers"),
        pk=pk,
    )


def _member_links(member):
    links = {
        "edit": reverse("crm_member:edit", args=[member.pk]),
        "add_interaction": f"{reverse('crm_interaction:add')}?member={member.pk}",
        "add_affiliation": f"{reverse('crm_affiliation:add')}?member={member.pk}",
    }
    if member.is_family:
        links["add_child"] = f"{reverse('crm_child:add')}?member={member.pk}"
    return links


class PersonInspectView(InspectView):
    template_name = "crm/admin/person_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        context.update(
            person=person,
            affiliations=selectors.person_affiliations(person),
            story=person_story(person),
            consents=person.consents.all(),
            history=selectors.history_of(person),
            related_history=selectors.person_related_history(person),
        )
        return context


# ---------------------------------------------------------------------------
# Viewsets


class MemberViewSet(ScopedModelViewSet):
    model = Member
    icon = "group"
    menu_label = _("Members")
    menu_order = 100
    index_view_class = MemberIndexView
    add_view_class = MemberCreateView
    edit_view_class = MemberEditView
    inspect_view_class = MemberInspectView
    list_per_page = 50
    list_display = [
        "name",
        "kind",
        "status",
        Column(
            "municipality",
            label=capfirst(_("municipality")),
            accessor="municipality.name",
            sort_key="municipality__name",
        ),
        Column("phone", label=capfirst(_("phone")), accessor="phone_display"),
        Column(
            "needs", label=capfirst(_("needs")), accessor=lambda m: _labels(m.needs)
        ),
        Column(
            "offers", label=capfirst(_("offers")), accessor=lambda m: _labels(m.offers)
        ),
    ]
    list_filter = ["kind", "status", "municipality", "needs", "offers"]
    search_fields = ["name", "legal_name", "codice_fiscale", "partita_iva", "email"]
    spreadsheet = "members"
    export_filename = "soggetti-aderenti"

    def get_queryset(self, request):
        return selectors.member_list(user=request.user)

    def get_form_class(self, for_update=False):
        return member_panel(MemberKind.FAMILY).get_form_class()


def _person_members(person):
    return ", ".join(
        f"{a.member} ({a.get_role_display()})" for a in person.affiliations.all()
    )


class PersonFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(
        label=_("role"),
        field_name="affiliations__role",
        choices=AffiliationRole.choices,
        distinct=True,
    )

    class Meta:
        model = Person
        fields = []


class PersonViewSet(ScopedModelViewSet):
    model = Person
    icon = "user"
    menu_label = _("People")
    menu_order = 200
    inspect_view_class = PersonInspectView
    list_per_page = 50
    list_display = [
        "full_name",
        "email",
        Column("phone", label=capfirst(_("phone")), accessor="phone_display"),
        "codice_fiscale",
        Column("members", label=capfirst(_("members")), accessor=_person_members),
    ]
    filterset_class = PersonFilterSet
    search_fields = ["first_name", "last_name", "email", "codice_fiscale"]
    form_fields = ["first_name", "last_name", "email", "phone", "codice_fiscale"]
    spreadsheet = "people"
    export_filename = "persone"

    def get_queryset(self, request):
        return selectors.person_list(user=request.user).prefetch_related(
            "affiliations__member"
        )

    def get_form_class(self, for_update=False):
        return simple_form(Person, self.form_fields)
