"""System checks: a misconfigured seal fails at start-up, not on a visitor's upload."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def seal_settings(app_configs=None, **kwargs):
    from pact.documents import seal

    errors = []
    for name in ("PACT_TRUST_ROOTS", "PACT_TSA_ROOTS"):
        try:
            seal._pem_certificates(getattr(settings, name, ()))
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(f"{name}: {exc}", id="pact.E001"))
    if getattr(settings, "PACT_SEAL_PKCS12", ""):
        try:
            seal.configured_signer()
        except (seal.SealNotConfigured, ImproperlyConfigured, ValueError) as exc:
            errors.append(checks.Error(f"PACT_SEAL_PKCS12: {exc}", id="pact.E002"))
    if getattr(settings, "PACT_TSA_URL", "") and not getattr(
        settings, "PACT_TSA_ROOTS", ()
    ):
        errors.append(
            checks.Warning(
                "PACT_TSA_URL is set but PACT_TSA_ROOTS is empty: time-stamps will "
                "not be reported as trusted.",
                hint="List the time-stamping authority's root certificate (PEM).",
                id="pact.W001",
            )
        )
    return errors
