"""Reads for the pact app: what pages, reports and exports show."""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from crm.models import Member, MemberKind
from pact.models import (
    Article,
    Contribution,
    ContributionKind,
    Pact,
    PactVersion,
    ThematicTable,
    VersionStatus,
    Workshop,
)


def tables_for_facilitator(user):
    """The tables a user runs, with their workshop, for the facilitator page."""
    return (
        ThematicTable.objects.facilitated_by(user)
        .select_related("workshop__event")
        .with_counts()
        .order_by("workshop", "sort_order", "pk")
    )


def table_contributions(table):
    return table.contributions.select_related("author").prefetch_related("topics")


@dataclass
class TableReport:
    table: ThematicTable
    by_kind: "OrderedDict[str, list[Contribution]]"
    participant_count: int

    @property
    def contribution_count(self) -> int:
        return sum(len(items) for items in self.by_kind.values())


@dataclass
class WorkshopReport:
    workshop: Workshop
    tables: list[TableReport] = field(default_factory=list)

    @property
    def contribution_count(self) -> int:
        return sum(t.contribution_count for t in self.tables)

    @property
    def participant_count(self) -> int:
        return sum(t.participant_count for t in self.tables)

    def rows(self):
        """One row per contribution, in table and kind order (for XLSX)."""
        for entry in self.tables:
            for kind_label, items in entry.by_kind.items():
                for contribution in items:
                    yield entry.table, kind_label, contribution


def workshop_report(workshop: Workshop) -> WorkshopReport:
    """Contributions by table and kind, with syntheses; a fixed number of queries."""
    contributions = Contribution.objects.select_related("author").prefetch_related(
        "topics"
    )
    tables = (
        workshop.tables.order_by("sort_order", "pk")
        .prefetch_related(
            "facilitators",
            "topics",
            Prefetch("contributions", queryset=contributions),
        )
        .with_counts()
    )
    report = WorkshopReport(workshop=workshop)
    for table in tables:
        labels = {value: str(label) for value, label in ContributionKind.choices}
        by_kind = OrderedDict((label, []) for label in labels.values())
        for contribution in table.contributions.all():
            by_kind[labels[contribution.kind]].append(contribution)
        report.tables.append(
            TableReport(table=table, by_kind=by_kind, participant_count=table.seated)
        )
    return report


def articles_citing(contribution):
    """The articles, in every version, that took up a proposal."""
    return (
        Article.objects.filter(proposals=contribution)
        .select_related("version__pact")
        .order_by("version__pact", "-version__number", "sort_order")
    )


def version_for_display(pk):
    return (
        PactVersion.objects.select_related("pact")
        .prefetch_related(
            Prefetch(
                "articles",
                queryset=Article.objects.order_by("sort_order", "pk").prefetch_related(
                    Prefetch(
                        "proposals",
                        queryset=Contribution.objects.select_related("table__workshop"),
                    )
                ),
            ),
            "network_roles",
        )
        .get(pk=pk)
    )


def version_in_force(pact: Pact) -> PactVersion | None:
    """The version open for signature: the one the public page shows."""
    pk = (
        pact.versions.filter(status=VersionStatus.OPEN)
        .values_list("pk", flat=True)
        .first()
    )
    return version_for_display(pk) if pk else None


@dataclass
class Adherents:
    """Who adheres to a version, as the public page may show it."""

    organisations: list[Member] = field(default_factory=list)
    family_count: int = 0


def public_adherents(version: PactVersion) -> Adherents:
    """Organisations that adhere and agreed to be listed, and how many families.

    Signed adhesions still in force (handed over included) to ``version``;
    families are counted and never named. Two queries.
    """
    from pact.models import Adhesion

    adhering = Adhesion.objects.in_force().filter(version=version)
    family_count = adhering.filter(member__kind=MemberKind.FAMILY).count()
    organisations = list(
        Member.objects.organisations()
        .filter(listed_publicly=True, anonymised_at__isnull=True)
        .filter(pk__in=adhering.values("member_id"))
        .order_by("name")
    )
    return Adherents(organisations=organisations, family_count=family_count)


def cited_proposals(version) -> list[tuple[Contribution, list[int]]]:
    """Each proposal the version's articles cite, with the article numbers."""
    found: dict[int, tuple[Contribution, list[int]]] = {}
    for number, article in enumerate(version.articles.all(), start=1):
        for proposal in article.proposals.all():
            found.setdefault(proposal.pk, (proposal, []))[1].append(number)
    return sorted(found.values(), key=lambda item: item[0].pk)
