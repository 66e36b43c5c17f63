"""django-import-export widgets that read and write cells the Italian way.

Parsing reuses the member import's cell readers (``crm.importing.cells``) and
the CRM's validators, so a date, a “Sì”, a phone number or a codice fiscale
means the same in every spreadsheet. A widget refuses a cell by raising
``ValueError`` with a message quoting the value: import-export then reports it
against that column (a ``DoesNotExist`` would fail the whole row instead).
Rendering writes what the import reads back: dd/mm/yyyy, “Sì”/“No”, phones
in the national format, choices by their Italian label.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import widgets

from crm.importing import cells
from crm.importing.columns import normalise_label
from crm.validators import (
    format_phone,
    normalise_partita_iva,
    normalise_person_codice_fiscale,
    normalise_phone,
)


def _refuse(error: ValidationError):
    raise ValueError(" ".join(error.messages)) from None


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Text(widgets.Widget):
    """Text; an empty cell is an empty text, never NULL."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class OptionalText(Text):
    """Text stored as NULL when empty (unique columns such as an email)."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value) or None


class Email(OptionalText):
    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        return text.lower() if text else None


class Date(widgets.Widget):
    """dd/mm/yyyy (also d.m.yy, ISO, or an Excel date cell)."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        try:
            return cells.date(value)
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


class DateTime(widgets.Widget):
    """dd/mm/yyyy hh:mm in local time; a date alone means midnight."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            text = str(value).strip()
            day, _sep, clock = text.partition(" ")
            try:
                date = cells.date(day)
            except ValidationError as error:
                _refuse(error)
            moment = self._at(date, clock.strip(), text)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    @staticmethod
    def _at(date, clock, text):
        if not clock:
            return datetime.datetime.combine(date, datetime.time())
        for pattern in ("%H:%M", "%H:%M:%S", "%H.%M"):
            try:
                time = datetime.datetime.strptime(clock, pattern).time()
            except ValueError:
                continue
            return datetime.datetime.combine(date, time)
        raise ValueError(
            _("“%(value)s” is not a date and time: write dd/mm/yyyy hh:mm.")
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


class YesNo(widgets.Widget):
    """“Sì”/“No” (and the other words the member import accepts)."""

    def __init__(self, default=False):
        super().__init__()
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return self.default
        try:
            return cells.boolean(value)
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return "Sì" if value else "No"


class Count(widgets.Widget):
    """A whole number, never negative; empty is ``empty`` (None or 0)."""

    def __init__(self, empty=None):
        super().__init__()
        self.empty = empty

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return self.empty
        try:
            return cells.whole_number(value)
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class Phone(widgets.Widget):
    """Any way Italians write a number; stored E.164, shown national."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return ""
        text = str(value).strip()
        if isinstance(value, int) and not text.startswith(("0", "3")):
            text = "0" + text  # a landline typed as a number lost its 0
        try:
            return normalise_phone(text)
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return format_phone(value or "")


class CodiceFiscale(widgets.Widget):
    """A person's codice fiscale (16 characters, checked), upper case."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        try:
            return normalise_person_codice_fiscale(str(value))
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class PartitaIva(widgets.Widget):
    """11 digits, with or without “IT”; a number cell that lost its leading
    zero gets it back."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        text = str(value).strip()
        if isinstance(value, int) and len(text) == 10:
            text = text.zfill(11)
        try:
            return normalise_partita_iva(text)
        except ValidationError as error:
            _refuse(error)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class Choice(widgets.Widget):
    """A choice by its Italian label or its code; written as the label."""

    def __init__(self, choices, default=None):
        super().__init__()
        self.choices = choices
        self.default = default

    def _labels(self):
        with translation.override("it"):
            return {value: str(label) for value, label in self.choices.choices}

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            if self.default is not None:
                return self.default
            raise ValueError(_("This cell is required."))
        word = normalise_label(value)
        labels = self._labels()
        for code, label in labels.items():
            if word in (normalise_label(code), normalise_label(label)):
                return code
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(labels.values())}
        )

    def render(self, value, obj=None, **kwargs):
        return self._labels().get(value, value or "")


class Named(widgets.ForeignKeyWidget):
    """A related record by one of its names; an unknown name is a cell message."""

    def __init__(self, model, lookups, message, queryset=None):
        super().__init__(model, field=lookups[0])
        self.lookups = lookups
        self.message = message
        self._queryset = queryset

    def get_queryset(self, value, row, *args, **kwargs):
        return self._queryset() if self._queryset else self.model.objects.all()

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        queryset = self.get_queryset(value, row)
        for lookup in self.lookups:
            found = queryset.filter(**{f"{lookup}__iexact": text}).first()
            if found is not None:
                return found
        raise ValueError(self.message % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.lookups[0])


class Topics(widgets.ManyToManyWidget):
    """Needs or offers by name or code, separated by commas."""

    def __init__(self):
        from crm.models import Topic

        super().__init__(Topic, separator=",", field="name")

    def clean(self, value, row=None, **kwargs):
        names = cells.names(value) if not _empty(value) else []
        if not names:
            return self.model.objects.none()
        found, missing = [], []
        for name in names:
            topic = (
                self.model.objects.filter(name__iexact=name).first()
                or self.model.objects.filter(slug__iexact=name).first()
                or self.model.objects.filter(name_en__iexact=name).first()
            )
            (found if topic else missing).append(topic or name)
        if missing:
            raise ValueError(
                _("“%(value)s” is not one of the needs and offers.")
                % {"value": ", ".join(missing)}
            )
        return self.model.objects.filter(pk__in=[t.pk for t in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(topic.name for topic in value.all())
