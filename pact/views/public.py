"""Public pages of the pact in force."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from pact.models import Pact
from pact.pdf import render_pdf
from pact.selectors import cited_proposals, public_adherents, version_in_force


def pact_index(request):
    pact = Pact.objects.with_version_in_force().order_by("pk").first()
    if pact is None:
        raise Http404
    return redirect(pact)


def _in_force(slug):
    pact = get_object_or_404(Pact, slug=slug)
    version = version_in_force(pact)
    if version is None:
        raise Http404
    return pact, version


def pact_detail(request, slug):
    pact, version = _in_force(slug)
    context = {
        "pact": pact,
        "version": version,
        "adherents": public_adherents(version),
        "proposals": cited_proposals(version),
    }
    return render(request, "pact/pact_detail.html", context)


def pact_pdf(request, slug):
    pact, version = _in_force(slug)
    context = {
        "pact": pact,
        "version": version,
        "proposals": cited_proposals(version),
    }
    pdf = render_pdf("pact/pact_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{pact.slug}-v{version.number}.pdf"'
    )
    return response
