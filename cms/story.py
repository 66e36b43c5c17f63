"""Event registrations and attendance in a member's and a person's story
(crm.story): registered, with what outcome, and when they came."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.models import Registration
from crm.story import Entry, register, register_url


def _registration_url(pk) -> str:
    return reverse("cms_admin:registration", args=[pk])


def _entries(queryset, *, name_people: bool) -> list[Entry]:
    entries = []
    for r in queryset.select_related("event", "person"):
        who = f"{r.person.full_name} · " if name_people else ""
        url = _registration_url(r.pk)
        entries.append(
            Entry(
                when=r.created_at,
                kind="registration",
                title=_("Registered for “%(event)s”: %(status)s")
                % {"event": r.event.title, "status": r.get_status_display()},
                url=url,
                detail=who + r.get_registrant_kind_display(),
            )
        )
        if r.attended_at:
            entries.append(
                Entry(
                    when=r.attended_at,
                    kind="attendance",
                    title=_("Came to “%(event)s”") % {"event": r.event.title},
                    url=url,
                    detail=who.rstrip(" ·"),
                )
            )
    return entries


def _member(member) -> list[Entry]:
    # On the member's behalf, or by one of its people.
    registrations = Registration.objects.filter(
        Q(member=member) | Q(person__affiliations__member=member)
    ).distinct()
    return _entries(registrations, name_people=True)


def _person(person) -> list[Entry]:
    return _entries(Registration.objects.filter(person=person), name_people=False)


def register_story() -> None:
    register(member=_member, person=_person)
    register_url("cms.registration", _registration_url)
