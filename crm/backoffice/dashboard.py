"""The network at a glance, on the Wagtail admin home.

Charts are drawn on the server (CSS bars and inline SVG: nothing from a CDN)
and each comes with a table holding the same numbers, for screen readers and
for anyone who wants the figures.
"""

from django.utils import formats
from wagtail.admin.ui.components import Component

from crm import selectors

SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 640, 220, 28


def bars(rows):
    """``[(label, value, *extra)]`` → rows with a bar width in percent."""
    top = max((row[1] for row in rows), default=0) or 1
    return [
        {"label": row[0], "value": row[1], "pct": round(100 * row[1] / top, 1)}
        for row in rows
    ]


def paired_bars(topics):
    top = max((max(t.needs, t.offers) for t in topics), default=0) or 1
    return [
        {
            "label": topic.label,
            "needs": topic.needs,
            "offers": topic.offers,
            "needs_pct": round(100 * topic.needs / top, 1),
            "offers_pct": round(100 * topic.offers / top, 1),
        }
        for topic in topics
    ]


def growth_chart(series):
    """Columns for new members per month, a polyline for the running total."""
    if not series:
        return None
    inner_w, inner_h = SVG_WIDTH - 2 * SVG_PAD, SVG_HEIGHT - 2 * SVG_PAD
    step = inner_w / len(series)
    top_new = max(p["new"] for p in series) or 1
    top_total = series[-1]["total"] or 1
    columns, points = [], []
    for i, point in enumerate(series):
        height = inner_h * point["new"] / top_new
        x = SVG_PAD + i * step
        columns.append(
            {
                "x": round(x + step * 0.15, 1),
                "y": round(SVG_PAD + inner_h - height, 1),
                "w": round(step * 0.7, 1),
                "h": round(height, 1),
                "label": formats.date_format(point["month"], "M Y"),
                "new": point["new"],
                "total": point["total"],
            }
        )
        total_y = SVG_PAD + inner_h - inner_h * point["total"] / top_total
        points.append(f"{x + step / 2:.1f},{total_y:.1f}")
    return {
        "width": SVG_WIDTH,
        "height": SVG_HEIGHT,
        "baseline": SVG_PAD + inner_h,
        "left": SVG_PAD,
        "right": SVG_WIDTH - SVG_PAD,
        "columns": columns,
        "points": " ".join(points),
        "first": columns[0]["label"],
        "last": columns[-1]["label"],
        "top_new": top_new,
        "top_total": top_total,
    }


def network_at_a_glance():
    by_municipality, without_municipality = selectors.members_by_municipality()
    by_kind = selectors.members_by_kind()
    return {
        "total": sum(n for _label, n in by_kind),
        "prospects": selectors.prospects_count(),
        "undated": selectors.adherents_without_joining_date(),
        "by_kind": bars(by_kind),
        "by_municipality": [
            {**row, "is_piana": piana}
            for row, (_n, piana, _c) in zip(
                bars([(name, n) for name, _piana, n in by_municipality]),
                by_municipality,
                strict=True,
            )
        ],
        "without_municipality": without_municipality,
        "growth": growth_chart(selectors.members_by_joined_month()),
        "topics": paired_bars(selectors.needs_and_offers_by_topic()),
    }


class NetworkDashboardPanel(Component):
    name = "network_dashboard"
    template_name = "crm/admin/dashboard_panel.html"
    order = 50

    def get_context_data(self, parent_context=None):
        return network_at_a_glance()
