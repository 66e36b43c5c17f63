"""Registrations of an event as rows for XLSX and Italian-Excel CSV."""

from django.utils import timezone
from django.utils.translation import gettext as _


def headers() -> list[str]:
    return [
        _("Registration"),
        _("Status"),
        _("First name"),
        _("Last name"),
        _("Email"),
        _("Phone"),
        _("Registers as"),
        _("Organisation or family"),
        _("Municipality"),
        _("Children needing childcare"),
        _("Ages of the children"),
        _("Accessibility needs"),
        _("Needs"),
        _("Themes to discuss"),
        _("Registered at"),
        _("Checked in at"),
    ]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def rows(registrations):
    for r in registrations:
        yield [
            r.pk,
            r.get_status_display(),
            r.person.first_name,
            r.person.last_name,
            r.person.email or "",
            r.person.phone_display,
            r.get_registrant_kind_display(),
            r.organisation_name or (r.member.name if r.member else ""),
            r.municipality.name if r.municipality else "",
            r.childcare_children,
            r.childcare_ages_display,
            r.accessibility_needs,
            ", ".join(t.label for t in r.needs.all()),
            ", ".join(t.label for t in r.preferred_topics.all()),
            _when(r.created_at),
            _when(r.attended_at),
        ]
