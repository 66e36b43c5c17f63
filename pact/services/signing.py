"""Signing an adhesion, three ways that count the same.

- online: the signatory, logged in, confirms with a one-time code sent by email;
- in person: a coordinator files the scan of the paper and says who signed, when;
- digital: a PAdES PDF or a .p7m, checked with pyHanko, uploaded by a
  coordinator, or by the signatory in the member area together with the
  emailed code (the file must be that adhesion's text to sign).

Each locks the adhesion (``select_for_update``), so concurrent attempts record
exactly one signature, then the pact version, so the register's chain of
hashes grows one link at a time. The PDF is rendered once, sealed when a seal
is configured, stored, and never rendered again.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import EmailKind
from crm.permissions import person_for_user
from crm.services import email_record
from pact import signed_documents
from pact.digital_signatures import MAX_UPLOAD, NotASignedFile, check_signed_file
from pact.documents.chain import GENESIS
from pact.documents.context import Evidence, new_short_code
from pact.documents.pdf import render_adhesion_pdf
from pact.documents.verify import sha256_hex
from pact.models import (
    Adhesion,
    AdhesionStatus,
    PactVersion,
    SignatureChallenge,
    SignatureMethod,
    VersionStatus,
)

from .adhesions import (
    _locked,
    _require_coordinator,
    eligible_signatories,
    may_sign,
    signing_capacity,
)
from .register import register_signature

CODE_VALID_FOR = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
SCAN_TYPES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def _refuse(message):
    return ValidationError(message, code="refused")


def _code_hash(challenge_key: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{challenge_key}:{code}".encode(), hashlib.sha256).hexdigest()


def _ready_to_sign(adhesion: Adhesion, *, online: bool) -> None:
    if adhesion.is_signed:
        raise _refuse(_("This adhesion has already been signed."))
    if adhesion.network_role_id is None:
        raise _refuse(_("Assign the member's network role first."))
    if online and adhesion.status != AdhesionStatus.AWAITING_SIGNATURE:
        raise _refuse(_("This adhesion is not awaiting a signature."))
    wanted = (VersionStatus.OPEN,) if online else (VersionStatus.OPEN, "closed")
    if adhesion.version.status not in wanted:
        raise _refuse(_("This version of the pact is not open for signature."))


# --- online ------------------------------------------------------------------


@transaction.atomic
def challenge_issue(
    *, adhesion: Adhesion, user, notify: bool = True
) -> tuple[SignatureChallenge, str]:
    """Email a one-time code to the signatory; returns ``(challenge, code)``.

    The code confirms the text shown now: if the adhesion changes, it stops
    working. A newer code replaces the previous one. ``notify=False`` (the
    demo) sends nothing.
    """
    adhesion = _locked(adhesion)
    _ready_to_sign(adhesion, online=True)
    person = person_for_user(user)
    if person is None or not may_sign(user, adhesion.member):
        raise _refuse(_("Only who signs for this member can ask for a code."))
    email = person.email or user.email
    if not email:
        raise _refuse(_("Add an email address to your profile first."))
    now = timezone.now()
    recent = SignatureChallenge.objects.filter(
        adhesion=adhesion, user=user, created_at__gte=now - timedelta(hours=1)
    )
    if recent.count() >= MAX_CODES_PER_HOUR:
        raise _refuse(_("Too many codes requested: try again in an hour."))
    SignatureChallenge.objects.usable(now).filter(adhesion=adhesion, user=user).update(
        superseded_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    key = secrets.token_hex(16)
    challenge = SignatureChallenge.objects.create(
        adhesion=adhesion,
        user=user,
        person=person,
        email=email,
        code_hash=f"{key}${_code_hash(key, code)}",
        document_sha256=signed_documents.shown_sha256(adhesion),
        created_at=now,
        expires_at=now + CODE_VALID_FOR,
    )
    if notify:
        transaction.on_commit(lambda: _send_code(challenge, code))
    return challenge, code


def _send_code(challenge: SignatureChallenge, code: str) -> None:
    context = {
        "challenge": challenge,
        "code": code,
        "minutes": int(CODE_VALID_FOR.total_seconds() // 60),
        "adhesion": challenge.adhesion,
    }
    subject = render_to_string("pact/email/signature_code_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string("pact/email/signature_code_message.txt", context)
    send_mail(subject, body, None, [challenge.email])
    # The code itself is never kept (its subject carries it): only that an
    # email went, and to whom.
    email_record(
        to=challenge.email,
        subject=subject.replace(code, "······"),
        kind=EmailKind.SIGNATURE_CODE,
        person=person_for_user(challenge.user),
        member=challenge.adhesion.member,
        about=challenge.adhesion,
    )


def _code_matches(challenge: SignatureChallenge, code: str) -> bool:
    key, _sep, expected = challenge.code_hash.partition("$")
    typed = "".join(ch for ch in (code or "") if ch.isdigit())[:6]
    return hmac.compare_digest(_code_hash(key, typed), expected)


def _consume_code(adhesion, user, code):
    """The usable challenge ``code`` answers, marked used; else the refusal.

    A wrong code counts as an attempt: callers return (not raise) the refusal
    from their transaction so that the attempt is committed.
    """
    now = timezone.now()
    challenge = (
        SignatureChallenge.objects.select_for_update()
        .usable(now)
        .filter(adhesion=adhesion, user=user, superseded_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if challenge is None:
        return _refuse(_("The code has expired or was never sent: ask for a new one."))
    if challenge.attempts >= MAX_ATTEMPTS:
        return _refuse(_("Too many wrong attempts: ask for a new code."))
    if not _code_matches(challenge, code):
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - challenge.attempts
        return _refuse(
            ngettext(
                "Wrong code: %(left)d attempt left.",
                "Wrong code: %(left)d attempts left.",
                left,
            )
            % {"left": left}
            if left
            else _("Wrong code. Too many wrong attempts: ask for a new code.")
        )
    if challenge.document_sha256 != signed_documents.shown_sha256(adhesion):
        return _refuse(_("The text changed after the code was sent: ask a new code."))
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    return challenge


def adhesion_sign_online(
    *, adhesion: Adhesion, signatory_user, code: str, request_meta: dict
) -> Adhesion:
    """Sign with the emailed code. ``request_meta``: ``ip`` and ``user_agent``.

    A wrong code counts as an attempt even though the call fails, so the
    attempt is committed before the refusal is raised.
    """
    outcome = _sign_online(
        adhesion=adhesion, user=signatory_user, code=code, meta=request_meta or {}
    )
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome


@transaction.atomic
def _sign_online(*, adhesion, user, code, meta):
    adhesion = _locked(adhesion)
    try:
        _ready_to_sign(adhesion, online=True)
    except ValidationError as refusal:
        return refusal
    person = person_for_user(user)
    if person is None or not may_sign(user, adhesion.member):
        return _refuse(_("Only who signs for this member can sign."))
    challenge = _consume_code(adhesion, user, code)
    if isinstance(challenge, ValidationError):
        return challenge
    evidence = _confirmed_by_code(SignatureMethod.ONLINE, person, challenge, meta)
    return _finish(adhesion, person=person, evidence=evidence, recorded_by=user)


def _confirmed_by_code(method, person, challenge, meta, **more) -> Evidence:
    """What a signature confirmed with the emailed code records."""
    now = challenge.used_at
    return Evidence(
        method=method,
        signed_at=now,
        recorded_at=now,
        recorded_by=person.full_name,
        ip_address=str(meta.get("ip", ""))[:45],
        user_agent=str(meta.get("user_agent", ""))[:500],
        email=challenge.email,
        code_sent_at=challenge.created_at,
        code_confirmed_at=now,
        shown_sha256=challenge.document_sha256,
        **more,
    )


# --- in person ---------------------------------------------------------------


def _read_upload(upload, limit=MAX_UPLOAD) -> tuple[str, bytes]:
    if upload is None:
        raise ValidationError(_("Choose a file to upload."))
    name = getattr(upload, "name", "") or "file"
    if getattr(upload, "size", 0) and upload.size > limit:
        raise ValidationError(_("The file is too large (at most 20 MB)."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(_("The file is too large (at most 20 MB)."))
    if not data:
        raise ValidationError(_("The file is empty."))
    return name, data


def _check_signatory(adhesion: Adhesion, signatory) -> None:
    if signatory is None or not eligible_signatories(adhesion.member).filter(
        pk=signatory.pk
    ):
        raise ValidationError(
            {
                "signatory": _(
                    "Choose a guardian of the family or the legal representative "
                    "of the organisation."
                )
            }
        )


@transaction.atomic
def adhesion_sign_in_person(
    *, adhesion: Adhesion, scan_file, signatory, signed_at, by
) -> Adhesion:
    """File the scan of the paper-signed pact and record who signed and when."""
    _require_coordinator(by)
    name, data = _read_upload(scan_file)
    kind = next((k for m, k in SCAN_TYPES.items() if data.startswith(m)), None)
    if kind is None:
        raise ValidationError({"scan_file": _("Upload the scan as PDF, JPEG or PNG.")})
    now = timezone.now()
    if signed_at is None or signed_at > now:
        raise ValidationError(
            {"signed_at": _("The date of signature is in the future.")}
        )
    adhesion = _locked(adhesion)
    _ready_to_sign(adhesion, online=False)
    _check_signatory(adhesion, signatory)
    source_sha256 = sha256_hex(data)
    evidence = Evidence(
        method=SignatureMethod.IN_PERSON,
        signed_at=signed_at,
        recorded_at=now,
        recorded_by=_name(by),
        source_sha256=source_sha256,
    )
    return _finish(
        adhesion,
        person=signatory,
        evidence=evidence,
        recorded_by=by,
        source=(f"scan.{kind}", data),
        extra={"scan_name": name[:200]},
    )


# --- digital -----------------------------------------------------------------


@transaction.atomic
def adhesion_sign_digital(
    *, adhesion: Adhesion, uploaded, by, signatory=None
) -> Adhesion:
    """Accept a PAdES PDF or a .p7m, checked with pyHanko; the result is kept.

    The signatory is the eligible person whose codice fiscale the certificate
    carries, or ``signatory`` when the certificate names none. A coordinator
    records it; signatories upload their own with :func:`adhesion_sign_digital_own`.
    """
    _require_coordinator(by)
    name, data, check = _checked_upload(uploaded)
    adhesion = _locked(adhesion)
    _ready_to_sign(adhesion, online=False)
    if check.embedded_reference and check.embedded_reference != adhesion.reference:
        raise ValidationError(
            {"uploaded": _("The signed file is the pact of another adhesion.")}
        )
    signatory = _digital_signatory(adhesion, check, signatory)
    now = timezone.now()
    evidence = Evidence(
        method=SignatureMethod.DIGITAL,
        signed_at=_parse(check.signed_at) or now,
        recorded_at=now,
        recorded_by=_name(by),
        source_sha256=sha256_hex(data),
        source_signer=check.signer,
    )
    return _finish_digital(adhesion, signatory, evidence, by, name, data, check)


def _checked_upload(uploaded):
    name, data = _read_upload(uploaded)
    try:
        check = check_signed_file(data)
    except NotASignedFile:
        raise ValidationError(
            {"uploaded": _("Upload a signed PDF (PAdES) or a .p7m file.")}
        ) from None
    if not check.ok:
        problem = check.problem or _("the file was changed after signing")
        raise ValidationError(
            {
                "uploaded": _("The digital signature is not valid: %(problem)s")
                % {"problem": problem}
            }
        )
    return name, data, check


def _finish_digital(adhesion, signatory, evidence, by, name, data, check):
    suffix = "pdf" if check.kind == "pades" else "p7m"
    return _finish(
        adhesion,
        person=signatory,
        evidence=evidence,
        recorded_by=by,
        source=(f"signed.{suffix}", data),
        extra={"digital": check.as_evidence(), "uploaded_name": name[:200]},
    )


def adhesion_sign_digital_own(
    *, adhesion: Adhesion, signatory_user, uploaded, code: str, request_meta: dict
) -> Adhesion:
    """A signatory uploads the pact they signed with their own digital signature.

    As strict as signing online, and more: the emailed code is needed too (these
    machines hold no EU trust list, so a certificate alone proves nothing about
    who uploads it); the file must be the text to sign of this very adhesion and
    pact text; a certificate that names a codice fiscale must name theirs; the
    version must be open; the time of signing is the time of the upload.
    """
    name, data, check = _checked_upload(uploaded)
    outcome = _sign_digital_own(
        adhesion=adhesion,
        user=signatory_user,
        code=code,
        meta=request_meta or {},
        upload=(name, data, check),
    )
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome


@transaction.atomic
def _sign_digital_own(*, adhesion, user, code, meta, upload):
    name, data, check = upload
    adhesion = _locked(adhesion)
    try:
        _ready_to_sign(adhesion, online=True)
    except ValidationError as refusal:
        return refusal
    person = person_for_user(user)
    if person is None or not may_sign(user, adhesion.member):
        return _refuse(_("Only who signs for this member can sign."))
    if check.embedded_reference != adhesion.reference or (
        check.embedded_text_sha256 != adhesion.version.text_sha256
    ):
        return ValidationError(
            {
                "uploaded": _(
                    "The signed file is not the text to sign of this adhesion: "
                    "download it from this page and sign that file."
                )
            }
        )
    if check.signer_tax_id and check.signer_tax_id != (person.codice_fiscale or ""):
        return ValidationError(
            {"uploaded": _("The certificate is somebody else's: sign with your own.")}
        )
    challenge = _consume_code(adhesion, user, code)
    if isinstance(challenge, ValidationError):
        return challenge
    evidence = _confirmed_by_code(
        SignatureMethod.DIGITAL,
        person,
        challenge,
        meta,
        source_sha256=sha256_hex(data),
        source_signer=check.signer,
    )
    return _finish_digital(adhesion, person, evidence, user, name, data, check)


def _digital_signatory(adhesion, check, signatory):
    people = eligible_signatories(adhesion.member)
    if check.signer_tax_id:
        match = people.filter(codice_fiscale=check.signer_tax_id).first()
        if match is not None:
            return match
        if signatory is None:
            raise ValidationError(
                {"uploaded": _("The certificate belongs to nobody who signs for it.")}
            )
    _check_signatory(adhesion, signatory)
    return signatory


def _parse(value: str):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if value else None


def _name(user) -> str:
    if user is None:
        return "command line"
    person = person_for_user(user)
    return person.full_name if person else user.get_username()


# --- the signed document ---------------------------------------------------


def _unique_short_code() -> str:
    while True:
        code = new_short_code()
        if not Adhesion.objects.filter(short_code=code).exists():
            return code


def _finish(adhesion, *, person, evidence, recorded_by, source=None, extra=None):
    """Render, seal and store the signed PDF; link it into the register's chain."""
    PactVersion.objects.select_for_update().get(pk=adhesion.version_id)
    last = (
        Adhesion.objects.signed()
        .filter(version_id=adhesion.version_id)
        .order_by("-chain_position")
        .only("document_sha256", "chain_position")
        .first()
    )
    previous = last.document_sha256 if last else GENESIS
    short_code = _unique_short_code()
    capacity = signing_capacity(adhesion.member)
    document = signed_documents.adhesion_document(
        adhesion,
        person=person,
        capacity=capacity,
        evidence=evidence,
        short_code=short_code,
        previous_sha256=previous,
    )
    pdf = render_adhesion_pdf(document)
    adhesion.document.save("adesione.pdf", ContentFile(pdf), save=False)
    try:
        if source is not None:
            adhesion.source_file.save(source[0], ContentFile(source[1]), save=False)
            adhesion.source_sha256 = sha256_hex(source[1])
        adhesion.status = AdhesionStatus.SIGNED
        adhesion.signatory = person
        adhesion.signatory_capacity = capacity
        adhesion.signature_method = evidence.method
        adhesion.signed_at = evidence.signed_at
        adhesion.signature_recorded_by = (
            recorded_by if getattr(recorded_by, "is_authenticated", False) else None
        )
        adhesion.evidence = {**document.data()["signature"], **(extra or {})}
        adhesion.document_sha256 = sha256_hex(pdf)
        adhesion.previous_sha256 = previous
        adhesion.chain_position = (last.chain_position + 1) if last else 1
        adhesion.short_code = short_code
        adhesion.save()
        register_signature(adhesion)
    except Exception:
        # The row is rolled back: do not leave its files behind.
        adhesion.document.delete(save=False)
        if adhesion.source_file:
            adhesion.source_file.delete(save=False)
        raise
    return adhesion
