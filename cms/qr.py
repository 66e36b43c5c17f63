"""QR codes for check-in: inline SVG for pages, PNG for emails and PDFs."""

import io

import segno
from django.utils.safestring import mark_safe


def qr_svg(data: str, *, title: str = "") -> str:
    code = segno.make(data, error="m")
    return mark_safe(  # noqa: S308 - segno escapes the title; the rest is its SVG
        code.svg_inline(scale=5, border=2, title=title or None, svgclass="qr-code")
    )


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
