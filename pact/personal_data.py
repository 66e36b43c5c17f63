"""How the pact's records read on a person's “my data” page (crm.my_data)."""

from django.utils.translation import gettext as _

from crm.models import AffiliationRole
from crm.my_data import Record, field_rows, register
from pact.evidence import evidence_rows


def describe_adhesion(adhesion) -> Record:
    rows = field_rows(
        adhesion,
        ["version", "member", "status", "network_role", "commitments", "signatory"],
    )
    if adhesion.signatory_capacity:
        label = (
            AffiliationRole(adhesion.signatory_capacity).label
            if adhesion.signatory_capacity in AffiliationRole.values
            else adhesion.signatory_capacity
        )
        rows.append((_("Signed as"), str(label)))
    rows += field_rows(adhesion, ["signature_method", "signed_at", "short_code"])
    evidence = []
    for label, value in evidence_rows(adhesion.evidence):
        if isinstance(value, list):
            evidence.append(f"{label}: " + " ".join(value))
        else:
            evidence.append(f"{label}: {value}")
    if evidence:
        rows.append((_("Evidence of the signature"), evidence))
    rows += field_rows(adhesion, ["withdrawn_at", "withdrawal_reason"])
    title = _("Adhesion to “%(pact)s”, version %(number)s") % {
        "pact": adhesion.version.pact.title,
        "number": adhesion.version.number,
    }
    return Record(title=title, rows=rows)


def describe_contribution(contribution) -> Record:
    rows = field_rows(contribution, ["kind", "text", "table", "created_at"])
    topics = ", ".join(t.label for t in contribution.topics.all())
    if topics:
        rows.append((_("Topics"), topics))
    return Record(title=contribution.get_kind_display(), rows=rows)


def describe_seat(seat) -> Record:
    rows = field_rows(seat, ["workshop", "table", "how"])
    return Record(title=str(seat.table), rows=rows)


def register_describers() -> None:
    register("pact.adhesion", describe_adhesion)
    register("pact.contribution", describe_contribution)
    register("pact.seat", describe_seat)
