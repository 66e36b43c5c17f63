"""Public pages of the pact in force."""

import functools
import hashlib

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from pact.models import Pact
from pact.pdf import render_pdf
from pact.selectors import cited_proposals, public_adherents, version_in_force
from pact.services.register import register_state


def pact_index(request):
    """The pact in force; while none is open for signature, a page saying so
    (the menu and the home page link here from the first day)."""
    pact = Pact.objects.with_version_in_force().order_by("pk").first()
    if pact is None:
        return render(request, "pact/pact_none.html")
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
        "register": register_state(version),
    }
    return render(request, "pact/pact_detail.html", context)


# The version in force is frozen: its PDF changes only with the language (and
# with a new release of the template, hence the day's limit). Rendering takes
# about a second, so it is rendered once per language and kept in the cache,
# which production shares between its processes.
PDF_CACHE_SECONDS = 24 * 3600


@functools.cache
def _template_fingerprint() -> str:
    """Changes with a release that changes the PDF's template."""
    source = get_template("pact/pact_pdf.html").template.source
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def pact_pdf(request, slug):
    pact, version = _in_force(slug)
    language = get_language() or "it"
    fingerprint = hashlib.sha256(
        "|".join(
            (
                str(version.pk),
                version.text_sha256,
                pact.title,
                language,
                _template_fingerprint(),
            )
        ).encode()
    ).hexdigest()[:32]
    key = f"pact-pdf:{fingerprint}"
    etag = f'"{fingerprint}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        pdf = cache.get(key)
        if pdf is None:
            context = {
                "pact": pact,
                "version": version,
                "proposals": cited_proposals(version),
            }
            pdf = render_pdf("pact/pact_pdf.html", context)
            cache.set(key, pdf, PDF_CACHE_SECONDS)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{pact.slug}-v{version.number}.pdf"'
        )
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    patch_vary_headers(response, ["Cookie"])
    return response
