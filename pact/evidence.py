"""The evidence of a signature, as a person reads it.

``Adhesion.evidence`` is the JSON recorded when a pact was signed (see
``pact.documents.context.Evidence``, plus what each way of signing adds). The
back office and the member's “my data” page show it through ``evidence_rows``:
labelled in the reader's language, dates as Italians write them, the check of
a digital signature explained rather than printed as JSON.
"""

import datetime

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pact.documents.context import SignatureMethod

# Key → label, in the order a reader expects them. Keys not listed are shown
# last with their own name, so nothing recorded is ever hidden.
LABELS = {
    "method": gettext_lazy("Signature method"),
    "signed_at": gettext_lazy("Signed at"),
    "email": gettext_lazy("Email the code was sent to"),
    "code_sent_at": gettext_lazy("One-time code sent at"),
    "code_confirmed_at": gettext_lazy("One-time code confirmed at"),
    "ip_address": gettext_lazy("IP address"),
    "user_agent": gettext_lazy("Browser"),
    "recorded_at": gettext_lazy("Recorded at"),
    "recorded_by": gettext_lazy("Recorded by"),
    "shown_sha256": gettext_lazy("Fingerprint of what the signatory read (SHA-256)"),
    "source_sha256": gettext_lazy("Fingerprint of the signed file (SHA-256)"),
    "source_signer": gettext_lazy("Certificate of the digital signature"),
    "scan_name": gettext_lazy("Scan of the signed paper"),
    "uploaded_name": gettext_lazy("Uploaded file"),
    "digital": gettext_lazy("Check of the digital signature"),
    "notes": gettext_lazy("Notes"),
}
_DATES = {"signed_at", "code_sent_at", "code_confirmed_at", "recorded_at"}


def _when(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime.datetime):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "d/m/Y H:i:s")


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def digital_check_text(check: dict) -> list[str]:
    """The check of a digital signature in sentences, one per finding."""
    kind = {"pades": _("signed PDF (PAdES)"), "cades": _("signed .p7m file (CAdES)")}
    lines = [
        _("File: %(kind)s.") % {"kind": kind.get(check.get("kind"), check.get("kind"))},
        _("Intact (the file is the one that was signed): %(answer)s.")
        % {"answer": _yes_no(check.get("intact"))},
        _("Valid signature: %(answer)s.") % {"answer": _yes_no(check.get("valid"))},
        _("Covers the whole file: %(answer)s.")
        % {"answer": _yes_no(check.get("whole_file"))},
    ]
    if check.get("trusted"):
        lines.append(
            _("The certificate chains to a trust service this system recognises.")
        )
    else:
        lines.append(
            _(
                "Certificate not checked against the EU list of qualified trust "
                "services (this system holds none): the signature is intact and "
                "valid, and the signer's name and codice fiscale below are those "
                "the certificate states."
            )
        )
    if check.get("signer"):
        lines.append(_("Signer: %(who)s.") % {"who": check["signer"]})
    if check.get("signer_tax_id"):
        lines.append(_("Codice fiscale: %(cf)s.") % {"cf": check["signer_tax_id"]})
    if check.get("signed_at"):
        lines.append(
            _("Time stated by the signature: %(when)s.")
            % {"when": _when(check["signed_at"])}
        )
    if check.get("problem"):
        lines.append(_("Problem found: %(problem)s.") % {"problem": check["problem"]})
    return lines


def _value(key, value):
    if key == "method":
        return str(SignatureMethod.label(value))
    if key in _DATES:
        return _when(value)
    if key == "digital" and isinstance(value, dict):
        return digital_check_text(value)
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dict | list):
        return (
            [f"{k}: {v}" for k, v in value.items()]
            if isinstance(value, dict)
            else value
        )
    return str(value)


def evidence_rows(evidence: dict) -> list[tuple[str, str | list[str]]]:
    """``(label, value)`` of each recorded fact; a list value is a list of lines."""
    evidence = evidence or {}
    present = {k: v for k, v in evidence.items() if v not in (None, "", {}, [])}
    keys = [k for k in LABELS if k in present] + [k for k in present if k not in LABELS]
    return [(str(LABELS.get(k, k)), _value(k, present[k])) for k in keys]
