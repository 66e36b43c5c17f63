"""What a signed pact document says, as plain data.

The adhesion service builds an :class:`AdhesionDocument` from its models; the
PDF template renders it and :meth:`AdhesionDocument.data` is embedded in the
PDF as JSON, so a reader needs neither the database nor the template.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

DATA_FORMAT = "lucca-in-famiglia/adhesion"
DATA_VERSION = 1

FAMILY = "family"


class SignatureMethod:
    """The three ways of signing; they count the same."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    DIGITAL = "digital"

    LABELS = {
        ONLINE: _("Online, confirmed with a one-time code sent by email"),
        IN_PERSON: _("In person, on paper (scan filed by a coordinator)"),
        DIGITAL: _("Digital signature (PAdES or CAdES file)"),
    }

    @classmethod
    def label(cls, method: str) -> str:
        return cls.LABELS.get(method, method)


@dataclass(frozen=True)
class Branding:
    """The parts of the document coordinators may adjust."""

    header_text: str = "Rete Lucca In famiglia"
    subheader_text: str = ""
    footer_text: str = ""
    logo: bytes | None = None
    logo_media_type: str = "image/png"

    ALLOWED_LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

    def __post_init__(self):
        if self.logo is not None and self.logo_media_type not in (
            self.ALLOWED_LOGO_TYPES
        ):
            raise ValueError(f"Unsupported logo type: {self.logo_media_type}")


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    body_html: str  # trusted: Wagtail rich text, already expanded


@dataclass(frozen=True)
class NetworkRole:
    code: str
    name: str
    description: str = ""
    responsibilities_html: str = ""  # trusted rich text


@dataclass(frozen=True)
class PactText:
    """The frozen text of one pact version."""

    title: str
    version_number: int
    text_sha256: str
    preamble_html: str = ""  # trusted rich text
    articles: tuple[Article, ...] = ()
    network_roles: tuple[NetworkRole, ...] = ()
    duration_html: str = ""
    renewal_html: str = ""
    effective_date: dt.date | None = None
    slug: str = ""


@dataclass(frozen=True)
class Party:
    """The member that adheres: a family or an organisation."""

    reference: str
    name: str
    kind: str
    codice_fiscale: str = ""
    partita_iva: str = ""
    municipality: str = ""
    address: str = ""

    @property
    def is_family(self) -> bool:
        return self.kind == FAMILY

    @property
    def kind_label(self) -> str:
        from crm.models.members import MemberKind

        return str(dict(MemberKind.choices).get(self.kind, self.kind))

    @property
    def public_name(self) -> str:
        """How public surfaces name the member: families stay anonymous."""
        return str(_("adhering family")) if self.is_family else self.name


@dataclass(frozen=True)
class Commitment:
    text: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signatory:
    name: str
    capacity: str  # e.g. "legal representative", "guardian" (already translated)
    email: str = ""
    codice_fiscale: str = ""


@dataclass(frozen=True)
class Evidence:
    """How and when the signature was given, as recorded at the time."""

    method: str
    signed_at: dt.datetime
    recorded_at: dt.datetime | None = None
    recorded_by: str = ""
    ip_address: str = ""
    user_agent: str = ""
    email: str = ""
    code_sent_at: dt.datetime | None = None
    code_confirmed_at: dt.datetime | None = None
    shown_sha256: str = ""  # the document the signatory read before confirming
    source_sha256: str = ""  # the paper scan or digitally signed file
    source_signer: str = ""  # certificate subject of a digital signature
    notes: str = ""

    @property
    def method_label(self) -> str:
        return str(SignatureMethod.label(self.method))


@dataclass(frozen=True)
class AdhesionDocument:
    """Everything the signed pact PDF shows and embeds."""

    reference: str
    pact: PactText
    member: Party
    network_role: NetworkRole
    signatory: Signatory
    evidence: Evidence
    short_code: str
    verification_url: str
    commitments: tuple[Commitment, ...] = ()
    previous_sha256: str = ""
    issued_at: dt.datetime | None = None
    branding: Branding = field(default_factory=Branding)

    def data(self) -> dict:
        """The JSON embedded in the PDF (AFRelationship Data)."""
        ev = self.evidence
        return {
            "format": DATA_FORMAT,
            "version": DATA_VERSION,
            "adhesion": self.reference,
            "short_code": self.short_code,
            "verification_url": self.verification_url,
            "pact": {
                "title": self.pact.title,
                "slug": self.pact.slug,
                "version": self.pact.version_number,
                "text_sha256": self.pact.text_sha256,
                "effective_date": _iso(self.pact.effective_date),
            },
            "member": {
                "reference": self.member.reference,
                "name": self.member.name,
                "kind": self.member.kind,
                "codice_fiscale": self.member.codice_fiscale,
                "partita_iva": self.member.partita_iva,
                "municipality": self.member.municipality,
            },
            "network_role": {
                "code": self.network_role.code,
                "name": self.network_role.name,
            },
            "commitments": [
                {"text": c.text, "topics": list(c.topics)} for c in self.commitments
            ],
            "signatory": {
                "name": self.signatory.name,
                "capacity": self.signatory.capacity,
                "email": self.signatory.email,
            },
            "signature": {
                "method": ev.method,
                "signed_at": _iso(ev.signed_at),
                "recorded_at": _iso(ev.recorded_at),
                "recorded_by": ev.recorded_by,
                "ip_address": ev.ip_address,
                "user_agent": ev.user_agent,
                "email": ev.email,
                "code_sent_at": _iso(ev.code_sent_at),
                "code_confirmed_at": _iso(ev.code_confirmed_at),
                "shown_sha256": ev.shown_sha256,
                "source_sha256": ev.source_sha256,
                "source_signer": ev.source_signer,
            },
            "previous_sha256": self.previous_sha256,
            "issued_at": _iso(self.issued_at),
        }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# Crockford's alphabet: no I, L, O, U, so a code read aloud or typed survives.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
SHORT_CODE_PREFIX = "LIF"


def new_short_code(groups: int = 2) -> str:
    """A random code like ``LIF-7K3Q-9PXM`` (40 bits), for the verification page."""
    parts = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(groups)
    ]
    return "-".join([SHORT_CODE_PREFIX, *parts])


def normalise_short_code(text: str, groups: int = 2) -> str | None:
    """Read a code as typed by a person; ``None`` when it cannot be one."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    compact = compact.removeprefix(SHORT_CODE_PREFIX).translate(_CODE_LOOKALIKES)
    if len(compact) != 4 * groups or any(ch not in _CODE_ALPHABET for ch in compact):
        return None
    parts = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    return "-".join([SHORT_CODE_PREFIX, *parts])
