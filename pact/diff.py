"""A readable comparison of two pact versions, section by section.

Always from the older version to the newer one, whichever of the two the
coordinator starts from: what the newer version adds reads as added. Articles
are paired by their title where they kept it, so an article inserted in the
middle reads as one article added rather than as every later one changed.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

_BLOCK_END = re.compile(r"</(p|h\d|li|ul|ol|div)>|<br\s*/?>", re.I)
# Words, punctuation marks and runs of spaces, each a token of its own.
_TOKENS = re.compile(r"\w+|[^\w\s]|\s+")


def plain_text(rich: str) -> str:
    """Rich text as the reader sees it: one paragraph per line."""
    text = strip_tags(_BLOCK_END.sub("\n", rich or ""))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _marked(tag: str, text: str, label: str) -> str:
    # The hidden label tells screen readers what colour and strike-through show.
    return (
        f'<{tag}><span class="w-sr-only">[{escape(label)}: </span>'
        f'{escape(text)}<span class="w-sr-only">]</span></{tag}>'
    )


def _changes(a, b):
    """Opcodes of ``a`` → ``b`` with the spaces between two changes joined to
    them, so that a run of changed words reads as one deletion and one
    insertion rather than word by word."""
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    merged = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        between = 0 < index < len(opcodes) - 1 and merged and merged[-1][0] != "equal"
        if op == "equal" and between and all(t.isspace() for t in a[a1:a2]):
            op = "replace"
        if op != "equal" and merged and merged[-1][0] != "equal":
            _op, x1, _x2, y1, _y2 = merged[-1]
            merged[-1] = ("replace", x1, a2, y1, b2)
        else:
            merged.append((op, a1, a2, b1, b2))
    return merged


def word_diff(old: str, new: str) -> str:
    """HTML with deleted words in <del> and inserted words in <ins>.

    A replaced word reads “~~dopo~~ salvo”, never “doposalvo”: a space
    separates a deletion from the insertion that follows it.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out = []
    for op, a1, a2, b1, b2 in _changes(a, b):
        if op == "equal":
            out.append(escape("".join(a[a1:a2])))
            continue
        removed, added = "".join(a[a1:a2]), "".join(b[b1:b2])
        if removed:
            out.append(_marked("del", removed, _("deleted")))
        if removed and added and not (removed[-1].isspace() or added[0].isspace()):
            out.append(" ")
        if added:
            out.append(_marked("ins", added, _("added")))
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


def proposal_reference(proposal) -> str:
    """How the pact cites a proposal, here as on the published pact: P5."""
    return f"P{proposal.pk}"


def _article_text(article) -> str:
    if article is None:
        return ""
    body = f"{article.title}\n{plain_text(article.body)}"
    cites = ", ".join(proposal_reference(p) for p in article.proposals.all())
    if cites:
        body += f"\n{_('From the proposals')}: {cites}"
    return body


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


def _article_label(old_number, new_number) -> str:
    if new_number is None:
        return _("Article %(number)s (removed)") % {"number": old_number}
    if old_number is None or old_number == new_number:
        return _("Article %(number)s") % {"number": new_number}
    return _("Article %(number)s (was %(old)s)") % {
        "number": new_number,
        "old": old_number,
    }


def _paired_articles(old_articles, new_articles):
    """(old number, old article, new number, new article) in reading order."""
    titles = difflib.SequenceMatcher(
        None,
        [a.title.strip().lower() for a in old_articles],
        [a.title.strip().lower() for a in new_articles],
        autojunk=False,
    )
    for op, a1, a2, b1, b2 in titles.get_opcodes():
        if op == "equal" or (op == "replace" and a2 - a1 == b2 - b1):
            # Same titles, or the same number of articles retitled in place.
            for i, j in zip(range(a1, a2), range(b1, b2), strict=True):
                yield i + 1, old_articles[i], j + 1, new_articles[j]
            continue
        for i in range(a1, a2):
            yield i + 1, old_articles[i], None, None
        for j in range(b1, b2):
            yield None, None, j + 1, new_articles[j]


def ordered(first, second):
    """The two versions as (older, newer), by their number."""
    return (first, second) if first.number <= second.number else (second, first)


def compare_versions(old, new) -> list[Section]:
    """Sections of the newer version against the older one (in either order)."""
    old, new = ordered(old, new)
    sections = [
        _section(
            _("Effective date"),
            old.effective_date.strftime("%d/%m/%Y") if old.effective_date else "",
            new.effective_date.strftime("%d/%m/%Y") if new.effective_date else "",
        ),
        _section(_("Preamble"), plain_text(old.preamble), plain_text(new.preamble)),
    ]
    pairs = _paired_articles(list(old.articles.all()), list(new.articles.all()))
    for old_number, before, new_number, after in pairs:
        sections.append(
            _section(
                _article_label(old_number, new_number),
                _article_text(before),
                _article_text(after),
            )
        )
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
