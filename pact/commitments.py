"""What was promised and what is offered: an organisation's adhesion commitments
(topics) beside its services in the directory (crm), per topic.

Adhesions in force only. Three states per organisation and topic: promised and
offered, promised but no published service yet, offered without a commitment.
"""

from collections import defaultdict

from django.db.models import Count, Sum

from crm.models import Service
from pact.models import Adhesion


def commitments_and_services() -> list[dict]:
    """One row per organisation with an adhesion in force or a service (three
    queries whatever the numbers)."""
    promised = defaultdict(set)
    members = {}
    Through = Adhesion.commitment_topics.through
    for member_id, member_name, topic_id, topic_name in (
        Through.objects.filter(adhesion__in=Adhesion.objects.in_force())
        .exclude(adhesion__member__kind="family")
        .values_list(
            "adhesion__member_id",
            "adhesion__member__name",
            "topic_id",
            "topic__name",
        )
    ):
        promised[member_id].add((topic_id, topic_name))
        members[member_id] = member_name
    offered = defaultdict(dict)
    for row in (
        Service.objects.published()
        .values("member_id", "member__name", "kind_id", "kind__name")
        .annotate(services=Count("pk"), places=Sum("places_free"))
    ):
        offered[row["member_id"]][(row["kind_id"], row["kind__name"])] = row
        members[row["member_id"]] = row["member__name"]
    rows = []
    for member_id, name in sorted(members.items(), key=lambda item: item[1]):
        topics = promised[member_id] | set(offered[member_id])
        for topic in sorted(topics, key=lambda t: t[1]):
            found = offered[member_id].get(topic)
            rows.append(
                {
                    "member_id": member_id,
                    "member": name,
                    "topic": topic[1],
                    "promised": topic in promised[member_id],
                    "services": found["services"] if found else 0,
                    "places": (found["places"] or 0) if found else 0,
                }
            )
    return rows
