"""Event registrations as a spreadsheet: a django-import-export Resource,
registered as “registrations” in the CRM's spreadsheet registry.

The export carries everything the list shows; the import updates what a
coordinator corrects on a printed or shared list — who registers as what,
the comune, childcare, accessibility needs, needs and themes, notes, and the
check-in time from a paper sign-in sheet. Status changes and new
registrations keep their own paths (the waiting list, the emails they send):
here the status and the person are read-only, and a row needs its code.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from cms.models import RegistrantKind, Registration, RegistrationStatus
from crm.models import Municipality
from crm.spreadsheets import widgets as w
from crm.spreadsheets.registry import Entry, register
from crm.spreadsheets.resources import Column, ItalianResource


class Ages(widgets.Widget):
    """“3, 5” → [3, 5]: the children's ages in years."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        ages = []
        for part in str(value).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdecimal() or int(part) > 17:
                raise ValueError(
                    _("“%(value)s” is not an age in years (0 to 17).") % {"value": part}
                )
            ages.append(int(part))
        return ages

    def render(self, value, obj=None, **kwargs):
        return ", ".join(str(age) for age in value or [])


class RegistrationResource(ItalianResource):
    id = Column("id", "Iscrizione", w.Count(), synonyms=("Codice", "ID"))
    event = Column(None, "Evento", readonly=True)
    status = Column("status", "Stato", w.Choice(RegistrationStatus), readonly=True)
    first_name = Column(None, "Nome", readonly=True)
    last_name = Column(None, "Cognome", readonly=True)
    email = Column(None, "E-mail", readonly=True)
    phone = Column(None, "Telefono", readonly=True)
    registrant_kind = Column(
        "registrant_kind",
        "Si iscrive come",
        w.Choice(RegistrantKind, default=RegistrantKind.CITIZEN),
    )
    organisation_name = Column(
        "organisation_name", "Organizzazione o famiglia", synonyms=("Organizzazione",)
    )
    municipality = Column(
        "municipality",
        "Comune",
        w.Named(
            Municipality,
            ["name", "istat_code"],
            gettext_lazy("“%(value)s” is not a comune we know."),
        ),
    )
    childcare_children = Column(
        "childcare_children", "Figli da accudire", w.Count(empty=0)
    )
    childcare_ages = Column("childcare_ages", "Età dei figli", Ages())
    accessibility_needs = Column("accessibility_needs", "Esigenze di accessibilità")
    needs = Column("needs", "Esigenze", w.Topics())
    preferred_topics = Column("preferred_topics", "Temi da discutere", w.Topics())
    notes = Column("notes", "Note")
    created_at = Column("created_at", "Iscritto il", w.DateTime(), readonly=True)
    attended_at = Column(
        "attended_at",
        "Presenza registrata il",
        w.DateTime(),
        synonyms=("Presente", "Check-in"),
    )

    class Meta:
        model = Registration
        fields = (
            "id",
            "event",
            "status",
            "first_name",
            "last_name",
            "email",
            "phone",
            "registrant_kind",
            "organisation_name",
            "municipality",
            "childcare_children",
            "childcare_ages",
            "accessibility_needs",
            "needs",
            "preferred_topics",
            "notes",
            "created_at",
            "attended_at",
        )
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True

    def dehydrate_event(self, registration):
        return registration.event.title

    def dehydrate_first_name(self, registration):
        return registration.person.first_name

    def dehydrate_last_name(self, registration):
        return registration.person.last_name

    def dehydrate_email(self, registration):
        return registration.person.email or ""

    def dehydrate_phone(self, registration):
        return registration.person.phone_display

    def get_instance(self, instance_loader, row):
        code = str(row.get("Iscrizione") or "").strip()
        found = Registration.objects.filter(pk=code).first() if code.isdigit() else None
        if found is None:
            message = (
                _("No registration has the code “%(value)s”.") % {"value": code}
                if code
                else _(
                    "A row needs the code of a registration: new registrations "
                    "are made with the event's form."
                )
            )
            raise ValidationError({"id": message})
        return found

    def for_export(self, queryset):
        return queryset.select_related(
            "event", "person", "municipality"
        ).prefetch_related("needs", "preferred_topics")

    def included(self, queryset):
        return (
            queryset.exclude(member=None).values_list("member_id", flat=True),
            queryset.values_list("person_id", flat=True),
        )


def register_resource() -> None:
    register(
        Entry(
            name="registrations",
            resource="cms.spreadsheets.RegistrationResource",
            model="cms.Registration",
            label=gettext_lazy("registrations"),
            filename="iscrizioni",
            view_permission="cms.view_registration",
            import_permission="cms.change_registration",
            list_url_name="cms_admin:events",
        )
    )
