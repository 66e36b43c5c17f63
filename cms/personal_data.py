"""How event registrations read on a person's “my data” page (crm.my_data)."""

from django.utils.translation import gettext as _

from crm.my_data import Record, field_rows, register


def describe_registration(registration) -> Record:
    rows = field_rows(
        registration,
        ["status", "registrant_kind", "member", "organisation_name", "municipality"],
    )
    needs = ", ".join(t.label for t in registration.needs.all())
    if needs:
        rows.append((_("Needs"), needs))
    themes = ", ".join(t.label for t in registration.preferred_topics.all())
    if themes:
        rows.append((_("Themes to discuss"), themes))
    if registration.childcare_children:
        rows += field_rows(registration, ["childcare_children", "childcare_ages"])
    rows += field_rows(
        registration, ["accessibility_needs", "notes", "created_at", "attended_at"]
    )
    return Record(title=registration.event.title, rows=rows)


def register_describers() -> None:
    register("cms.registration", describe_registration)
