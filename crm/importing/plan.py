"""What an import would do: rows grouped into members, matched to the database.

Rows that describe the same member (same codice fiscale, partita IVA, email, or
for rows with none of these the same kind, name and comune) form one group: a
member with several people takes one row per person. Each group is matched to
an existing member on codice fiscale, then partita IVA, then email, then name.
Reference data and existing records are fetched in batches, never per row.
"""

import copy
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.models import Affiliation, Child, Member, Person

from .columns import normalise_label
from .lookups import (
    ExistingMembers,
    ExistingPeople,
    existing_links,
    matching,
    member_keys,
)
from .rows import Layout, Problem, RowData


@dataclass
class MemberPlan:
    rows: list[RowData]
    data: dict
    member: Member | None = None
    created: bool = False
    changed: set = field(default_factory=set)
    # Topic ids and (year, month) of children the file gives, None if it is silent.
    needs: list | None = None
    offers: list | None = None
    children: list | None = None
    needs_add: list = field(default_factory=list)
    offers_add: list = field(default_factory=list)
    children_add: list = field(default_factory=list)
    links_changed: bool = False

    @property
    def first(self) -> int:
        return self.rows[0].number

    @property
    def updated(self) -> bool:
        return not self.created and bool(
            self.changed
            or self.needs_add
            or self.offers_add
            or self.children_add
            or self.links_changed
        )


@dataclass
class PersonPlan:
    rows: list[RowData]
    data: dict
    person: Person | None = None
    created: bool = False
    changed: set = field(default_factory=set)


@dataclass
class LinkPlan:
    member_plan: MemberPlan
    person_plan: PersonPlan
    role: str
    since: object
    until: object
    affiliation: Affiliation | None = None
    changed: set = field(default_factory=set)


class _Groups:
    """Union-find over identity keys."""

    def __init__(self):
        self.parent = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, keys):
        roots = [self.find(k) for k in keys]
        for root in roots[1:]:
            self.parent[root] = roots[0]
        return roots[0]


def person_keys(data: dict, group) -> list:
    keys = [
        (name, data[name]) for name in ("email", "codice_fiscale") if data.get(name)
    ]
    return keys or [
        (
            "name",
            group,
            normalise_label(data.get("first_name")),
            normalise_label(data.get("last_name")),
        )
    ]


class Planner:
    """Builds the plan; every problem found goes into ``problems``."""

    def __init__(self, layout: Layout, rows: list[RowData]):
        self.layout = layout
        self.rows = rows
        self.problems: list[Problem] = []
        self.members: list[MemberPlan] = []
        self.people: list[PersonPlan] = []
        self.links: list[LinkPlan] = []

    def problem(self, row: int, key: str | None, message: str):
        column = self.layout.header(key) if key else None
        self.problems.append(Problem(row, column, message))

    def build(self):
        self._group_members()
        self._match_members()
        self._group_people()
        self._match_people()
        self._plan_links()
        self._plan_children()
        return self

    # Members -----------------------------------------------------------------

    def _group_members(self):
        groups, by_root = _Groups(), {}
        for row in self.rows:
            root = groups.union(member_keys(row.member))
            row.group_key = root
        for row in self.rows:
            by_root.setdefault(groups.find(row.group_key), []).append(row)
        for rows in by_root.values():
            first = rows[0]
            plan = MemberPlan(
                rows=[first],
                data=dict(first.member),
                needs=first.needs,
                offers=first.offers,
                children=first.children,
            )
            seen = {_row_identity(rows[0]): rows[0].number}
            for row in rows[1:]:
                if not self._consistent(plan, row):
                    continue
                identity = _row_identity(row)
                if identity in seen:
                    self.problem(
                        row.number,
                        None,
                        _("This row repeats row %(first)s.")
                        % {"first": seen[identity]},
                    )
                    continue
                seen[identity] = row.number
                plan.rows.append(row)
            self.members.append(plan)
        for plan in self.members:
            for row in plan.rows:
                row.member_plan = plan

    def _consistent(self, plan: MemberPlan, row: RowData) -> bool:
        ok = True
        message = _(
            "This row describes the same member as row %(first)s, but this cell "
            "differs from it."
        ) % {"first": plan.first}
        for key, value in row.member.items():
            known = plan.data.get(key)
            if key in plan.data and not _same(key, known, value):
                self.problem(row.number, _column(key), message)
                ok = False
            plan.data.setdefault(key, value)
        for key in ("needs", "offers", "children"):
            mine, theirs = getattr(row, key), getattr(plan, key)
            if mine is not None and theirs is not None and _bag(mine) != _bag(theirs):
                self.problem(row.number, key, message)
                ok = False
            elif theirs is None:
                setattr(plan, key, mine)
        return ok

    def _match_members(self):
        index = ExistingMembers(self.members)
        claimed = {}
        for plan in self.members:
            member = self._resolve(plan, index)
            if member is False:
                continue
            if member is not None and member.pk in claimed:
                self.problem(
                    plan.first,
                    None,
                    _(
                        "This row is about the same member as row %(other)s "
                        "(“%(name)s”): merge the two rows."
                    )
                    % {"other": claimed[member.pk], "name": member.name},
                )
                continue
            if member is not None:
                claimed[member.pk] = plan.first
            self._plan_member(plan, member, index)

    def _resolve(self, plan: MemberPlan, index: "ExistingMembers"):
        """The existing member a group matches, None for a new one, False on error."""
        data = plan.data
        by_cf = index.by_cf.get(data.get("codice_fiscale"))
        by_piva = index.by_piva.get(data.get("partita_iva"))
        if by_cf and by_piva and by_cf.pk != by_piva.pk:
            self.problem(
                plan.first,
                "partita_iva",
                _(
                    "This partita IVA belongs to “%(other)s”, while the codice "
                    "fiscale belongs to “%(name)s”."
                )
                % {"other": by_piva.name, "name": by_cf.name},
            )
            return False
        found = by_cf or by_piva
        if found is None and data.get("email"):
            found = self._by_email(plan, index)
        if found is None and member_keys(data)[0][0] == "name":
            found = self._by_name(plan, index)
        if found is False or found is None:
            return found
        for key in ("codice_fiscale", "partita_iva"):
            mine, theirs = data.get(key), getattr(found, key)
            if mine and theirs and mine != theirs:
                self.problem(
                    plan.first,
                    key,
                    _(
                        "“%(name)s” matches this row but has %(label)s "
                        "“%(value)s” in the database."
                    )
                    % {
                        "name": found.name,
                        "label": self.layout.header(key),
                        "value": theirs,
                    },
                )
                return False
        return found

    def _by_email(self, plan, index):
        data = plan.data
        candidates = [
            m
            for m in index.by_email.get(data["email"].lower(), [])
            if not _contradicts(m, data)
        ]
        if len(candidates) > 1:
            same_name = [
                m
                for m in candidates
                if normalise_label(m.name) == normalise_label(data["name"])
            ]
            candidates = same_name or candidates
        if len(candidates) > 1:
            self.problem(
                plan.first,
                "email",
                _(
                    "%(count)s members have this email and none is clearly the "
                    "one meant: add the codice fiscale or partita IVA."
                )
                % {"count": len(candidates)},
            )
            return False
        return candidates[0] if candidates else None

    def _by_name(self, plan, index):
        candidates = index.by_name.get(member_keys(plan.data)[0], [])
        if len(candidates) > 1:
            self.problem(
                plan.first,
                "name",
                _(
                    "%(count)s members of this kind in this comune have this "
                    "name: add an email, codice fiscale or partita IVA."
                )
                % {"count": len(candidates)},
            )
            return False
        return candidates[0] if candidates else None

    def _plan_member(self, plan: MemberPlan, member, index):
        data = plan.data
        if member is None:
            plan.created = True
            plan.member = _instance(plan.rows[0].member_instance, data)
            plan.needs_add = list(plan.needs or [])
            plan.offers_add = list(plan.offers or [])
            return
        merged = copy.copy(member)
        for key, value in data.items():
            if not _same(key, getattr(member, key), value):
                setattr(merged, key, value)
                plan.changed.add(key)
        if plan.changed and not self._still_valid(plan, merged):
            return
        plan.member = merged
        needs, offers = index.topics.get(member.pk, (set(), set()))
        plan.needs_add = [t for t in plan.needs or [] if t not in needs]
        plan.offers_add = [t for t in plan.offers or [] if t not in offers]

    def _still_valid(self, plan, merged) -> bool:
        try:
            merged.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = name if name in plan.data else "kind"
                for message in messages:
                    self.problem(plan.first, _column(key), message)
            return False
        return True

    # People ------------------------------------------------------------------

    def _group_people(self):
        groups, by_root = _Groups(), {}
        with_person = [r for r in self.rows if r.person and _planned(r)]
        for row in with_person:
            row.person_key = groups.union(person_keys(row.person, id(row.member_plan)))
        for row in with_person:
            by_root.setdefault(groups.find(row.person_key), []).append(row)
        for rows in by_root.values():
            plan = PersonPlan(rows=[rows[0]], data=dict(rows[0].person))
            for row in rows[1:]:
                if self._person_consistent(plan, row):
                    plan.rows.append(row)
            self.people.append(plan)
            for row in plan.rows:
                row.person_plan = plan

    def _person_consistent(self, plan: PersonPlan, row: RowData) -> bool:
        for key, value in row.person.items():
            if key in plan.data and not _same(key, plan.data[key], value):
                self.problem(
                    row.number,
                    "person_" + key,
                    _("This contact is also in row %(first)s, where this cell differs.")
                    % {"first": plan.rows[0].number},
                )
                return False
            plan.data.setdefault(key, value)
        return True

    def _match_people(self):
        index = ExistingPeople(self.people, self.members)
        for plan in self.people:
            person = self._resolve_person(plan, index)
            if person is False:
                continue
            if person is None:
                plan.created = True
                plan.person = _instance(plan.rows[0].person_instance, plan.data)
                continue
            plan.person = person
            for key, value in plan.data.items():
                if value and not getattr(person, key):
                    setattr(person, key, value)
                    plan.changed.add(key)

    def _resolve_person(self, plan: PersonPlan, index: "ExistingPeople"):
        data, row = plan.data, plan.rows[0]
        by_email = index.by_email.get(data.get("email"))
        by_cf = index.by_cf.get(data.get("codice_fiscale"))
        if by_email and by_cf and by_email.pk != by_cf.pk:
            self.problem(
                row.number,
                "person_codice_fiscale",
                _(
                    "This codice fiscale belongs to %(other)s, while the email "
                    "belongs to %(name)s."
                )
                % {"other": by_cf.full_name, "name": by_email.full_name},
            )
            return False
        found = by_email or by_cf
        if (
            found
            and data.get("codice_fiscale")
            and found.codice_fiscale
            not in (
                None,
                data["codice_fiscale"],
            )
        ):
            self.problem(
                row.number,
                "person_codice_fiscale",
                _("%(name)s, with this email, has another codice fiscale: %(cf)s.")
                % {"name": found.full_name, "cf": found.codice_fiscale},
            )
            return False
        if found is None and not (data.get("email") or data.get("codice_fiscale")):
            member = row.member_plan.member
            if member is not None and member.pk:
                found = index.by_name.get(
                    (
                        member.pk,
                        normalise_label(data.get("first_name")),
                        normalise_label(data.get("last_name")),
                    )
                )
        return found

    # Affiliations and children -------------------------------------------------

    def _plan_links(self):
        existing = existing_links(self.members)
        for plan in self.people:
            if plan.person is None:
                continue
            for row in plan.rows:
                member_plan = row.member_plan
                if member_plan.member is None:
                    continue
                link = LinkPlan(member_plan, plan, row.role, row.since, row.until)
                if self._link_change(link, existing, row):
                    self.links.append(link)
                    member_plan.links_changed = True

    def _link_change(self, link: LinkPlan, existing: dict, row) -> bool:
        """Whether this row adds or changes an affiliation."""
        person, member = link.person_plan.person, link.member_plan.member
        if not (person.pk and member.pk):
            return True
        current = existing.get((person.pk, member.pk, link.role), [])
        match = next((a for a in current if a.end_date == link.until), None)
        if match is None and link.until:
            match = next((a for a in current if a.end_date is None), None)
        if match is None:
            return True
        link.affiliation = match
        if link.until and match.end_date != link.until:
            link.changed.add("end_date")
        if link.since and match.start_date != link.since:
            link.changed.add("start_date")
        start = link.since or match.start_date
        end = link.until or match.end_date
        if start and end and end < start:
            self.problem(
                row.number,
                "person_until",
                _("The role ends before it starts (%(start)s).")
                % {"start": start.strftime("%d/%m/%Y")},
            )
            return False
        return bool(link.changed)

    def _plan_children(self):
        families = [p for p in self.members if p.member is not None and p.children]
        have = Counter()
        known = [p.member.pk for p in families if not p.created]
        have.update(
            matching(
                Child.objects.values_list("family_id", "birth_year", "birth_month"),
                "family_id",
                known,
            )
        )
        for plan in families:
            wanted = Counter((plan.member.pk, y, m) for y, m in plan.children)
            missing = wanted - have if plan.member.pk else wanted
            plan.children_add = [(y, m) for (_pk, y, m) in missing.elements()]


def _instance(validated, data: dict):
    """The first row's validated instance, completed by the group's other rows."""
    for key, value in data.items():
        setattr(validated, key, value)
    return validated


def _row_identity(row: RowData):
    """Rows of one member differ by who their contact is, in which role."""
    if not row.person:
        return None
    who = row.person.get("email") or row.person.get("codice_fiscale")
    who = who or (
        normalise_label(row.person.get("first_name")),
        normalise_label(row.person.get("last_name")),
    )
    return (who, row.role, row.until)


def _planned(row) -> bool:
    return getattr(row, "member_plan", None) is not None


def _contradicts(member: Member, data: dict) -> bool:
    return any(
        data.get(key) and getattr(member, key) and data[key] != getattr(member, key)
        for key in ("codice_fiscale", "partita_iva")
    )


def _same(key: str, a, b) -> bool:
    if key == "email" and a and b:
        return a.casefold() == b.casefold()
    if a in ("", None) and b in ("", None):
        return True
    return a == b


def _bag(values) -> Counter:
    return Counter(values)


def _column(key: str) -> str:
    return "municipality" if key == "municipality_id" else key
