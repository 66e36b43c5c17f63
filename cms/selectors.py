"""Reads for the programme: listings, counts, the privacy notice in force."""

from django.db.models import Count, Prefetch
from django.urls import reverse

from cms.models import (
    EventPage,
    NewsPage,
    PrivacyNoticePage,
    Registration,
    RegistrationStatus,
    Speaker,
)


def current_privacy_notice() -> PrivacyNoticePage | None:
    return (
        PrivacyNoticePage.objects.live()
        .order_by("-effective_from", "-last_published_at", "-pk")
        .first()
    )


def current_privacy_notice_version() -> str | None:
    """The version string of the privacy notice in force, or None if none is live."""
    notice = current_privacy_notice()
    return notice.version if notice else None


def upcoming_events():
    return EventPage.objects.live().public().upcoming().for_listing()


def programme_events(programme):
    return EventPage.objects.live().public().child_of(programme).for_listing()


def public_events():
    return EventPage.objects.live().public().select_related("venue").order_by("start")


def latest_news():
    return NewsPage.objects.live().public().order_by("-date", "-pk")


def event_agenda(event):
    """Agenda items with their speakers and photo renditions, in three queries."""
    speakers = Speaker.objects.select_related("photo").prefetch_related(
        "photo__renditions"
    )
    items = event.agenda_items.all()
    if hasattr(items, "prefetch_related") and event.pk:
        items = items.prefetch_related(Prefetch("speakers", queryset=speakers))
    return list(items)


def event_speakers(agenda) -> list[Speaker]:
    """Distinct speakers of an agenda, in order of appearance."""
    seen = {}
    for item in agenda:
        for speaker in item.speakers.all():
            seen.setdefault(speaker.pk or id(speaker), speaker)
    return list(seen.values())


def status_counts(event) -> dict[str, int]:
    counts = dict.fromkeys(RegistrationStatus.values, 0)
    rows = (
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def confirmed_count(event) -> int:
    return Registration.objects.filter(event=event).confirmed().count()


def registrations_of_person(person):
    return (
        Registration.objects.filter(person=person)
        .select_related("event", "event__venue")
        .order_by("-event__start", "-pk")
    )


def person_of_user(user):
    """The CRM person behind a login, or None."""
    from crm.models import Person

    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).first()


def privacy_consent_current(person) -> bool:
    """Whether the person agreed to the privacy notice version now in force."""
    from crm.models import Consent, ConsentPurpose

    version = current_privacy_notice_version()
    if person is None or not version:
        return False
    return (
        Consent.objects.in_force()
        .filter(person=person, purpose=ConsentPurpose.PRIVACY, notice_version=version)
        .exists()
    )


def one_click_data(person) -> dict:
    """Registration data for a logged-in person, from what the CRM holds."""
    from cms.models import RegistrantKind

    affiliation = (
        person.affiliations.current()
        .select_related("member", "member__municipality")
        .order_by("start_date", "pk")
        .first()
    )
    member = affiliation.member if affiliation else None
    return {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "registrant_kind": member.kind if member else RegistrantKind.CITIZEN,
        "organisation_name": member.name if member else "",
        "municipality": member.municipality if member else None,
    }


def event_page_context(event, *, user=None) -> dict:
    """What the event page shows besides the page itself, in fixed queries."""
    from cms.models import ProgrammePage

    agenda = event_agenda(event)
    saved = event.pk is not None
    confirmed = confirmed_count(event) if saved else 0
    person = person_of_user(user)
    mine = None
    if person and saved:
        mine = Registration.objects.active().filter(event=event, person=person).first()
    places_left = event.places_left(confirmed)
    return {
        "agenda": agenda,
        "speakers": event_speakers(agenda),
        "confirmed_count": confirmed,
        "places_left": places_left,
        "is_full": places_left == 0,
        "registration_state": event.registration_state(),
        "programme": ProgrammePage.objects.live().ancestor_of(event).first()
        if saved
        else None,
        "privacy_notice": current_privacy_notice(),
        "person": person,
        "my_registration": mine,
        "privacy_ok": privacy_consent_current(person) if person else False,
        "ics_url": reverse("cms:event_ics", args=[event.pk]) if saved else "",
    }


def typed_summary(data: dict, *, email: str) -> list[tuple[str, str]]:
    """What a registrant typed, as (label, value) lines: the only thing the
    pages after the form and the confirmation email show of a registration
    that is not yet confirmed."""
    from django.utils.translation import gettext as _

    from cms.models import RegistrantKind
    from crm.models import Municipality, Topic

    name = " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
    lines = [(_("Name"), name), (_("Email"), email)]
    if data.get("phone"):
        lines.append((_("Phone"), str(data["phone"])))
    kind = data.get("registrant_kind")
    if kind in RegistrantKind.values:
        lines.append((_("Registers as"), RegistrantKind(kind).label))
    if data.get("organisation_name"):
        lines.append((_("Family or organisation"), data["organisation_name"]))
    municipality = Municipality.objects.filter(pk=data.get("municipality")).first()
    if municipality:
        lines.append((_("Municipality"), municipality.name))
    for key, label in (("needs", _("Needs")), ("preferred_topics", _("Themes"))):
        topics = Topic.objects.filter(pk__in=data.get(key) or [])
        if topics:
            lines.append((label, ", ".join(t.label for t in topics)))
    if data.get("childcare_children"):
        ages = ", ".join(str(age) for age in data.get("childcare_ages") or [])
        value = str(data["childcare_children"]) + (f" ({ages})" if ages else "")
        lines.append((_("Children needing childcare"), value))
    if data.get("accessibility_needs"):
        lines.append((_("Accessibility needs"), data["accessibility_needs"]))
    return lines
