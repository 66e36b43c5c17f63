"""What a person sees that a page should never show, checked in the browser.

Each check fails with the page and what was found: a page wider than the
phone it is read on, English words or internal values on an Italian page, a
verdict without its frame.
"""

import re

# Words of the code or of Django's and Wagtail's defaults that once reached
# Italian pages: automatic labels from field names, booleans, English notes.
ENGLISH = re.compile(
    r"\b(True|False|None|Full name|Created at|Updated at|Childcare ages|"
    r"Registrant kind|Cites proposals|Signed at|Evidence|Prepared on)\b"
)
# Italian words that are also values in the code: never reported.
ITALIAN_WORDS = {
    "online",
    "webinar",
    "email",
    "note",
    "privacy",
    "newsletter",
    "altro",
    "comune",
    "scuola",
    "provincia",
    "regione",
    "universita",
}


def _choice_values() -> set[str]:
    """The stored values of every choice of the project's models (``in_person``,
    ``confirmed``, ``guardian``…), which a page must show by their label."""
    from django.apps import apps

    values = set()
    for app in ("crm", "cms", "pact"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or ():
                    if (
                        isinstance(value, str)
                        and re.fullmatch(r"[a-z][a-z_]{3,}", value)
                        and value not in ITALIAN_WORDS
                        and str(label) != value
                    ):
                        values.add(value)
    return values


def _visible_text(page, selector="main") -> str:
    return page.inner_text(selector)


def assert_plain_italian(page, where: str, selector="main"):
    """No English label and no stored choice value in the page's text."""
    text = _visible_text(page, selector)
    english = sorted(set(ENGLISH.findall(text)))
    raw = sorted(v for v in _choice_values() if re.search(rf"\b{v}\b", text))
    assert not english and not raw, (
        f"{where} ({page.url}): English {english}, internal values {raw}"
    )


def assert_no_horizontal_scroll(page, where: str):
    """The page is no wider than the window (the phone) it is read in."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{where} ({page.url}) is {widths[0]} px wide in a {widths[1]} px window"
    )


def assert_verdicts_framed(page, where: str, *, expected=None):
    """Every callout has Bootstrap Italia's inner frame (a visible border), an
    icon and a title; ``expected`` is the tone one of them must have."""
    callouts = page.evaluate(
        """() => Array.from(document.querySelectorAll('main .callout')).map(c => {
            const inner = c.querySelector(':scope > .callout-inner');
            const title = c.querySelector('.callout-title');
            const style = inner && getComputedStyle(inner);
            return {
                classes: c.className,
                border: style ? parseFloat(style.borderTopWidth) : 0,
                icon: !!(title && title.querySelector('svg.icon')),
                title: title ? title.innerText.trim() : '',
            };
        })"""
    )
    unframed = [
        c for c in callouts if c["border"] < 2 or not c["icon"] or not c["title"]
    ]
    assert not unframed, f"{where} ({page.url}): unframed callouts {unframed}"
    if expected:
        assert any(expected in c["classes"].split() for c in callouts), (
            f"{where} ({page.url}): no {expected} verdict among {callouts}"
        )
    return callouts


def assert_in_view(page, selector: str, where: str):
    """The element is within the window without scrolling."""
    box = page.locator(selector).bounding_box()
    height = page.evaluate("window.innerHeight")
    assert box and 0 <= box["y"] <= height - box["height"], (
        f"{where}: {selector} at y={box and box['y']} outside a {height} px window"
    )


__all__ = [
    "assert_in_view",
    "assert_no_horizontal_scroll",
    "assert_plain_italian",
    "assert_verdicts_framed",
]
