"""The pact in a member's and a person's story (crm.story): adhesions from
request to signature, handover or withdrawal; contributions at the tables."""

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.story import Entry, register, register_url
from pact.models import Adhesion, Contribution


def _adhesion_url(pk) -> str:
    return reverse("pact_adhesions:inspect", args=[pk])


def _adhesion_entries(queryset) -> list[Entry]:
    entries = []
    for a in queryset.select_related("version__pact", "member", "signatory"):
        pact = _("“%(pact)s”, version %(number)s") % {
            "pact": a.version.pact.title,
            "number": a.version.number,
        }
        url = _adhesion_url(a.pk)
        moments = [
            (a.created_at, _("Adhesion prepared: %(pact)s")),
            (a.signature_requested_at, _("Signature requested: %(pact)s")),
            (a.signed_at, _("Pact signed: %(pact)s")),
            (a.handed_over_at, _("Handed over to Lucca Family net: %(pact)s")),
            (a.withdrawn_at, _("Adhesion withdrawn: %(pact)s")),
        ]
        detail = a.member.name
        if a.signed_at and a.signatory_id:
            detail += " · " + _("signed by %(who)s (%(how)s)") % {
                "who": a.signatory.full_name,
                "how": a.get_signature_method_display(),
            }
        for when, title in moments:
            if when:
                entries.append(
                    Entry(
                        when=when,
                        kind="adhesion",
                        title=title % {"pact": pact},
                        url=url,
                        detail=detail,
                    )
                )
    return entries


def _member(member) -> list[Entry]:
    return _adhesion_entries(Adhesion.objects.filter(member=member))


def _person(person) -> list[Entry]:
    entries = _adhesion_entries(Adhesion.objects.filter(signatory=person))
    for c in Contribution.objects.filter(author=person).select_related("table"):
        entries.append(
            Entry(
                when=c.created_at,
                kind="contribution",
                title=f"{c.get_kind_display()}: {c.table.title}",
                url=reverse("pact_contributions:inspect", args=[c.pk]),
                detail=c.text,
            )
        )
    return entries


def register_story() -> None:
    register(member=_member, person=_person)
    register_url("pact.adhesion", _adhesion_url)
    register_url(
        "pact.handoverbatch", lambda pk: reverse("pact_handover_admin", args=[pk])
    )
