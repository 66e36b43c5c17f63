"""The seal of a handover manifest: a detached CMS (CAdES) signature.

The sending instance signs the SHA-256 of ``manifest.json`` with its
network seal (the key and certificate of :mod:`.seal`) and ships the
signature as ``manifest.json.p7s``; the receiver accepts the manifest only if
the signature is intact and its certificate chains to a certificate it trusts
(its registered senders). Since the manifest lists every file's SHA-256, the
seal covers the whole bundle.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass

from asn1crypto import cms, pem, x509
from django.utils.translation import gettext as _
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

MANIFEST_SEAL = "manifest.json.p7s"


class NotACertificate(ValueError):
    """The bytes given are not an X.509 certificate (PEM or DER)."""


def load_certificate(data: bytes) -> x509.Certificate:
    """An X.509 certificate from PEM or DER bytes."""
    try:
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        certificate = x509.Certificate.load(data)
        _parsed = certificate.native  # parse it all now: a bad field fails here
    except Exception as exc:  # asn1crypto raises many kinds on garbage
        raise NotACertificate(str(exc)) from exc
    return certificate


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER encoding, lower-case hex."""
    return certificate.sha256.hex()


def certificate_pem(certificate: x509.Certificate) -> str:
    return pem.armor("CERTIFICATE", certificate.dump()).decode("ascii")


def _run(coroutine):
    """Run pyHanko's coroutine to the end, even from a thread whose event loop
    is already running (then in a thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def seal_digest(digest: bytes, *, signer) -> bytes:
    """A detached CMS signature (DER) over data whose SHA-256 is ``digest``."""
    content = _run(
        signer.async_sign(digest, "sha256", use_pades=False, is_pdf_sig=False)
    )
    return content.dump()


@dataclass(frozen=True)
class ManifestSeal:
    ok: bool
    signer: str = ""
    fingerprint: str = ""
    problem: str = ""


def verify_manifest_seal(
    manifest: bytes, signature: bytes | None, *, roots: list[x509.Certificate]
) -> ManifestSeal:
    """Is ``signature`` an intact seal of ``manifest`` by a trusted certificate?"""
    if not signature:
        return ManifestSeal(
            False,
            problem=_(
                "The manifest is not sealed (manifest.json.p7s is missing): the "
                "bundle cannot be attributed to a trusted sender."
            ),
        )
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False)
        status = _run(
            async_validate_detached_cms(
                manifest, signed_data, signer_validation_context=context
            )
        )
    except Exception:  # a forged or damaged signature fails in many ways
        return ManifestSeal(
            False, problem=_("The seal of the manifest is damaged or not a seal.")
        )
    signer = status.signing_cert.subject.human_friendly
    found = fingerprint(status.signing_cert)
    if not (status.intact and status.valid):
        return ManifestSeal(
            False,
            signer,
            found,
            _("The seal of the manifest does not match it: the manifest was changed."),
        )
    if not status.trusted:
        return ManifestSeal(
            False,
            signer,
            found,
            _(
                "The bundle is sealed by “%(signer)s” (fingerprint %(fingerprint)s), "
                "which is not a trusted sender of this instance."
            )
            % {"signer": signer, "fingerprint": found},
        )
    return ManifestSeal(True, signer, found)
