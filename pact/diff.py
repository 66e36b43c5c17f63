"""A readable comparison of two pact versions, section by section."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

_BLOCK_END = re.compile(r"</(p|h\d|li|ul|ol|div)>|<br\s*/?>", re.I)
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def plain_text(rich: str) -> str:
    """Rich text as the reader sees it: one paragraph per line."""
    text = strip_tags(_BLOCK_END.sub("\n", rich or ""))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def word_diff(old: str, new: str) -> str:
    """HTML with deleted words in <del> and inserted words in <ins>."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[a1:a2])))
            continue
        if a2 > a1:
            out.append(f"<del>{escape(''.join(a[a1:a2]))}</del>")
        if b2 > b1:
            out.append(f"<ins>{escape(''.join(b[b1:b2]))}</ins>")
    return mark_safe("".join(out).replace("\n", "<br>"))


@dataclass
class Section:
    label: str
    state: str  # "same", "changed", "added", "removed"
    html: str


def _section(label, old, new) -> Section:
    if old == new:
        state = "same"
    elif not old:
        state = "added"
    elif not new:
        state = "removed"
    else:
        state = "changed"
    return Section(label=label, state=state, html=word_diff(old, new))


def _article_text(article) -> str:
    if article is None:
        return ""
    cites = ", ".join(f"#{p.pk}" for p in article.proposals.all())
    body = f"{article.title}\n{plain_text(article.body)}"
    return body + (f"\n[{_('Cites proposals')}: {cites}]" if cites else "")


def _role_text(role) -> str:
    if role is None:
        return ""
    return "\n".join(
        part
        for part in (
            role.name,
            role.description,
            plain_text(role.responsibilities),
        )
        if part
    )


def compare_versions(old, new) -> list[Section]:
    """Sections of ``new`` against ``old``: articles by position, roles by code."""
    sections = [
        _section(
            _("Effective date"),
            old.effective_date.strftime("%d/%m/%Y") if old.effective_date else "",
            new.effective_date.strftime("%d/%m/%Y") if new.effective_date else "",
        ),
        _section(_("Preamble"), plain_text(old.preamble), plain_text(new.preamble)),
    ]
    old_articles, new_articles = list(old.articles.all()), list(new.articles.all())
    for index in range(max(len(old_articles), len(new_articles))):
        before = old_articles[index] if index < len(old_articles) else None
        after = new_articles[index] if index < len(new_articles) else None
        label = _("Article %(number)s") % {"number": index + 1}
        sections.append(_section(label, _article_text(before), _article_text(after)))
    old_roles = {r.code: r for r in old.network_roles.all()}
    new_roles = {r.code: r for r in new.network_roles.all()}
    for code in list(old_roles) + [c for c in new_roles if c not in old_roles]:
        role = new_roles.get(code) or old_roles[code]
        label = _("Network role: %(name)s") % {"name": role.name}
        sections.append(
            _section(
                label, _role_text(old_roles.get(code)), _role_text(new_roles.get(code))
            )
        )
    sections += [
        _section(
            _("Duration"),
            plain_text(old.duration_terms),
            plain_text(new.duration_terms),
        ),
        _section(
            _("Renewal"), plain_text(old.renewal_terms), plain_text(new.renewal_terms)
        ),
    ]
    return sections
