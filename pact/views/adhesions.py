"""The member area's “My pacts”: read the text, confirm with a code, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import permissions
from crm.services import export_log
from pact import services, signed_documents
from pact.access import adhesion_for_user, adhesions_for_user
from pact.adhesion_forms import OwnDigitalSignatureForm, SignatureCodeForm
from pact.models import AdhesionStatus, SignatureChallenge
from pact.selectors import cited_proposals, version_for_display


def _request_meta(request) -> dict:
    """What a signature in the member area records of the request."""
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


@login_required
def adhesion_list(request):
    adhesions = adhesions_for_user(request.user).order_by("member__name", "-pk")
    return render(request, "pact/area/adhesion_list.html", {"adhesions": adhesions})


@login_required
def adhesion_detail(request, pk):
    adhesion = adhesion_for_user(request.user, pk)
    return _detail_page(request, adhesion)


def _detail_page(
    request, adhesion, *, form=None, digital_form=None, code_errors=(), status=200
):
    """The text, the adhesion's terms and, for a signatory, the ways to sign.

    A refused signature comes back here with its form, so the message sits next
    to the field it is about rather than at the top of a long page.
    """
    awaiting = adhesion.status == AdhesionStatus.AWAITING_SIGNATURE
    may_sign = awaiting and services.may_sign(request.user, adhesion.member)
    version = version_for_display(adhesion.version_id)
    challenge = None
    if may_sign:
        challenge = (
            SignatureChallenge.objects.usable()
            .filter(adhesion=adhesion, user=request.user, superseded_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
    if may_sign and digital_form is None:
        digital_form = OwnDigitalSignatureForm(prefix="digital")
    if not may_sign:
        # Someone who may not sign has no form to read a refusal next to.
        for bound in (form, digital_form):
            for errors in bound.errors.values() if bound is not None else ():
                code_errors = [*code_errors, *errors]
    context = {
        "adhesion": adhesion,
        "version": version,
        "proposals": cited_proposals(version),
        "commitment_topics": adhesion.commitment_topics.all(),
        "may_sign": may_sign,
        "challenge": challenge,
        "form": form or SignatureCodeForm(),
        "digital_form": digital_form if may_sign else None,
        "shown_sha256": signed_documents.shown_sha256(adhesion) if may_sign else "",
        "code_errors": code_errors,
    }
    return render(request, "pact/area/adhesion_detail.html", context, status=status)


def _detail_url(adhesion, anchor=""):
    url = reverse("pact:adhesion_detail", args=[adhesion.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
def adhesion_send_code(request, pk):
    adhesion = adhesion_for_user(request.user, pk)
    try:
        challenge, _code = services.challenge_issue(
            adhesion=adhesion, user=request.user
        )
    except ValidationError as exc:
        # Said next to the button, not at the top of the pact's long text.
        return _detail_page(request, adhesion, code_errors=exc.messages, status=400)
    messages.success(
        request,
        _("We sent a code to %(email)s. It is valid for 15 minutes.")
        % {"email": challenge.email},
    )
    # Straight to the code field, not back to the top of the pact's text.
    return redirect(_detail_url(adhesion, "firma-codice"))


@login_required
@require_POST
def adhesion_sign(request, pk):
    adhesion = adhesion_for_user(request.user, pk)
    form = SignatureCodeForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, adhesion, form=form, status=400)
    try:
        services.adhesion_sign_online(
            adhesion=adhesion,
            signatory_user=request.user,
            code=form.cleaned_data["code"],
            request_meta=_request_meta(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        adhesion = adhesion_for_user(request.user, pk)
        return _detail_page(request, adhesion, form=form, status=400)
    messages.success(request, _("Signed. Thank you for joining the network!"))
    return redirect(_detail_url(adhesion, "esito"))


@login_required
def adhesion_text_to_sign(request, pk):
    """The unsigned PDF a signatory signs with their own digital signature."""
    adhesion = adhesion_for_user(request.user, pk)
    if adhesion.status != AdhesionStatus.AWAITING_SIGNATURE or not services.may_sign(
        request.user, adhesion.member
    ):
        raise Http404("Nothing to sign")
    return text_to_sign_response(
        adhesion, person=permissions.person_for_user(request.user)
    )


def text_to_sign_response(adhesion, *, person=None):
    """The unsigned PDF to sign with a digital signature, as a download."""
    pdf = signed_documents.text_to_sign_pdf(adhesion, person=person)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="patto-da-firmare-{adhesion.pk}.pdf"'
    )
    return response


@login_required
@require_POST
def adhesion_sign_digital(request, pk):
    """A signatory uploads the pact they signed with their digital signature."""
    adhesion = adhesion_for_user(request.user, pk)
    form = OwnDigitalSignatureForm(request.POST, request.FILES, prefix="digital")
    if not form.is_valid():
        return _detail_page(request, adhesion, digital_form=form, status=400)
    try:
        services.adhesion_sign_digital_own(
            adhesion=adhesion,
            signatory_user=request.user,
            uploaded=form.cleaned_data["uploaded"],
            code=form.cleaned_data["code"],
            request_meta=_request_meta(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        adhesion = adhesion_for_user(request.user, pk)
        return _detail_page(request, adhesion, digital_form=form, status=400)
    messages.success(
        request,
        _("Your digital signature has been checked and recorded. Thank you!"),
    )
    return redirect(_detail_url(adhesion, "esito"))


@login_required
def adhesion_pdf(request, pk):
    adhesion = adhesion_for_user(request.user, pk)
    return signed_pdf_response(request, adhesion)


def signed_pdf_response(request, adhesion):
    """The stored signed PDF, byte for byte; every download is logged."""
    if not adhesion.is_signed or not adhesion.document:
        raise Http404("Not signed")
    export_log(
        user=request.user,
        what=f"Signed pact {adhesion.short_code} ({adhesion.member})"[:200],
        format="pdf",
        count=1,
        filters={"adhesion": adhesion.pk},
        members=[adhesion.member_id],
        people=[adhesion.signatory_id],
    )
    date = timezone.localtime(adhesion.signed_at).strftime("%Y%m%d")
    return FileResponse(
        adhesion.document.open("rb"),
        as_attachment=True,
        filename=f"patto-{adhesion.short_code}-{date}.pdf",
        content_type="application/pdf",
    )
