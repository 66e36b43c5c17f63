"""The verdict callout: one look for every moment that decides something.

    {% load verdicts %}
    {% verdict "success" _("Genuine") live=True %}<p>…</p>{% endverdict %}

renders ``includes/verdict.html`` around what it encloses: a verification
result, a signature confirmed, a code not found. Tone picks the colour and an
icon, so the verdict never relies on colour alone.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

register = template.Library()

TONES = {
    "success": ("it-check-circle", _("Positive outcome")),
    "danger": ("it-close-circle", _("Negative outcome")),
    "warning": ("it-warning-circle", _("Warning")),
    "note": ("it-info-circle", _("Information")),
}


class VerdictNode(template.Node):
    def __init__(self, tone, title, options, nodelist):
        self.tone, self.title, self.options = tone, title, options
        self.nodelist = nodelist

    def render(self, context):
        tone = str(self.tone.resolve(context))
        if tone not in TONES:
            raise template.TemplateSyntaxError(f"verdict: unknown tone {tone!r}")
        icon, tone_label = TONES[tone]
        options = {name: value.resolve(context) for name, value in self.options}
        return render_to_string(
            "includes/verdict.html",
            {
                "tone": tone,
                "icon": icon,
                "tone_label": tone_label,
                "title": self.title.resolve(context),
                "body": self.nodelist.render(context),
                "id": options.get("id", ""),
                "live": options.get("live", False),
                "focus": options.get("focus", False),
                "extra_class": options.get("extra_class", ""),
            },
        )


@register.tag
def verdict(parser, token):
    """``{% verdict TONE TITLE [id=…] [live=True] [focus=True] %}…{% endverdict %}``"""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("verdict needs a tone and a title")
    tone, title = parser.compile_filter(bits[1]), parser.compile_filter(bits[2])
    options = []
    for bit in bits[3:]:
        name, sep, value = bit.partition("=")
        if not sep:
            raise template.TemplateSyntaxError(f"verdict: expected name=value, {bit}")
        options.append((name, parser.compile_filter(value)))
    nodelist = parser.parse(("endverdict",))
    parser.delete_first_token()
    return VerdictNode(tone, title, options, nodelist)


@register.filter
def tone(value, mapping: str) -> str:
    """A verdict's tone from a value: ``status|tone:"confirmed:success *:note"``."""
    choices = dict(pair.split(":", 1) for pair in mapping.split())
    return choices.get(str(value), choices.get("*", "note"))
