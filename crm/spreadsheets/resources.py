"""The CRM's lists as spreadsheets: django-import-export Resources.

Column names are the Italian headings users see, and they are the file format:
Italian whatever the interface language, so a file exported by anyone imports
anywhere. Each ``Column`` may list synonyms a coordinator's own file uses.
Every row is validated like a form (``clean_model_instances``); the preview's
field-by-field diff is the library's, kept as (before, after) pairs.
"""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from crm.importing.columns import normalise_label
from crm.models import (
    Interaction,
    InteractionKind,
    Member,
    Municipality,
    Person,
    Topic,
)

from . import widgets as w


class Column(fields.Field):
    """A field under an Italian heading, with the other names it goes by."""

    def __init__(self, attribute, header, widget=None, *, synonyms=(), **kwargs):
        super().__init__(
            attribute=attribute,
            column_name=header,
            widget=widget or w.Text(),
            **kwargs,
        )
        self.synonyms = tuple(synonyms)


class PairDiff(resources.Diff):
    """The library's before/after reading of every import column, kept as
    values rather than HTML: the preview shows only what changes."""

    def as_html(self):
        pairs = []
        for before, after in zip(self.left, self.right, strict=False):
            pairs.append(("" if self.new else before, after))
        return pairs


class ItalianResource(resources.ModelResource):
    """What every spreadsheet of the back office shares."""

    #: Export columns that identify a row in the preview (its “title”).
    title_fields: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Headings are the file format: fixed in Italian, not the UI language.
        with translation.override("it"):
            for field in self.fields.values():
                field.column_name = str(field.column_name)

    def get_diff_class(self):
        return PairDiff

    def headers_by_label(self) -> dict[str, str]:
        """Normalised heading or synonym → the column's heading."""
        found = {}
        for field in self.get_import_fields():
            for label in (field.column_name, *getattr(field, "synonyms", ())):
                found.setdefault(normalise_label(label), field.column_name)
        return found

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many cells are read after saving, where a bad name would
        # fail the whole row: read them first, so it is a message on the cell.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if field.column_name in row and isinstance(
                field.widget, w.widgets.ManyToManyWidget
            ):
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error))
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged is what the file shows unchanged: a time written to the
        minute, or a phone in another format, does not rewrite the record."""
        if super().skip_row(instance, original, row, import_validation_errors):
            return True
        if (
            not self._meta.skip_unchanged
            or import_validation_errors
            or original is None
            or original.pk is None
        ):
            return False
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name not in row:
                continue
            if isinstance(field.widget, w.widgets.ManyToManyWidget):
                new = sorted(o.pk for o in field.clean(row))
                old = sorted(o.pk for o in field.get_value(original).all())
                if new != old:
                    return False
            elif field.export(instance) != field.export(original):
                return False
        return True

    def row_title(self, instance) -> str:
        return str(instance) if instance is not None else ""

    def included(self, queryset) -> tuple:
        """The members and people an export of ``queryset`` carries, as
        querysets of ids for the export log."""
        return None, None

    def for_export(self, queryset):
        """``queryset`` with what its rows show joined in."""
        return queryset


def _members():
    return Member.objects.all()


# ---------------------------------------------------------------------------
# People


class PersonResource(ItalianResource):
    id = Column("id", "Codice", w.Count(), synonyms=("ID", "Id persona"))
    first_name = Column("first_name", "Nome", synonyms=("Nome persona",))
    last_name = Column("last_name", "Cognome", synonyms=("Cognome persona",))
    email = Column(
        "email", "E-mail", w.Email(), synonyms=("Email", "Mail", "Posta elettronica")
    )
    phone = Column(
        "phone", "Telefono", w.Phone(), synonyms=("Tel", "Tel.", "Cellulare")
    )
    codice_fiscale = Column(
        "codice_fiscale",
        "Codice fiscale",
        w.CodiceFiscale(),
        synonyms=("CF", "C.F.", "Cod. fiscale"),
    )
    members = Column(None, "Soggetti", readonly=True)

    class Meta:
        model = Person
        fields = (
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "codice_fiscale",
            "members",
        )
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True

    def dehydrate_members(self, person):
        return ", ".join(
            f"{a.member.name} ({a.get_role_display()})"
            for a in person.affiliations.all()
        )

    def get_instance(self, instance_loader, row):
        """By code; else by email; else by codice fiscale."""
        code = str(row.get("Codice") or "").strip()
        if code:
            found = Person.objects.filter(pk=code).first() if code.isdigit() else None
            if found is None:
                raise ValidationError(
                    {"id": _("No record has the code “%(value)s”.") % {"value": code}}
                )
            return found
        email = w.Email().clean(row.get("E-mail"))
        if email:
            found = Person.objects.by_email(email).first()
            if found:
                return found
        cf = str(row.get("Codice fiscale") or "").strip().upper()
        if cf:
            return Person.objects.filter(codice_fiscale=cf).first()
        return None

    def for_export(self, queryset):
        return queryset.prefetch_related("affiliations__member")

    def included(self, queryset):
        return None, queryset.values_list("pk", flat=True)


# ---------------------------------------------------------------------------
# Interactions


class InteractionResource(ItalianResource):
    id = Column("id", "Codice", w.Count(), synonyms=("ID",))
    occurred_at = Column(
        "occurred_at", "Quando", w.DateTime(), synonyms=("Data", "Data e ora")
    )
    member = Column(
        "member",
        "Soggetto",
        w.Named(
            Member,
            ["name", "legal_name", "codice_fiscale", "partita_iva"],
            gettext_lazy("No member of the network is called “%(value)s”."),
            queryset=_members,
        ),
        synonyms=("Soggetto aderente", "Nome soggetto"),
    )
    kind = Column(
        "kind",
        "Tipo",
        w.Choice(InteractionKind, default=InteractionKind.NOTE),
        synonyms=("Tipo contatto",),
    )
    person = Column(
        "person",
        "E-mail persona contattata",
        w.Named(
            Person,
            ["email"],
            gettext_lazy("No person has the email “%(value)s”."),
        ),
        synonyms=("Persona contattata",),
    )
    subject = Column("subject", "Oggetto", synonyms=("Titolo",))
    body = Column("body", "Dettagli", synonyms=("Note", "Testo"))
    author = Column(None, "Registrato da", readonly=True)

    class Meta:
        model = Interaction
        fields = (
            "id",
            "occurred_at",
            "member",
            "kind",
            "person",
            "subject",
            "body",
            "author",
        )
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True

    def dehydrate_author(self, interaction):
        author = interaction.author
        return (author.get_full_name() or author.get_username()) if author else ""

    def get_instance(self, instance_loader, row):
        code = str(row.get("Codice") or "").strip()
        if not code:
            return None
        found = Interaction.objects.filter(pk=code).first() if code.isdigit() else None
        if found is None:
            raise ValidationError(
                {"id": _("No record has the code “%(value)s”.") % {"value": code}}
            )
        return found

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None and instance.author_id is None:
            user = kwargs.get("user")
            instance.author = user if getattr(user, "is_authenticated", False) else None

    def row_title(self, instance):
        return f"{instance.member.name if instance.member_id else ''} · {instance}"

    def for_export(self, queryset):
        return queryset.select_related("member", "person", "author")

    def included(self, queryset):
        return (
            queryset.values_list("member_id", flat=True),
            queryset.exclude(person=None).values_list("person_id", flat=True),
        )


# ---------------------------------------------------------------------------
# Reference data: needs and offers, municipalities


class TopicResource(ItalianResource):
    slug = Column("slug", "Codice", synonyms=("Slug", "Sigla"))
    name = Column("name", "Nome", synonyms=("Nome (italiano)", "Esigenza", "Offerta"))
    name_en = Column("name_en", "Nome in inglese", synonyms=("Nome (inglese)",))
    description = Column("description", "Descrizione")

    class Meta:
        model = Topic
        fields = ("slug", "name", "name_en", "description")
        export_order = fields
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True


class MunicipalityResource(ItalianResource):
    istat_code = Column(
        "istat_code", "Codice ISTAT", synonyms=("ISTAT", "Cod. ISTAT", "Codice")
    )
    name = Column("name", "Nome", synonyms=("Comune",))
    province = Column("province", "Provincia", synonyms=("Sigla provincia",))
    is_piana = Column("is_piana", "Piana di Lucca", w.YesNo())
    is_hill = Column("is_hill", "Collina o montagna", w.YesNo())
    patron_saint = Column("patron_saint", "Santo patrono", synonyms=("Patrono",))

    class Meta:
        model = Municipality
        fields = (
            "istat_code",
            "name",
            "province",
            "is_piana",
            "is_hill",
            "patron_saint",
        )
        export_order = fields
        import_id_fields = ("istat_code",)
        clean_model_instances = True
        skip_unchanged = True

    def get_instance(self, instance_loader, row):
        code = str(row.get("Codice ISTAT") or "").strip()
        if code.isdigit():
            # A number cell dropped the leading zeros of the code.
            row["Codice ISTAT"] = code.zfill(6)
        return super().get_instance(instance_loader, row)
