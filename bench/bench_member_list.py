"""The Wagtail admin member list with 100,000 members, against a plain ListView.

Both lists show the first page of the same queryset (``selectors.member_list``)
at the same page size, through the test Client in the same process; the ratio
is admin time / ListView time. Query counts are taken with 1,000 members and
again with 100,000: they must not change.

Standalone: ``python bench/bench_member_list.py`` (same database rules as run.py).
"""

import os
import sys
from pathlib import Path

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "100000"))
SMALL = min(1000, MEMBERS)
PREFIX = "Bench Lista"


def _list_view():
    from django.template import engines
    from django.views.generic import ListView

    from crm import selectors
    from crm.backoffice.viewsets_members import MemberViewSet

    template = engines["django"].from_string(
        "<ul>{% for m in object_list %}<li>{{ m.name }} {{ m.get_kind_display }} "
        "{{ m.municipality.name }} {% for t in m.needs.all %}{{ t.name }} "
        "{% endfor %}</li>{% endfor %}</ul>{{ page_obj.number }}/"
        "{{ paginator.num_pages }}"
    )

    class MemberListView(ListView):
        paginate_by = MemberViewSet.list_per_page

        def get_queryset(self):
            return selectors.member_list(user=self.request.user)

        def render_to_response(self, context, **kwargs):
            from django.http import HttpResponse

            return HttpResponse(template.render(context, self.request))

    return MemberListView.as_view()


# The plain list gets a URL of its own beside the project's URLs.
def _urlpatterns():
    from django.urls import path

    from config import urls

    return [path("bench/members/", _list_view()), *urls.urlpatterns]


urlpatterns = []


def create_members(target: int) -> None:
    """Bring the bench members up to ``target`` with bulk_create, with needs."""
    from crm.models import Member, MemberKind, MemberStatus, Municipality, Topic

    have = Member.objects.filter(name__startswith=PREFIX).count()
    if have >= target:
        return
    comuni = list(Municipality.objects.piana())
    topics = list(Topic.objects.all()[:6])
    kinds = [MemberKind.FAMILY] * 7 + [MemberKind.THIRD_SECTOR, MemberKind.BUSINESS]
    Through = Member.needs.through
    batch = 5000
    for start in range(have, target, batch):
        members = Member.objects.bulk_create(
            [
                Member(
                    kind=kinds[n % len(kinds)],
                    name=f"{PREFIX} {n:06d}",
                    status=MemberStatus.ACTIVE,
                    municipality=comuni[n % len(comuni)],
                    email=f"lista{n}@bench.example",
                )
                for n in range(start, min(start + batch, target))
            ]
        )
        if not members[0].pk:  # backends that do not return primary keys
            members = list(
                Member.objects.filter(name__startswith=PREFIX).order_by("-pk")[
                    : len(members)
                ]
            )
        Through.objects.bulk_create(
            [
                Through(member_id=m.pk, topic_id=topics[i % len(topics)].pk)
                for i, m in enumerate(members)
            ]
        )


def run() -> list[dict]:
    from common import coordinator_client, count_queries, peak_mb, timed
    from django.test import override_settings
    from django.urls import reverse

    global urlpatterns
    urlpatterns = _urlpatterns()
    client = coordinator_client()
    with override_settings(ROOT_URLCONF=__name__):
        admin_url = reverse("crm_member:index")
        plain_url = "/bench/members/"

        def admin():
            response = client.get(admin_url)
            assert response.status_code == 200, (response.status_code, response)
            return response

        def plain():
            response = client.get(plain_url)
            assert response.status_code == 200, response.status_code
            return response

        create_members(SMALL)
        small_q = (count_queries(admin), count_queries(plain))
        create_members(MEMBERS)
        admin_s, admin_q, response = timed(admin)
        plain_s, plain_q, plain_response = timed(plain)
        shown = plain_response.content.count(b"<li>")
        first = f"{PREFIX} 000000".encode()
        assert first in response.content and first in plain_response.content
        admin_mb, plain_mb = peak_mb(admin), peak_mb(plain)
    steady = small_q == (admin_q, plain_q)
    return [
        {
            "scenario": f"admin member list, {MEMBERS:,} members, first page",
            "ratio": round(admin_s / plain_s, 2),
            "baseline": "plain Django ListView, same queryset and page size",
            "queries": admin_q,
            "peak_mb": admin_mb,
            "detail": (
                f"admin {admin_s * 1000:.0f} ms, ListView {plain_s * 1000:.0f} ms "
                f"({plain_q} queries, {plain_mb} MB); {shown} rows shown; queries "
                f"with {SMALL:,} members {small_q[0]}/{small_q[1]}: "
                + ("same" if steady else "DIFFERENT")
            ),
        }
    ]


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    common.setup_django(fresh=False)
    print(common.format_table(run()))


if __name__ == "__main__":
    _standalone()
