"""The public verification page, target of the QR code on every signed pact."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pact.adhesion_forms import VerifyCodeForm, VerifyUploadForm
from pact.documents.context import normalise_short_code
from pact.documents.verify import verify_document
from pact.models import Adhesion, SignatureMethod
from pact.services.adhesions import registry_record


@require_http_methods(["GET", "POST"])
def verify(request):
    """Enter a code (GET) or upload a PDF (POST); both answer on this page."""
    code_form = VerifyCodeForm(request.GET or None)
    upload_form = VerifyUploadForm()
    if code_form.is_valid():
        return redirect("pact:verify_code", code=code_form.cleaned_data["code"])
    verdict = None
    if request.method == "POST":
        upload_form = VerifyUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            verdict = verify_document(upload.read())
    context = {
        "code_form": code_form,
        "upload_form": upload_form,
        "verdict": verdict,
        "method_label": _method_label(verdict.record if verdict else None),
    }
    return render(request, "pact/verify.html", context)


def verify_code(request, code):
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
    context = {
        "code": code,
        "record": registry_record(adhesion) if adhesion else None,
        "adhesion": adhesion,
        "method_label": _method_label(adhesion),
        "code_form": VerifyCodeForm(initial={"code": code}),
        "upload_form": VerifyUploadForm(),
    }
    status = 200 if adhesion else 404
    return render(request, "pact/verify_code.html", context, status=status)


def _method_label(record) -> str:
    method = getattr(record, "method", None) or getattr(record, "signature_method", "")
    return SignatureMethod(method).label if method in SignatureMethod.values else ""
