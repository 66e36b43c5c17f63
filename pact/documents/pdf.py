"""Archival PDFs (PDF/A-3b) with WeasyPrint.

The adhesion's data travels inside the PDF as a JSON attachment, so the file
explains itself decades later; a QR code and a short code point to the public
verification page. Only local files (the bundled fonts) and ``data:`` URLs
are fetched while rendering: a rich-text image cannot make the server call
out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher

from .context import AdhesionDocument

PDF_VARIANT = "pdf/a-3b"
ATTACHMENT_NAME = "adesione.json"
TEMPLATE = "pact/documents/adhesion.html"


def font_dir() -> Path | None:
    """Bootstrap Italia's font folder (Titillium Web, Roboto Mono), if present."""
    try:
        import bootstrap_italia_template
    except ImportError:  # pragma: no cover - the theme is a dependency
        return None
    path = Path(bootstrap_italia_template.__file__).parent / "static" / "fonts"
    return path if path.is_dir() else None


class LocalOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files under the allowed folders, nothing else."""

    def __init__(self, allowed_dirs=(), **kwargs):
        super().__init__(**kwargs)
        self._allowed = [Path(d).resolve() for d in allowed_dirs]

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(d) for d in self._allowed):
                return super().fetch(url, headers)
        raise ValueError(f"Refused to fetch {url[:80]} while rendering a PDF")


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url`` (sized by CSS)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=4, border=2, omitsize=True, dark="#000"
    )


def drop_info_producer(document, pdf) -> None:
    """WeasyPrint finisher: what PDF/A-3 needs and the seal would break.

    The Info ``Producer`` goes: pyHanko later rewrites the XMP producer, and
    with no Info producer the two can never disagree (see STACK-NOTES).
    WeasyPrint lists each attachment twice in the catalog's ``/AF``; PDF/A
    wants each file once.
    """
    pdf.info.pop("Producer", None)
    files = pdf.catalog.get("AF")
    if files:
        unique = list(dict.fromkeys(files))
        files.clear()
        files.extend(unique)


def html_to_pdf(
    html: str,
    *,
    data: dict | None = None,
    attachment_name: str = ATTACHMENT_NAME,
    attachment_description: str = "",
    finisher: Callable | None = drop_info_producer,
    allowed_dirs=(),
) -> bytes:
    """Render ``html`` to PDF/A-3b bytes, embedding ``data`` as a JSON file."""
    attachments = []
    if data is not None:
        attachments.append(
            Attachment(
                string=json.dumps(data, ensure_ascii=False, indent=2),
                name=attachment_name,
                description=attachment_description or attachment_name,
                relationship="Data",
            )
        )
    dirs = [d for d in (font_dir(), *allowed_dirs) if d]
    return HTML(string=html, url_fetcher=LocalOnlyFetcher(allowed_dirs=dirs)).write_pdf(
        pdf_variant=PDF_VARIANT,
        attachments=attachments,
        finisher=finisher,
    )


def adhesion_html(document: AdhesionDocument, *, language: str = "it") -> str:
    """The signed pact as HTML, in ``language`` (Italian by default)."""
    with translation.override(language):
        return render_to_string(TEMPLATE, _template_context(document))


def render_adhesion_pdf(
    document: AdhesionDocument, *, language: str = "it", seal: bool | None = None
) -> bytes:
    """The final bytes of a signed pact: PDF/A-3b, sealed when a seal is set up.

    ``seal=None`` seals when a certificate is configured, ``True`` requires it
    (:class:`~.seal.SealNotConfigured` otherwise), ``False`` never seals. The
    SHA-256 of the returned bytes is the document's identity.
    """
    from . import seal as sealing

    with translation.override(language):
        pdf = html_to_pdf(
            adhesion_html(document, language=language),
            data=document.data(),
            attachment_description=str(
                translation.gettext("Data of the adhesion, machine-readable")
            ),
        )
    if seal is False or (seal is None and not sealing.seal_configured()):
        return pdf
    return sealing.seal_pdf(pdf)


def _template_context(document: AdhesionDocument) -> dict:
    fonts = font_dir()
    branding = document.branding
    logo_url = ""
    if branding.logo:
        encoded = base64.b64encode(branding.logo).decode("ascii")
        logo_url = f"data:{branding.logo_media_type};base64,{encoded}"
    return {
        "doc": document,
        "pact": document.pact,
        "member": document.member,
        "role": document.network_role,
        "signatory": document.signatory,
        "evidence": document.evidence,
        "branding": branding,
        "logo_url": logo_url,
        "font_url": fonts.as_uri() if fonts else "",
        "qr_svg": qr_svg(document.verification_url),
        # Whole seconds: the PDF Info dates cannot hold more, and XMP must agree.
        "issued_at": (document.issued_at or timezone.now()).replace(microsecond=0),
    }
