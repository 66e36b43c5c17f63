"""The public verification page, target of the QR code on every signed pact."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms import ratelimit
from pact.adhesion_forms import VerifyCodeForm, VerifyUploadForm
from pact.documents.context import normalise_short_code
from pact.documents.verify import verify_document
from pact.models import Adhesion, SignatureMethod
from pact.services.adhesions import registry_record
from pact.services.trust import trusted_roots

# Each check parses a PDF and its seal: generous for people, tight for scripts.
DEFAULT_UPLOAD_LIMIT = (30, 3600)


@require_http_methods(["GET", "POST"])
def verify(request):
    """Enter a code (GET) or upload a PDF (POST); both answer on this page."""
    code_form = VerifyCodeForm(request.GET or None)
    if code_form.is_valid():
        return redirect("pact:verify_code", code=code_form.cleaned_data["code"])
    upload_form, verdict = _checked_upload(request)
    context = {
        "code_form": code_form,
        "upload_form": upload_form,
        "verdict": verdict,
        "method_label": _method_label(verdict.record if verdict else None),
    }
    return render(request, "pact/verify.html", context)


@require_http_methods(["GET", "POST"])
def verify_code(request, code):
    """The pact a code names; an uploaded file is checked against that pact."""
    normalised = normalise_short_code(code)
    if normalised and normalised != code:
        return redirect("pact:verify_code", code=normalised)
    adhesion = (
        Adhesion.objects.signed()
        .select_related("version__pact", "member")
        .filter(short_code=normalised)
        .first()
        if normalised
        else None
    )
    upload_form, verdict = _checked_upload(request) if adhesion else (None, None)
    same = bool(
        verdict
        and verdict.genuine
        and verdict.record.sha256 == adhesion.document_sha256
    )
    context = {
        "code": code,
        "record": registry_record(adhesion) if adhesion else None,
        "adhesion": adhesion,
        "method_label": _method_label(adhesion),
        "code_form": VerifyCodeForm(initial={"code": code}),
        "upload_form": upload_form or VerifyUploadForm(),
        "upload_action": reverse("pact:verify_code", args=[code]) if adhesion else "",
        "verdict": verdict,
        "same_document": same,
        # Genuine, but another code's: whose it is stays unsaid.
        "other_document": bool(verdict and verdict.genuine and not same),
    }
    status = 200 if adhesion else 404
    return render(request, "pact/verify_code.html", context, status=status)


def _checked_upload(request):
    """The upload form and, for a valid upload within the rate limit, a verdict."""
    if request.method != "POST":
        return VerifyUploadForm(), None
    form = VerifyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    attempts = getattr(settings, "PACT_VERIFY_UPLOAD_RATE_LIMIT", DEFAULT_UPLOAD_LIMIT)
    address = ratelimit.client_address(request)
    if not ratelimit.allow("verify-upload", address, limit=attempts):
        form.add_error(
            "file",
            _("Too many files checked from your connection: try again in an hour."),
        )
        return form, None
    return form, verify_document(
        form.cleaned_data["file"].read(), roots=trusted_roots()
    )


def _method_label(record) -> str:
    method = getattr(record, "method", None) or getattr(record, "signature_method", "")
    return SignatureMethod(method).label if method in SignatureMethod.values else ""
