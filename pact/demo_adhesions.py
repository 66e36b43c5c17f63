"""Demo adhesions: one in every state, signed each of the three ways.

Called by :func:`pact.demo.seed` once the demo pact is open for signature.
Idempotent: a member that already adheres to the version is left alone. When
no seal is configured, a self-signed one is made (as ``create_seal_certificate``
does) so the demo's PDFs are sealed.
"""

import datetime
import io
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import Member, Person, Role, Topic
from crm.permissions import role_assign
from pact import services, signed_documents
from pact.documents.seal import create_seal_certificate, seal_configured, seal_paths
from pact.models import Adhesion, PactVersion, VersionStatus

DEMO_PASSWORD = "luccainfamiglia"
AWAITING_LOGIN = (
    "Legale rappresentante — patto da firmare (Il Girasole)",
    "giorgio.landucci@example.org",
    "Cooperativa Sociale Il Girasole",
)

# (member, network role, commitments, offers, how it ends up)
PLAN = [
    (
        "Famiglia Rossi",
        "nodo",
        "Mettiamo a disposizione un passaggio in auto per la scuola dell'infanzia "
        "di Capannori due mattine a settimana.",
        ["trasporti"],
        "online",
    ),
    (
        "Famiglia Bianchi",
        "sostenitore",
        "Partecipiamo agli incontri della rete e raccontiamo la nostra esperienza "
        "di conciliazione.",
        [],
        "in_person",
    ),
    (
        "Associazione Genitori Insieme APS",
        "capofila",
        "Coordiniamo i gruppi di auto mutuo aiuto dei genitori e ospitiamo gli "
        "incontri mensili della rete nella nostra sede.",
        ["sostegno-genitorialita", "auto-mutuo-aiuto"],
        "digital",
    ),
    (
        "Banca del Tempo della Piana",
        "nodo",
        "Scambio di ore di babysitting tra le famiglie iscritte.",
        ["babysitting"],
        "withdrawn",
    ),
    (
        AWAITING_LOGIN[2],
        "nodo",
        "Doposcuola il martedì e il giovedì fino alle 18.30 e due settimane di "
        "centro estivo a tariffa ridotta per le famiglie della rete.",
        ["doposcuola", "centri-estivi"],
        "awaiting",
    ),
]


def _ensure_seal(stdout=None) -> None:
    if seal_configured():
        return
    paths = seal_paths()
    create_seal_certificate(
        key_path=Path(paths.key),
        cert_path=Path(paths.cert),
        common_name="Rete Lucca In famiglia (demo)",
        organisation="Rete Lucca In famiglia",
    )
    if stdout is not None:
        stdout.write(f"Demo seal created at {paths.cert}.")


def _role(version, code):
    return (
        version.network_roles.filter(code=code).first()
        or version.network_roles.order_by("sort_order").first()
    )


def _signatory_user(member):
    person = services.eligible_signatories(member).exclude(user=None).first()
    return person.user if person else None


def _signatory_person(member) -> Person:
    return services.eligible_signatories(member).first()


def _scan() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("L", (620, 877), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "Patto di comunità - firmato su carta", fill=0)
    draw.line((40, 780, 300, 760), fill=0, width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("scansione.png", buffer.getvalue(), "image/png")


def _digitally_signed(adhesion, person) -> SimpleUploadedFile:
    """What a member's signing software would return: the text, PAdES-signed."""
    from pyhanko.sign import signers

    from pact.documents.seal import seal_pdf

    pdf = signed_documents.text_to_sign_pdf(adhesion, person=person)
    with tempfile.TemporaryDirectory() as folder:
        key, cert = Path(folder) / "key.pem", Path(folder) / "cert.pem"
        create_seal_certificate(
            key_path=key, cert_path=cert, common_name=person.full_name, days=365
        )
        signer = signers.SimpleSigner.load(str(key), str(cert))
        signed = seal_pdf(pdf, signer=signer, reason="Firma digitale", location="")
    return SimpleUploadedFile("patto-firmato.pdf", signed, "application/pdf")


def _sign(adhesion, how, coordinator):
    member = adhesion.member
    if how == "online":
        user = _signatory_user(member)
        _challenge, code = services.challenge_issue(
            adhesion=adhesion, user=user, notify=False
        )
        meta = {"ip": "192.0.2.10", "user_agent": "Mozilla/5.0 (demo)"}
        return services.adhesion_sign_online(
            adhesion=adhesion, signatory_user=user, code=code, request_meta=meta
        )
    if how == "digital":
        person = _signatory_person(member)
        return services.adhesion_sign_digital(
            adhesion=adhesion,
            uploaded=_digitally_signed(adhesion, person),
            signatory=person,
            by=coordinator,
        )
    adhesion = services.adhesion_sign_in_person(
        adhesion=adhesion,
        scan_file=_scan(),
        signatory=_signatory_person(member),
        signed_at=timezone.now() - datetime.timedelta(days=2),
        by=coordinator,
    )
    if how == "withdrawn":
        adhesion = services.adhesion_withdraw(
            adhesion=adhesion,
            by=coordinator,
            reason="L'associazione ha sospeso le attività per la riorganizzazione.",
        )
    return adhesion


def _awaiting_login(member, coordinator):
    """The demo legal representative who has a pact to sign, with a login."""
    label, email, _name = AWAITING_LOGIN
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is None:
        person = Person.objects.by_email(email).first()
        user = User.objects.create_user(
            username=email,
            email=email,
            password=DEMO_PASSWORD,
            first_name=person.first_name if person else "",
            last_name=person.last_name if person else "",
        )
    from pact.demo import _verified_email

    _verified_email(user)
    role_assign(
        user=user,
        role=Role.LEGAL_REPRESENTATIVE,
        member=member,
        by=coordinator,
        reason="Demo",
    )
    return (label, email, DEMO_PASSWORD)


def seed(*, coordinator, stdout=None) -> list[tuple[str, str, str]]:
    """Adhesions in every state to the demo pact's open version; return logins."""
    version = PactVersion.objects.filter(status=VersionStatus.OPEN).first()
    if version is None:
        return []
    _ensure_seal(stdout)
    logins = []
    for name, role_code, commitments, offers, how in PLAN:
        member = Member.objects.filter(name=name).first()
        if member is None or not services.eligible_signatories(member).exists():
            continue
        if how == "awaiting":
            logins.append(_awaiting_login(member, coordinator))
        if Adhesion.objects.filter(version=version, member=member).exists():
            continue
        adhesion = services.adhesion_create(
            version=version,
            member=member,
            by=coordinator,
            network_role=_role(version, role_code),
            commitments=commitments,
            topics=Topic.objects.filter(slug__in=offers),
        )
        adhesion = services.adhesion_request_signature(
            adhesion=adhesion, by=coordinator, notify=False
        )
        if how != "awaiting":
            _sign(adhesion, how, coordinator)
    if stdout is not None:
        counts = {
            label: Adhesion.objects.filter(version=version, status=value).count()
            for value, label in Adhesion._meta.get_field("status").choices
        }
        stdout.write(
            "Adhesions: "
            + ", ".join(f"{count} {label}" for label, count in counts.items() if count)
        )
    return logins
