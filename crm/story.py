"""A member's and a person's whole story, for their page in the back office.

Contacts, adhesions, registrations and attendance, emails sent, exports that
included them: one list, newest first, each entry linking to its record. Each
app contributes the entries it knows (``register``), each provider in a fixed
number of queries, so the page costs the same however long the story is. crm
knows neither cms nor pact: they register their providers when ready.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crm.models import DataExportLog, Interaction, SentEmail


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime
    kind: str  # a key of KINDS
    title: str
    url: str = ""
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


KINDS = {
    "contact": pgettext_lazy("story entry", "Contact"),
    "adhesion": gettext_lazy("Pact"),
    "registration": gettext_lazy("Registration"),
    "attendance": gettext_lazy("Attendance"),
    "email": gettext_lazy("Email"),
    "export": gettext_lazy("Export"),
    "contribution": gettext_lazy("Contribution"),
    "consent": gettext_lazy("Consent"),
}

Provider = Callable[[object], Iterable[Entry]]
_PROVIDERS: dict[str, list[Provider]] = {"member": [], "person": []}
_URLS: dict[str, Callable[[int], str]] = {}


def register(*, member: Provider | None = None, person: Provider | None = None):
    """Add the entries an app knows to every member's and person's story."""
    for key, provider in (("member", member), ("person", person)):
        if provider is not None and provider not in _PROVIDERS[key]:
            _PROVIDERS[key].append(provider)


def register_url(model_label: str, url: Callable[[int], str]) -> None:
    """Where a record of ``app_label.model`` is read in the back office, from its
    primary key (for the emails about it)."""
    _URLS[model_label.lower()] = url


def url_for(content_type, object_id) -> str:
    if content_type is None or object_id is None:
        return ""
    build = _URLS.get(f"{content_type.app_label}.{content_type.model}")
    try:
        return build(object_id) if build else ""
    except NoReverseMatch:
        return ""


def _story(kind: str, obj) -> list[Entry]:
    entries = [entry for provider in _PROVIDERS[kind] for entry in provider(obj)]
    return sorted(entries, key=lambda e: e.when, reverse=True)


def member_story(member) -> list[Entry]:
    """Everything that happened to ``member``, newest first."""
    return _story("member", member)


def person_story(person) -> list[Entry]:
    """Everything that happened to ``person``, newest first."""
    return _story("person", person)


# --- what crm itself knows ---------------------------------------------------


def _contacts(queryset) -> list[Entry]:
    entries = []
    for i in queryset.select_related("person", "author"):
        who = f" · {i.person}" if i.person_id else ""
        entries.append(
            Entry(
                when=i.occurred_at,
                kind="contact",
                title=f"{i.get_kind_display()}: {i.subject}",
                url=reverse("crm_interaction:edit", args=[i.pk]),
                detail=(i.body or "")
                + (
                    f"\n({_('recorded by')} {i.author or _('system')}{who})"
                    if i.author_id or who
                    else ""
                ),
            )
        )
    return entries


def _emails(queryset) -> list[Entry]:
    return [
        Entry(
            when=e.sent_at,
            kind="email",
            title=f"{e.get_kind_display()}: {e.subject}",
            url=url_for(e.about_type, e.about_id),
            detail=_("To %(address)s") % {"address": e.to_email} if e.to_email else "",
        )
        for e in queryset.select_related("about_type")
    ]


# Exports logged under a code rather than a description.
_EXPORT_NAMES = {"my_data": gettext_lazy("Their own data, from the member area")}
_FORMATS = {"html": gettext_lazy("web page")}


def _export_title(log) -> str:
    what = _EXPORT_NAMES.get(log.what, log.what)
    return f"{what} ({_FORMATS.get(log.format, log.format) or '—'})"


def _exports(queryset) -> list[Entry]:
    return [
        Entry(
            when=log.created_at,
            kind="export",
            title=_export_title(log),
            url=reverse("crm_export_log:inspect", args=[log.pk]),
            detail=_("By %(user)s") % {"user": log.user or _("the system")},
        )
        for log in queryset.select_related("user")
    ]


def _member_crm(member) -> list[Entry]:
    return (
        _contacts(Interaction.objects.filter(member=member))
        + _emails(SentEmail.objects.filter(member=member))
        + _exports(DataExportLog.objects.filter(members=member))
    )


def _person_crm(person) -> list[Entry]:
    consents = []
    for c in person.consents.all():
        consents.append(
            Entry(
                when=c.given_at,
                kind="consent",
                title=_("Consent given: %(purpose)s")
                % {"purpose": c.get_purpose_display()},
                detail=c.get_given_how_display(),
            )
        )
        if c.withdrawn_at:
            consents.append(
                Entry(
                    when=c.withdrawn_at,
                    kind="consent",
                    title=_("Consent withdrawn: %(purpose)s")
                    % {"purpose": c.get_purpose_display()},
                    detail=c.get_withdrawn_how_display(),
                )
            )
    return (
        _contacts(Interaction.objects.filter(person=person))
        + _emails(SentEmail.objects.filter(person=person))
        + _exports(DataExportLog.objects.filter(people=person))
        + consents
    )


register(member=_member_crm, person=_person_crm)
register_url("crm.invitation", lambda pk: reverse("crm_invitations:edit", args=[pk]))
