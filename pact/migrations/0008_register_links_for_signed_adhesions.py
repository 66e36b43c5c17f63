"""Give every adhesion signed before the register of entries its links.

Per pact version: the signatures in the order they were chained, then the
withdrawals in the order they happened (when a withdrawal fell between two
signatures is not recorded, so it is put after them; the chain stays
verifiable either way).
"""

from django.db import migrations

from pact.documents import register as chain

SIGNED = ("signed", "handed_over", "withdrawn")


def _entry(adhesion):
    member, version = adhesion.member, adhesion.version
    signatory = adhesion.signatory
    return chain.signature_entry(
        adhesion=str(adhesion.uuid),
        pact=version.pact.slug,
        version=version.number,
        text_sha256=version.text_sha256,
        member={
            "kind": member.kind,
            "name": member.legal_name or member.name,
            "codice_fiscale": member.codice_fiscale or "",
            "partita_iva": member.partita_iva or "",
        },
        network_role=adhesion.network_role.code,
        signatory=f"{signatory.first_name} {signatory.last_name}".strip(),
        method=adhesion.signature_method,
        signed_at=adhesion.signed_at,
        commitments=adhesion.commitments,
        document_sha256=adhesion.document_sha256,
        short_code=adhesion.short_code or "",
    )


def forwards(apps, schema_editor):
    Adhesion = apps.get_model("pact", "Adhesion")
    RegisterLink = apps.get_model("pact", "RegisterLink")
    signed = (
        Adhesion.objects.filter(status__in=SIGNED)
        .select_related("version__pact", "member", "signatory", "network_role")
        .order_by("version_id", "chain_position", "pk")
    )
    by_version = {}
    for adhesion in signed:
        by_version.setdefault(adhesion.version_id, []).append(adhesion)
    for version_id, adhesions in by_version.items():
        if RegisterLink.objects.filter(version_id=version_id).exists():
            continue
        links = chain.build_links([_entry(a) for a in adhesions])
        rows = list(zip(links, adhesions, strict=True))
        signature_link = {a.pk: link.link_sha256 for link, a in rows}
        withdrawn = sorted(
            (a for a in adhesions if a.status == "withdrawn"),
            key=lambda a: (a.withdrawn_at, a.pk),
        )
        entries = [
            chain.withdrawal_entry(
                adhesion=str(a.uuid),
                withdrawn_at=a.withdrawn_at,
                signature_link=signature_link[a.pk],
            )
            for a in withdrawn
        ]
        rows += zip(chain.build_links(entries, links), withdrawn, strict=True)
        RegisterLink.objects.bulk_create(
            RegisterLink(
                version_id=version_id,
                position=link.position,
                kind=link.kind,
                previous_sha256=link.previous,
                entry_sha256=link.entry_sha256,
                link_sha256=link.link_sha256,
                document_sha256=link.document_sha256,
                entry=link.entry,
                adhesion_id=adhesion.pk,
            )
            for link, adhesion in rows
        )


class Migration(migrations.Migration):
    dependencies = [("pact", "0007_signature_register")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
