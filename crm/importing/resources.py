"""``MemberResource``: members with their people, one spreadsheet row per person.

A django-import-export ``ModelResource`` over ``Member`` whose fields are the
Italian column labels. The library runs the import: one transaction, each row
through ``import_row`` (instance loader, widgets, validation, diff), members
written with ``bulk_create``/``bulk_update``, everything rolled back on any
error or on a dry run. What a one-model resource cannot hold is added through
its hooks:

- rows of the same member (one per person) share one instance: the loader
  hands later rows the instance of the first, and a later row that disagrees
  with it is an error of that row;
- the people, their roles, children, needs and offers and privacy consents are
  written after the members (``crm.importing.people``), in the same transaction.
"""

import copy
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff
from import_export.results import RowResult

from crm.models import (
    AffiliationRole,
    Member,
    MemberKind,
    MemberSource,
    Person,
)

from . import widgets as w
from .columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    INSTITUTION_WORDS,
    KIND_WORDS,
    ROLE_WORDS,
    STATUS_WORDS,
    normalise_label,
)
from .lookups import ExistingMembers, member_keys
from .reference import Reference
from .writing import BATCH, History

ROW = "__riga__"  # the dataset column holding the row number the user sees
FILL, UPDATE = "fill", "update"  # what a file does to existing people's data

_MEMBER_ATTRIBUTES = {
    "kind": ("kind", lambda: w.WordsWidget(KIND_WORDS)),
    "name": ("name", w.TextWidget),
    "status": ("status", lambda: w.WordsWidget(STATUS_WORDS)),
    "legal_name": ("legal_name", w.TextWidget),
    "legal_form": ("legal_form", w.TextWidget),
    "codice_fiscale": ("codice_fiscale", w.CodiceFiscaleWidget),
    "partita_iva": ("partita_iva", w.PartitaIvaWidget),
    "runts_number": ("runts_number", w.TextWidget),
    "ateco_code": ("ateco_code", w.DigitsWidget),
    "employees": ("employees", w.WholeNumberWidget),
    "institution_type": (
        "institution_type",
        lambda: w.WordsWidget(INSTITUTION_WORDS),
    ),
    "municipality": ("municipality_id", w.MunicipalityWidget),
    "address": ("address", w.TextWidget),
    "postal_code": ("postal_code", w.DigitsWidget),
    "email": ("email", w.EmailWidget),
    "phone": ("phone", w.PhoneWidget),
    "joined_on": ("joined_on", w.DateWidget),
    "listed_publicly": ("listed_publicly", w.YesNoWidget),
    "notes": ("notes", w.TextWidget),
}
_EXTRA_WIDGETS = {
    "needs": w.TopicsWidget,
    "offers": w.TopicsWidget,
    "children": w.MonthsWidget,
    "person_first_name": w.TextWidget,
    "person_last_name": w.TextWidget,
    "person_email": w.PersonEmailWidget,
    "person_phone": w.PhoneWidget,
    "person_codice_fiscale": w.PersonCodiceFiscaleWidget,
    "person_role": lambda: w.WordsWidget(ROLE_WORDS),
    "person_since": w.DateWidget,
    "person_until": w.DateWidget,
    "person_privacy": w.YesNoWidget,
}
# Checked by the widgets already: the model's field checks would only repeat
# them, at a cost that shows on 10,000 rows.
_PARSED = {
    "kind",
    "status",
    "institution_type",
    "joined_on",
    "listed_publicly",
    "phone",
    "codice_fiscale",
    "partita_iva",
    "email",
    "municipality",
}
_MEMBER_FIELD_NAMES = [f.name for f in Member._meta.concrete_fields]
_PERSON_FIELD_NAMES = [f.name for f in Person._meta.concrete_fields]
TEMPLATE_EXAMPLE = ("92012340466", "associazioneesempio")


def _declared_fields() -> dict:
    fields = {}
    for column in COLUMNS:
        if column.key in _MEMBER_ATTRIBUTES:
            attribute, widget = _MEMBER_ATTRIBUTES[column.key]
        else:
            attribute, widget = None, _EXTRA_WIDGETS[column.key]
        fields[column.header] = Field(
            attribute=attribute,
            column_name=column.header,
            widget=widget(),
            saves_null_values=False,
        )
    return fields


@dataclass
class Conflict:
    """A row whose identifier names a member the rest of the row does not."""

    row: int
    column: str
    member: Member
    file: dict


@dataclass
class RowExtras:
    """What one row says beyond the member's own fields."""

    number: int
    index: int
    member: Member
    needs: list | None = None
    offers: list | None = None
    children: list | None = None
    person: dict | None = None
    role: str | None = None
    since: object = None
    until: object = None
    privacy: bool | None = None
    person_instance: Person | None = None  # validated, reused if it is new


@dataclass
class MemberState:
    """One member of the file: its first row and what its rows set."""

    first: int
    new: bool
    values: dict = field(default_factory=dict)  # attribute → (value, row)
    original: dict = field(default_factory=dict)  # attribute → stored value
    rows: dict = field(default_factory=dict)  # person identity → row
    topics: dict = field(default_factory=dict)
    children: list | None = None


class FieldDiff(Diff):
    """The library's diff of a row, kept as (column, before, after) triples."""

    def __init__(self, resource, instance, new):
        self.columns = resource.diff_columns
        # A new member has nothing before: its defaults are not “before”.
        blank = [""] * len(self.columns)
        self.left = blank if new else self._read_field_values(resource, instance)
        self.right = []
        self.new = new
        resource.last_diff = self

    def compare_with(self, resource, instance):
        self.right = self._read_field_values(resource, instance)

    @classmethod
    def _read_field_values(cls, resource, instance):
        return [f.export(instance) for f in resource.diff_fields]

    def changes(self) -> list[tuple[str, str, str]]:
        return [
            (column, "" if self.new else before, after)
            for column, before, after in zip(
                self.columns, self.left, self.right, strict=True
            )
            if before != after or (self.new and after != "")
        ]


class MemberLoader(BaseInstanceLoader):
    """Finds a row's member: earlier in the file, else in the database.

    The database's candidates for every row are fetched when the import starts,
    a few queries in all (the library's ``CachedInstanceLoader``, for the
    several identifiers a member has): codice fiscale, then partita IVA, then
    email, then kind, name and comune.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.identity = {}
        headers = dataset.headers
        for values in dataset:
            row = dict(zip(headers, values, strict=True))
            self.identity[row[ROW]] = resource.identity_of(row)
            if row.get(w.REPAIRS):  # said once, whichever reading made them
                resource.repairs.setdefault(row[ROW], []).extend(row[w.REPAIRS])
        plans = [SimpleNamespace(data=d) for d in self.identity.values() if d]
        self.index = ExistingMembers(plans)
        self.in_file = {}  # identity key → (instance, first row)
        self.by_pk = {}

    def get_instance(self, row):
        number = row[ROW]
        data = self.identity.get(number)
        if not data:
            return None
        keys = member_keys(data)
        for key in keys:
            if key in self.in_file:
                instance, first = self.in_file[key]
                self.resource.joined[number] = (key, first)
                self.remember(keys, instance, first)
                return instance
        member = self._resolve(data, number)
        if member is None:
            return None
        if member.pk in self.by_pk:
            instance, first = self.by_pk[member.pk]
            self.resource.joined[number] = (keys[0], first)
            self.remember(keys, instance, first)
            return instance
        self.by_pk[member.pk] = (member, number)
        self.remember(keys, member, number)
        self.resource.topics_of[member.pk] = self.index.topics.get(
            member.pk, (set(), set())
        )
        return member

    def remember(self, keys, instance, first) -> None:
        for key in keys:
            self.in_file.setdefault(key, (instance, first))

    def _resolve(self, data: dict, number: int):
        index, resource = self.index, self.resource
        by_cf = index.by_cf.get(data.get("codice_fiscale"))
        by_piva = index.by_piva.get(data.get("partita_iva"))
        if by_cf and by_piva and by_cf.pk != by_piva.pk:
            raise resource.error(
                "partita_iva",
                _(
                    "This partita IVA belongs to “%(other)s”, while the codice "
                    "fiscale belongs to “%(name)s”."
                )
                % {"other": by_piva.name, "name": by_cf.name},
            )
        found = by_cf or by_piva
        if found is not None:
            key = "codice_fiscale" if by_cf else "partita_iva"
            resource.check_conflict(found, data, key, number, index)
        if found is None and data.get("email"):
            found = self._by_email(data)
        if found is None and member_keys(data)[0][0] == "name":
            found = self._by_name(data)
        if found is None:
            return None
        for key in ("codice_fiscale", "partita_iva"):
            mine, theirs = data.get(key), getattr(found, key)
            if mine and theirs and mine != theirs:
                raise resource.error(
                    key,
                    _(
                        "“%(name)s” matches this row but has %(label)s "
                        "“%(value)s” in the database."
                    )
                    % {
                        "name": found.name,
                        "label": resource.column_of(key),
                        "value": theirs,
                    },
                )
        return found

    def _by_email(self, data):
        candidates = [
            m
            for m in self.index.by_email.get(data["email"].lower(), [])
            if not _contradicts(m, data)
        ]
        if len(candidates) > 1:
            same = [
                m
                for m in candidates
                if normalise_label(m.name) == normalise_label(data["name"])
            ]
            candidates = same or candidates
        if len(candidates) > 1:
            raise self.resource.error(
                "email",
                _(
                    "%(count)s members have the email “%(value)s” and none is "
                    "clearly the one meant: add the codice fiscale or partita IVA."
                )
                % {"count": len(candidates), "value": data["email"]},
            )
        return candidates[0] if candidates else None

    def _by_name(self, data):
        candidates = self.index.by_name.get(member_keys(data)[0], [])
        if len(candidates) > 1:
            raise self.resource.error(
                "name",
                _(
                    "%(count)s members of this kind in this comune are named "
                    "“%(value)s”: add an email, codice fiscale or partita IVA."
                )
                % {"count": len(candidates), "value": data["name"]},
            )
        return candidates[0] if candidates else None


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


class MemberResource(resources.ModelResource):
    """Members, their people and roles: the columns of the import template.

    Options: ``people`` is ``"fill"`` (a file only fills what existing people
    lack, the default) or ``"update"`` (the file's values replace theirs);
    ``confirmed`` holds the rows of conflicts the coordinator confirmed; ``by``
    is the user recorded in the history.
    """

    vars().update(_declared_fields())

    class Meta:
        model = Member
        fields = tuple(c.header for c in COLUMNS)
        import_id_fields = ()
        instance_loader_class = MemberLoader
        use_bulk = True
        # Rows of one member share an instance: members are written once every
        # row is read (Django still splits the INSERT; see ``bulk_create``).
        batch_size = None
        skip_html_diff = True
        use_transactions = True
        clean_model_instances = False  # ``validate_instance`` does it, leaner

    def __init__(
        self, *, people=FILL, confirmed=(), by=None, file_headers=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.file_headers = file_headers or {}
        self.people_mode = UPDATE if people == UPDATE else FILL
        self.confirmed = set(confirmed)
        self.by = by
        self.by_key = {
            c.key: self.fields[c.header] for c in COLUMNS if c.header in self.fields
        }
        self.diff_fields = [f for f in self.fields.values() if f.attribute]
        self.diff_columns = [f.column_name for f in self.diff_fields]
        self._attribute_key = {
            attribute: key for key, (attribute, _w) in _MEMBER_ATTRIBUTES.items()
        }
        self.reference = None
        self._reset()

    def _reset(self):
        self.states, self.extras, self.joined = {}, {}, {}
        self.topics_of, self.conflicts, self.repairs = {}, {}, {}
        self.skipped, self.lines, self.people_report = [], [], None
        self.parsed = {}  # (row, key) → value parsed while finding members
        self.last_diff = None

    # Column names and errors ------------------------------------------------

    def column_of(self, key: str) -> str | None:
        """The column as the file names it (“P. IVA”), else the template's."""
        key = self._attribute_key.get(key, key)
        column = COLUMNS_BY_KEY.get(key)
        if column is None:
            return None
        return self.file_headers.get(key, column.header)

    def error(self, key: str, message: str) -> ValidationError:
        return ValidationError({key: [message]})

    # The library's hooks ------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self._reset()
        self.reference = Reference()
        for key in ("municipality", "needs", "offers"):
            self.by_key[key].widget.bind(self.reference)
        self.row_numbers = list(dataset[ROW]) if len(dataset) else []

    def identity_of(self, row: dict) -> dict:
        """The cells that identify a row's member, parsed, bad ones left out.
        What parsed is kept for ``import_instance``: each cell is parsed once."""
        number, data = row[ROW], {}
        for key in (
            "kind",
            "name",
            "legal_name",
            "codice_fiscale",
            "partita_iva",
            "email",
            "municipality",
        ):
            value = data[key] = self._quiet(key, row)
            if value is not None:
                self.parsed[(number, key)] = value
        data["municipality_id"] = data.pop("municipality")
        data["name"] = data["name"] or data.pop("legal_name")
        data.pop("legal_name", None)
        if not (data["kind"] and data["name"]):
            return {}
        return {k: v for k, v in data.items() if v is not None}

    def _quiet(self, key, row):
        field_ = self.by_key.get(key)
        if field_ is None or field_.column_name not in row:
            return None
        try:
            return field_.clean(row)
        except (ValueError, ValidationError):
            return None

    def get_diff_class(self):
        return FieldDiff

    def get_diff_headers(self):
        return self.diff_columns

    def get_instance(self, instance_loader, row):
        return instance_loader.get_instance(row)

    def import_row(self, row, instance_loader, **kwargs):
        if self._is_template_example(row):
            self.skipped.append(
                (
                    row[ROW],
                    _(
                        "This is the template's example row: it was skipped. "
                        "Delete it from your file."
                    ),
                )
            )
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        return super().import_row(row, instance_loader, **kwargs)

    def _is_template_example(self, row) -> bool:
        cf = self.by_key["codice_fiscale"].column_name
        name = self.by_key["name"].column_name
        return (
            str(row.get(cf, "")).strip(),
            normalise_label(row.get(name, "")),
        ) == TEMPLATE_EXAMPLE

    def get_or_init_instance(self, instance_loader, row):
        """The member of an earlier row or of the database, else a new one;
        a new one is remembered, so that its later rows find it."""
        number = row[ROW]
        instance = instance_loader.get_instance(row)
        new = instance is None
        if new:
            instance = self.init_instance(row)
            data = instance_loader.identity.get(number)
            if data:
                instance_loader.remember(member_keys(data), instance, number)
        if id(instance) not in self.states:
            self.states[id(instance)] = MemberState(first=number, new=new)
        return instance, new

    def import_instance(self, instance, row, **kwargs):
        """Every cell through its widget; a later row of the same member must
        agree with the earlier ones. All of the row's problems at once."""
        number = row[ROW]
        state = self.states[id(instance)]
        errors = {}
        joined = self.joined.get(number)
        if joined and self._different_member(instance, row, joined, errors):
            raise ValidationError(errors)
        for key, (attribute, _widget) in _MEMBER_ATTRIBUTES.items():
            self._member_cell(instance, row, state, key, attribute, errors)
        if "name" not in state.values and "legal_name" in state.values:
            instance.name = state.values["legal_name"][0]
            state.values["name"] = state.values["legal_name"]
        for key in ("kind", "name"):
            if not getattr(instance, key) and key not in errors:
                errors[key] = [_("This cell is empty: every row needs it.")]
        extras = self._extras(instance, row, state, errors)
        if errors:
            raise ValidationError(errors)
        self.extras[number] = extras

    def _different_member(self, instance, row, joined, errors) -> bool:
        """The real cause when one identifier is on rows of two members."""
        (key, *_rest), first = joined
        name = self.identity_of(row).get("name")
        if key not in ("codice_fiscale", "partita_iva") or name is None:
            return False
        state = self.states[id(instance)]
        known = state.values.get("name", (instance.name, first))[0]
        if normalise_label(known) == normalise_label(name):
            return False
        errors[key] = [
            _(
                "The %(label)s “%(value)s” is also on row %(first)s, for "
                "“%(other)s”: these rows describe two different members with the "
                "same identifier. Correct it on one of the two rows."
            )
            % {
                "label": self.column_of(key),
                "value": joined[0][1],
                "first": first,
                "other": known,
            }
        ]
        return True

    def _member_cell(self, instance, row, state, key, attribute, errors):
        field_ = self.by_key[key]
        if field_.column_name not in row:
            return
        value = self.parsed.pop((row[ROW], key), None)
        try:
            value = field_.clean(row) if value is None else value
        except ValueError as exc:
            errors[key] = [str(exc)]
            return
        if value is None:
            return
        if attribute in state.values:
            known, first = state.values[attribute]
            if not _same(attribute, known, value):
                errors[key] = [
                    _(
                        "This row describes the same member as row %(first)s, "
                        "but this cell differs from it (“%(value)s”)."
                    )
                    % {"first": first, "value": row[field_.column_name]}
                ]
            return
        state.values[attribute] = (value, row[ROW])
        current = getattr(instance, attribute)
        state.original.setdefault(attribute, current)
        if not _same(attribute, current, value):
            setattr(instance, attribute, value)

    def _extras(self, instance, row, state, errors) -> RowExtras:
        number = row[ROW]
        values = {}
        for key in _EXTRA_WIDGETS:
            field_ = self.by_key.get(key)
            if field_ is None or field_.column_name not in row:
                continue
            try:
                value = field_.clean(row)
            except ValueError as exc:
                errors[key] = [str(exc)]
                continue
            if value is not None:
                values[key] = value
        extras = RowExtras(number=number, index=0, member=instance)
        self._collections(extras, values, state, errors, number)
        if extras.children and instance.kind not in ("", MemberKind.FAMILY):
            errors.setdefault("children", []).append(
                _("Only families have children recorded here.")
            )
        self._person(extras, values, instance, state, errors)
        return extras

    def _collections(self, extras, values, state, errors, number):
        message = _(
            "This row describes the same member as row %(first)s, but this cell "
            "differs from it."
        ) % {"first": state.first}
        for key in ("needs", "offers", "children"):
            mine = values.get(key)
            if mine is None:
                continue
            known = state.topics.get(key) if key != "children" else state.children
            if known is not None and sorted(known) != sorted(mine):
                errors[key] = [message]
                continue
            if key == "children":
                state.children = mine
            else:
                state.topics[key] = mine
            setattr(extras, key, mine)

    def _person(self, extras, values, instance, state, errors):
        given = {
            k[len("person_") :]: values[k] for k in values if k.startswith("person_")
        }
        role = given.pop("role", None)
        since, until = given.pop("since", None), given.pop("until", None)
        privacy = given.pop("privacy", None)
        if not given:
            if role or since or until or privacy:
                errors.setdefault("person_first_name", []).append(
                    _("The contact's role or dates are given, but not who they are.")
                )
            return
        for key in ("first_name", "last_name"):
            if key not in given and f"person_{key}" not in errors:
                errors[f"person_{key}"] = [
                    _("This cell is empty: a contact needs a first and last name.")
                ]
        person = Person(**given)
        _validate(person, set(given), _PERSON_FIELD_NAMES, errors, prefix="person_")
        extras.person = {k: getattr(person, k) for k in given}
        extras.person_instance = person
        extras.privacy = privacy
        extras.since, extras.until = since, until
        extras.role = self._role(instance, role, since, until, errors)
        who = given.get("email") or given.get("codice_fiscale")
        who = who or (
            normalise_label(given.get("first_name")),
            normalise_label(given.get("last_name")),
        )
        identity = (who, extras.role, until)
        if identity in state.rows and not errors:
            errors[NON_FIELD_ERRORS] = [
                _("This row repeats row %(first)s.") % {"first": state.rows[identity]}
            ]
        state.rows.setdefault(identity, extras.number)

    def _role(self, instance, role, since, until, errors):
        is_family = instance.kind == MemberKind.FAMILY
        if not instance.kind:
            return role
        if role is None:
            role = AffiliationRole.GUARDIAN if is_family else AffiliationRole.CONTACT
        elif is_family != (role == AffiliationRole.GUARDIAN):
            errors.setdefault("person_role", []).append(
                _("People are linked to a family as parents or guardians.")
                if is_family
                else _("Parents or guardians belong to families, not organisations.")
            )
        if since and until and until < since:
            errors.setdefault("person_until", []).append(
                _("The role ends before it starts.")
            )
        return role

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        """The model's own checks (check digits, what each kind may have),
        limited to what the file gives; no per-row uniqueness queries."""
        errors = dict(import_validation_errors or {})
        state = self.states[id(instance)]
        given = {self._attribute_key.get(a, a) for a in state.values}
        _validate(instance, given, _MEMBER_FIELD_NAMES, errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Each member once, however many rows it takes."""
        state = self.states[id(instance)]
        if state.first != row[ROW]:
            return
        if is_create:
            instance.source = MemberSource.IMPORT
        super().save_instance(instance, is_create, row, **kwargs)

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if dry_run:  # a dry run checks, compares and counts; it never writes
            self.create_instances.clear()
            return
        if not self.create_instances:
            return
        try:
            Member.objects.bulk_create(self.create_instances, batch_size=BATCH)
            self.history.record(Member, self.create_instances, "+")
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        """Only members whose values the file changes, only those fields."""
        if dry_run:
            self.update_instances.clear()
            return
        changed, fields = [], {"updated_at"}
        for instance in self.update_instances:
            names = self.changed_fields(instance)
            if names:
                instance.updated_at = self.history.now
                changed.append(instance)
                fields.update(names)
        try:
            if changed:
                Member.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
                self.history.record(Member, changed, "~")
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()

    def changed_fields(self, instance) -> list[str]:
        state = self.states.get(id(instance))
        if state is None or state.new:
            return []
        return [
            a
            for a, stored in state.original.items()
            if not _same(a, stored, getattr(instance, a))
        ]

    def after_import_row(self, row, row_result, **kwargs):
        number = row[ROW]
        if row.get(w.REPAIRS):
            self.repairs.setdefault(number, []).extend(row[w.REPAIRS])
        if row_result.import_type in (
            RowResult.IMPORT_TYPE_INVALID,
            RowResult.IMPORT_TYPE_ERROR,
        ):
            return
        diff = None if self._meta.skip_diff else self.last_diff
        self.lines.append(
            SimpleNamespace(
                row=number,
                instance=self.extras[number].member,
                first=self.states[id(self.extras[number].member)].first,
                changes=diff.changes() if diff is not None else [],
            )
        )

    def import_data(self, dataset, dry_run=False, *args, **kwargs):
        """Diffs are for the preview: the commit skips them (and the copy of
        every row's instance they need), as the library's ``skip_diff`` does."""
        self.history = History(self.by, timezone.now())
        self._meta = copy.copy(type(self)._meta)
        self._meta.skip_diff = not dry_run
        return super().import_data(dataset, dry_run, *args, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        if result.has_errors() or result.has_validation_errors():
            return
        from .people import PeopleStage

        index = {number: i for i, number in enumerate(self.row_numbers, start=1)}
        for extras in self.extras.values():
            extras.index = index[extras.number]
        write = not kwargs.get("dry_run", True)
        stage = PeopleStage(self, list(self.extras.values()), write=write)
        self.people_report = stage.run()
        for number, key, message in stage.problems:
            row = dict(zip(dataset.headers, dataset[index[number] - 1], strict=True))
            result.append_invalid_row(
                index[number], row, ValidationError({key or NON_FIELD_ERRORS: message})
            )

    # The template's conflicts -------------------------------------------------

    def check_conflict(self, member, data, key, number, index) -> None:
        """A row whose identifier is a member's, but whose name and email are
        someone else's, is refused unless the coordinator confirmed that row."""
        if normalise_label(member.name) == normalise_label(data.get("name")):
            return
        email = (data.get("email") or "").lower()
        elsewhere = any(m.pk != member.pk for m in index.by_email.get(email, []))
        differs = bool(member.email) and email != member.email.lower()
        if not email or not (elsewhere or differs):
            return
        if number in self.confirmed:
            return
        self.conflicts[number] = Conflict(number, self.column_of(key), member, data)
        raise self.error(
            key,
            _(
                "The %(label)s “%(value)s” is that of “%(name)s” (%(email)s), but "
                "this row describes “%(other)s” (%(other_email)s): check the code, "
                "or confirm this row to update “%(name)s” with it."
            )
            % {
                "label": self.column_of(key),
                "value": data[key],
                "name": member.name,
                "email": member.email or "—",
                "other": data.get("name"),
                "other_email": email,
            },
        )

    # Export -------------------------------------------------------------------

    def get_export_headers(self, selected_fields=None):
        return [c.header for c in COLUMNS]

    def export_rows(self, queryset=None):
        """One list of cells per member and role, in the template's columns."""
        from .exporting import export_rows

        return export_rows(queryset)

    def export(self, queryset=None, **kwargs):
        import tablib

        return tablib.Dataset(
            *self.export_rows(queryset), headers=self.get_export_headers()
        )


def _validate(instance, given: set, field_names, errors: dict, prefix=""):
    """The model's own checks, limited to the fields the row gives."""
    exclude = {name for name in field_names if name not in given or name in _PARSED}
    exclude |= {k[len(prefix) :] for k in errors if k.startswith(prefix)}
    found = {}
    try:
        instance.clean_fields(exclude=exclude | {"municipality"})
    except ValidationError as exc:
        found.update(exc.message_dict)
    try:
        instance.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            found.setdefault(name, []).extend(messages)
    for name, messages in found.items():
        if name == NON_FIELD_ERRORS:
            name = "first_name" if prefix else "kind"
        key = "municipality" if name == "municipality_id" else prefix + name
        if key not in errors:
            errors[key] = list(messages)
