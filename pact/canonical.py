"""The canonical text of a pact version: what its SHA-256 stands for.

A stable JSON document (sorted keys, fixed separators, UTF-8) of everything a
signatory reads: pact, version number, effective date, preamble, articles with
the proposals they cite, network roles, duration and renewal terms. Rich text
is taken as stored, with line endings normalised.
"""

import hashlib
import json

FORMAT = "lucca-in-famiglia/pact-version/1"


def _rich(value: str) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def canonical_text(version) -> str:
    articles = version.articles.order_by("sort_order", "pk").prefetch_related(
        "proposals"
    )
    roles = version.network_roles.order_by("sort_order", "pk")
    document = {
        "format": FORMAT,
        "pact": {"slug": version.pact.slug, "title": version.pact.title},
        "version": version.number,
        "effective_date": (
            version.effective_date.isoformat() if version.effective_date else None
        ),
        "preamble": _rich(version.preamble),
        "articles": [
            {
                "number": number,
                "title": article.title.strip(),
                "body": _rich(article.body),
                "proposals": sorted(p.pk for p in article.proposals.all()),
            }
            for number, article in enumerate(articles, start=1)
        ],
        "network_roles": [
            {
                "code": role.code,
                "name": role.name.strip(),
                "description": role.description.strip(),
                "responsibilities": _rich(role.responsibilities),
            }
            for role in roles
        ],
        "duration_terms": _rich(version.duration_terms),
        "renewal_terms": _rich(version.renewal_terms),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
