"""PDF rendering with WeasyPrint, in the site's fonts (Titillium Web, Lora)."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

_TITILLIUM = "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-{}.woff2"
_LORA = "fonts/Lora/lora-v20-latin-ext_latin-{}.woff2"
FONT_FILES = {
    "titillium_regular": _TITILLIUM.format("regular"),
    "titillium_bold": _TITILLIUM.format("700"),
    "titillium_semibold": _TITILLIUM.format("600"),
    "lora_regular": _LORA.format("regular"),
    "lora_italic": _LORA.format("italic"),
}


def font_urls() -> dict[str, str]:
    """file:// URLs of the fonts, for @font-face in PDF templates."""
    urls = {}
    for key, relative in FONT_FILES.items():
        found = finders.find(relative)
        if found:
            urls[key] = Path(found).as_uri()
    return urls


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        template_name, {**context, "fonts": font_urls()}, request=request
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
