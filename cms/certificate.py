"""Attendance certificate: an A4 landscape PDF rendered with WeasyPrint."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cms.emails import people_language
from cms.models import Registration


def _font_dir() -> str:
    found = finders.find("fonts/Titillium_Web/OFL.txt")
    return Path(found).parent.as_uri() if found else ""


def certificate_pdf(registration: Registration) -> bytes:
    from weasyprint import HTML

    with translation.override(people_language()):
        html = render_to_string(
            "cms/certificate.html",
            {
                "registration": registration,
                "event": registration.event,
                "person": registration.person,
                "font_dir": _font_dir(),
                "issued_on": timezone.localdate(),
            },
        )
    return HTML(string=html, base_url=str(Path.cwd())).write_pdf()


def pdf_response(registration: Registration) -> HttpResponse:
    response = HttpResponse(
        certificate_pdf(registration), content_type="application/pdf"
    )
    name = f"attestato-{registration.event.slug}-{registration.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
