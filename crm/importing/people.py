"""What a member import writes beyond the members: people, roles, children,
needs and offers, privacy consents.

Run by ``MemberResource.after_import``, in the library's transaction, once the
members are written (so every member has its id). Rows about the same person
(same email, codice fiscale, or the same name within one member) are one
person. Existing people are matched in a few queries, never per row.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    Affiliation,
    Child,
    Consent,
    ConsentHow,
    ConsentPurpose,
    Member,
    Person,
)

from .columns import normalise_label
from .lookups import matching
from .writing import create, create_rows, insert_rows, update

PERSON_COLUMNS = {
    "first_name": "person_first_name",
    "last_name": "person_last_name",
    "email": "person_email",
    "phone": "person_phone",
    "codice_fiscale": "person_codice_fiscale",
}


@dataclass
class PeopleReport:
    people_created: int = 0
    people_updated: int = 0
    affiliations_created: int = 0
    affiliations_updated: int = 0
    children_created: int = 0
    consents_given: int = 0
    topics_added: dict = field(default_factory=dict)  # member pk → count
    links_changed: set = field(default_factory=set)  # member pks
    children_added: set = field(default_factory=set)  # member pks
    # (row, person, [(column, before, after)]) applied, and kept as they were.
    changes: list = field(default_factory=list)
    kept: list = field(default_factory=list)


@dataclass
class PersonPlan:
    rows: list
    data: dict
    person: Person | None = None
    created: bool = False
    changed: set = field(default_factory=set)


def _keys(data: dict, member_pk) -> list:
    keys = [(k, data[k]) for k in ("email", "codice_fiscale") if data.get(k)]
    return keys or [
        (
            "name",
            member_pk,
            normalise_label(data.get("first_name")),
            normalise_label(data.get("last_name")),
        )
    ]


def _pk(obj):
    """The id of a saved object; of an unsaved one (a dry run), its identity."""
    return obj.pk if obj.pk is not None else ("new", id(obj))


def _saved(pks) -> list:
    return [pk for pk in pks if isinstance(pk, int)]


def _same(a, b) -> bool:
    if a in ("", None) and b in ("", None):
        return True
    return a == b


class PeopleStage:
    def __init__(self, resource, rows: list, *, write: bool):
        self.resource = resource
        self.write = write  # False on a dry run: plan and count only
        self.rows = sorted(rows, key=lambda r: r.number)
        self.history = resource.history
        self.mode = resource.people_mode
        self.problems: list[tuple[int, str | None, str]] = []
        self.report = PeopleReport()
        self.people: list[PersonPlan] = []

    def run(self) -> PeopleReport:
        self._group()
        self._match()
        if self.problems:
            return self.report
        self._write_people()
        self._links()
        self._children()
        self._topics()
        self._consents()
        return self.report

    # People ------------------------------------------------------------------

    def _group(self):
        parent = {}

        def find(key):
            parent.setdefault(key, key)
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        with_person = [r for r in self.rows if r.person]
        for row in with_person:
            roots = [find(k) for k in _keys(row.person, _pk(row.member))]
            for root in roots[1:]:
                parent[root] = roots[0]
            row.person_key = roots[0]
        groups = {}
        for row in with_person:
            groups.setdefault(find(row.person_key), []).append(row)
        for rows in groups.values():
            plan = PersonPlan(rows=[rows[0]], data=dict(rows[0].person))
            for row in rows[1:]:
                if self._consistent(plan, row):
                    plan.rows.append(row)
            self.people.append(plan)

    def _consistent(self, plan: PersonPlan, row) -> bool:
        for key, value in row.person.items():
            if key in plan.data and not _same(plan.data[key], value):
                self.problems.append(
                    (
                        row.number,
                        PERSON_COLUMNS[key],
                        _(
                            "This contact is also in row %(first)s, where this "
                            "cell differs (“%(value)s”)."
                        )
                        % {"first": plan.rows[0].number, "value": plan.data[key]},
                    )
                )
                return False
            plan.data.setdefault(key, value)
        return True

    def _match(self):
        emails = {p.data["email"] for p in self.people if p.data.get("email")}
        cfs = {p.data.get("codice_fiscale") for p in self.people} - {None}
        by_email = {p.email: p for p in matching(Person.objects.all(), "email", emails)}
        by_cf = {
            p.codice_fiscale: p
            for p in matching(Person.objects.all(), "codice_fiscale", cfs)
        }
        by_name = self._by_name()
        for plan in self.people:
            person = self._resolve(plan, by_email, by_cf, by_name)
            if person is False:
                continue
            if person is None:
                plan.created = True
                plan.person = plan.rows[0].person_instance or Person()
                for key, value in plan.data.items():  # the group's other rows
                    setattr(plan.person, key, value)
                continue
            plan.person = person
            self._compare(plan)

    def _by_name(self) -> dict:
        unnamed = {
            p.rows[0].member.pk
            for p in self.people
            if not (p.data.get("email") or p.data.get("codice_fiscale"))
            and p.rows[0].member.pk
        }
        found = {}
        links = Affiliation.objects.select_related("person")
        for link in matching(links, "member_id", unnamed):
            person = link.person
            key = (
                link.member_id,
                normalise_label(person.first_name),
                normalise_label(person.last_name),
            )
            found[key] = person
        return found

    def _resolve(self, plan, by_email, by_cf, by_name):
        data, row = plan.data, plan.rows[0]
        email = by_email.get(data.get("email"))
        cf = by_cf.get(data.get("codice_fiscale"))
        if email and cf and email.pk != cf.pk:
            self.problems.append(
                (
                    row.number,
                    "person_codice_fiscale",
                    _(
                        "The codice fiscale “%(cf)s” belongs to %(other)s, while "
                        "the email belongs to %(name)s."
                    )
                    % {
                        "cf": data["codice_fiscale"],
                        "other": cf.full_name,
                        "name": email.full_name,
                    },
                )
            )
            return False
        found = email or cf
        if (
            found
            and data.get("codice_fiscale")
            and found.codice_fiscale not in (None, data["codice_fiscale"])
        ):
            self.problems.append(
                (
                    row.number,
                    "person_codice_fiscale",
                    _(
                        "%(name)s, with this email, has another codice fiscale "
                        "than “%(value)s”: %(cf)s."
                    )
                    % {
                        "name": found.full_name,
                        "value": data["codice_fiscale"],
                        "cf": found.codice_fiscale,
                    },
                )
            )
            return False
        if found is None and not (data.get("email") or data.get("codice_fiscale")):
            found = by_name.get(
                (
                    row.member.pk,
                    normalise_label(data.get("first_name")),
                    normalise_label(data.get("last_name")),
                )
            )
        return found

    def _compare(self, plan: PersonPlan):
        """What the file would change of a known person, under the chosen mode."""
        person, applied, kept = plan.person, [], []
        name = person.full_name
        for key, value in plan.data.items():
            stored = getattr(person, key)
            if _same(stored, value) or (
                key == "email" and (stored or "").lower() == value
            ):
                continue
            column = self.resource.column_of(PERSON_COLUMNS[key])
            change = (column, stored or "", value)
            if stored in ("", None) or self.mode == "update":
                setattr(person, key, value)
                plan.changed.add(key)
                applied.append(change)
            else:
                kept.append(change)
        number = plan.rows[0].number
        if applied:
            self.report.changes.append((number, name, applied))
        if kept:
            self.report.kept.append((number, name, kept))

    def _write_people(self):
        new = [p.person for p in self.people if p.created]
        changed = [p for p in self.people if not p.created and p.changed]
        if self.write:
            create(Person, new, self.history)
            for plan in changed:
                plan.person.updated_at = self.history.now
            fields = {"updated_at"}.union(*(p.changed for p in changed))
            update(Person, [p.person for p in changed], fields, self.history)
        self.report.people_created = len(new)
        self.report.people_updated = len(changed)
        for plan in self.people:
            for row in plan.rows:
                row.person_id = _pk(plan.person)

    # Roles -------------------------------------------------------------------

    def _links(self):
        rows = [r for r in self.rows if r.person and getattr(r, "person_id", None)]
        existing = {}
        members = _saved(r.member.pk for r in rows)
        for link in matching(Affiliation.objects.all(), "member_id", members):
            key = (link.person_id, link.member_id, link.role)
            existing.setdefault(key, []).append(link)
        new, changed = [], []
        today = timezone.localdate(self.history.now)
        for row in rows:
            current = existing.get((row.person_id, _pk(row.member), row.role), [])
            match = next((a for a in current if a.end_date == row.until), None)
            if match is None and row.until:
                match = next((a for a in current if a.end_date is None), None)
            if match is None:
                new.append(
                    {
                        "person_id": row.person_id,
                        "member_id": _pk(row.member),
                        "role": row.role,
                        "start_date": row.since or today,
                        "end_date": row.until,
                    }
                )
                self.report.links_changed.add(_pk(row.member))
                continue
            if self._link_change(match, row):
                changed.append(match)
                self.report.links_changed.add(_pk(row.member))
        if self.problems or not self.write:
            self.report.affiliations_created = len(new)
            self.report.affiliations_updated = len(changed)
            return
        create_rows(Affiliation, new, self.history)
        update(Affiliation, changed, {"start_date", "end_date"}, self.history)
        self.report.affiliations_created = len(new)
        self.report.affiliations_updated = len(changed)

    def _link_change(self, link, row) -> bool:
        start = row.since or link.start_date
        end = row.until or link.end_date
        if start and end and end < start:
            self.problems.append(
                (
                    row.number,
                    "person_until",
                    _("The role ends before it starts (%(start)s).")
                    % {"start": start.strftime("%d/%m/%Y")},
                )
            )
            return False
        changed = False
        if row.until and link.end_date != row.until:
            link.end_date, changed = row.until, True
        if row.since and link.start_date != row.since:
            link.start_date, changed = row.since, True
        return changed

    # Children, needs and offers, consents -----------------------------------

    def _children(self):
        wanted = {}
        for row in self.rows:
            if row.children:
                wanted[_pk(row.member)] = row.children
        have = Counter(
            matching(
                Child.objects.values_list("family_id", "birth_year", "birth_month"),
                "family_id",
                _saved(wanted),
            )
        )
        rows = []
        for pk, children in wanted.items():
            missing = Counter((pk, y, m) for y, m in children) - have
            for _member, year, month in missing.elements():
                rows.append({"family_id": pk, "birth_year": year, "birth_month": month})
                self.report.children_added.add(pk)
        if self.write:
            create_rows(Child, rows, self.history)
        self.report.children_created = len(rows)

    def _topics(self):
        for position, name in enumerate(("needs", "offers")):
            through = getattr(Member, name).through
            fields = [through._meta.get_field(f) for f in ("member", "topic")]
            rows, done = [], set()
            for row in self.rows:
                pk, topics = _pk(row.member), getattr(row, name)
                if not topics or (pk, name) in done:
                    continue
                done.add((pk, name))
                known = self.resource.topics_of.get(pk, (set(), set()))[position]
                for topic in topics:
                    if topic not in known:
                        rows.append([pk, topic])
                        self.report.topics_added[pk] = (
                            self.report.topics_added.get(pk, 0) + 1
                        )
            if self.write:
                insert_rows(through, fields, rows)

    def _consents(self):
        from crm.area import PRIVACY_NOTICE_VERSION

        people = {r.person_id for r in self.rows if r.privacy and r.person}
        if not people:
            return
        in_force = Consent.objects.in_force().filter(purpose=ConsentPurpose.PRIVACY)
        current = {}
        for consent in matching(in_force, "person_id", _saved(people)):
            current[consent.person_id] = consent
        now, new, ended = self.history.now, [], []
        for person_id in people:
            consent = current.get(person_id)
            if consent and consent.notice_version == PRIVACY_NOTICE_VERSION:
                continue
            if consent:
                consent.withdrawn_at = max(now, consent.given_at)
                consent.withdrawn_how = ConsentHow.IMPORT
                ended.append(consent)
            new.append(
                Consent(
                    person_id=person_id,
                    purpose=ConsentPurpose.PRIVACY,
                    notice_version=PRIVACY_NOTICE_VERSION,
                    given_at=now,
                    given_how=ConsentHow.IMPORT,
                    withdrawn_how="",
                )
            )
        if self.write:
            update(Consent, ended, {"withdrawn_at", "withdrawn_how"}, self.history)
            create(Consent, new, self.history)
        self.report.consents_given = len(new)
