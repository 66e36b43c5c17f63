"""From adhesion models to the plain data a signed pact document is made of.

The services call these at the moment of signing; nothing here writes.
"""

import hashlib
import json
import mimetypes

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html

from crm.models import AffiliationRole
from pact.documents import context as doc
from pact.models import Adhesion, DocumentBranding

CAPACITY_LABELS = {
    AffiliationRole.GUARDIAN: "genitore o tutore",
    AffiliationRole.LEGAL_REPRESENTATIVE: "legale rappresentante",
}


def verification_url(short_code: str = "") -> str:
    """The public page a QR code and a short code lead to."""
    if not short_code:
        return f"{settings.SITE_URL}{reverse('pact:verify')}"
    path = reverse("pact:verify_code", kwargs={"code": short_code})
    return f"{settings.SITE_URL}{path}"


def branding() -> doc.Branding:
    """The layout coordinators chose (Settings → Signed pact layout)."""
    setting = DocumentBranding.load()
    logo, media_type = None, "image/png"
    if setting.logo_id:
        name = setting.logo.file.name
        guessed = mimetypes.guess_type(name)[0] or ""
        if guessed in doc.Branding.ALLOWED_LOGO_TYPES:
            try:
                with setting.logo.file.open("rb") as handle:
                    logo, media_type = handle.read(), guessed
            except OSError:  # a missing logo file must not stop a signature
                logo = None
    return doc.Branding(
        header_text=setting.header_text,
        subheader_text=setting.subheader_text,
        footer_text=setting.footer_text,
        logo=logo,
        logo_media_type=media_type,
    )


def pact_text(version) -> doc.PactText:
    articles = version.articles.order_by("sort_order", "pk")
    roles = version.network_roles.order_by("sort_order", "pk")
    return doc.PactText(
        title=version.pact.title,
        slug=version.pact.slug,
        version_number=version.number,
        text_sha256=version.text_sha256,
        preamble_html=expand_db_html(version.preamble),
        articles=tuple(
            doc.Article(number=n, title=a.title, body_html=expand_db_html(a.body))
            for n, a in enumerate(articles, start=1)
        ),
        network_roles=tuple(_role(role) for role in roles),
        duration_html=expand_db_html(version.duration_terms),
        renewal_html=expand_db_html(version.renewal_terms),
        effective_date=version.effective_date,
    )


def _role(role) -> doc.NetworkRole:
    return doc.NetworkRole(
        code=role.code,
        name=role.name,
        description=role.description,
        responsibilities_html=expand_db_html(role.responsibilities),
    )


def party(member) -> doc.Party:
    municipality = ""
    if member.municipality_id:
        municipality = str(member.municipality)
    return doc.Party(
        reference=f"m-{member.pk}",
        name=member.legal_name or member.name,
        kind=member.kind,
        codice_fiscale=member.codice_fiscale or "",
        partita_iva=member.partita_iva or "",
        municipality=municipality,
        address=member.address,
    )


def commitments(adhesion: Adhesion) -> tuple[doc.Commitment, ...]:
    text = adhesion.commitments.strip()
    topics = tuple(t.name for t in adhesion.commitment_topics.order_by("name"))
    if not text and not topics:
        return ()
    return (doc.Commitment(text=text, topics=topics),)


def shown_content(adhesion: Adhesion) -> dict:
    """What the signatory reads before confirming: the frozen text and the
    adhesion's own terms. Its hash goes in the evidence and the code."""
    return {
        "pact_version_text_sha256": adhesion.version.text_sha256,
        "member": party(adhesion.member).reference,
        "network_role": adhesion.network_role.code if adhesion.network_role else "",
        "commitments": [
            {"text": c.text, "topics": list(c.topics)} for c in commitments(adhesion)
        ],
    }


def shown_sha256(adhesion: Adhesion) -> str:
    payload = json.dumps(shown_content(adhesion), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def signatory(person, capacity: str) -> doc.Signatory:
    return doc.Signatory(
        name=person.full_name,
        capacity=CAPACITY_LABELS.get(capacity, capacity),
        email=person.email or "",
        codice_fiscale=person.codice_fiscale or "",
    )


def adhesion_document(
    adhesion: Adhesion,
    *,
    person,
    capacity: str,
    evidence: doc.Evidence,
    short_code: str,
    previous_sha256: str,
) -> doc.AdhesionDocument:
    """Everything the signed PDF shows and embeds, at the moment of signing."""
    return doc.AdhesionDocument(
        reference=adhesion.reference,
        pact=pact_text(adhesion.version),
        member=party(adhesion.member),
        network_role=_role(adhesion.network_role),
        signatory=signatory(person, capacity),
        evidence=evidence,
        short_code=short_code,
        verification_url=verification_url(short_code),
        commitments=commitments(adhesion),
        previous_sha256=previous_sha256,
        issued_at=timezone.now(),
        branding=branding(),
    )


def preview_document(adhesion: Adhesion, *, person=None, capacity="") -> dict:
    """Context for the page that shows the text before signing."""
    return {
        "pact": pact_text(adhesion.version),
        "member": party(adhesion.member),
        "role": _role(adhesion.network_role) if adhesion.network_role else None,
        "commitments": commitments(adhesion),
        "signatory": signatory(person, capacity) if person else None,
        "shown_sha256": shown_sha256(adhesion),
        "label": _("Text to sign"),
    }


def text_to_sign_pdf(adhesion: Adhesion, *, person=None) -> bytes:
    """The adhesion as an unsigned PDF, to be signed with a digital signature.

    It embeds the adhesion's reference, so the signed file that comes back is
    recognised as this adhesion's. Not sealed, not registered: only the signed
    archival PDF made afterwards is.
    """
    from pact.documents.pdf import render_adhesion_pdf

    capacity = AffiliationRole.GUARDIAN
    if not adhesion.member.is_family:
        capacity = AffiliationRole.LEGAL_REPRESENTATIVE
    document = doc.AdhesionDocument(
        reference=adhesion.reference,
        pact=pact_text(adhesion.version),
        member=party(adhesion.member),
        network_role=_role(adhesion.network_role),
        signatory=(
            signatory(person, capacity)
            if person
            else doc.Signatory(name="", capacity=CAPACITY_LABELS[capacity])
        ),
        evidence=doc.Evidence(method=doc.SignatureMethod.DIGITAL, signed_at=None),
        short_code="",
        verification_url=verification_url(),
        commitments=commitments(adhesion),
        issued_at=timezone.now(),
        branding=branding(),
    )
    return render_adhesion_pdf(document, seal=False)
