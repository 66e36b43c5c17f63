"""Plain words from the site's pages: for search results and listings."""

import re

from django import template
from django.utils import formats
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

register = template.Library()

_BLOCK_END = re.compile(r"</(p|h\d|li|div|blockquote)>|<br\s*/?>", re.I)


@register.filter
def plain(rich) -> str:
    """Rich text as one line of words: paragraphs apart (“2020. La”), no tags."""
    text = strip_tags(_BLOCK_END.sub(" ", str(rich or "")))
    return " ".join(text.split())


@register.filter
def result_kind(page) -> str:
    """What a search result is, when that helps: an event and its day, a news
    item and its date. Plain pages need no label."""
    from cms.models import EventPage, NewsPage

    if isinstance(page, EventPage):
        day = formats.date_format(page.local_start, "l j F Y")
        return _("Event · %(day)s") % {"day": day}
    if isinstance(page, NewsPage):
        return _("News · %(day)s") % {"day": formats.date_format(page.date, "j F Y")}
    return ""


@register.filter
def result_excerpt(page, words=30) -> str:
    """The page's own description, or the first words of its summary or text."""
    for name in ("search_description", "summary", "intro", "body"):
        text = plain(getattr(page, name, ""))
        if text:
            return Truncator(text).words(int(words), truncate=" …")
    return ""
