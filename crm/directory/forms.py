"""Forms of the services directory: the public search, and the organisation's
service, periods with their week, closures and places. Every message names
the field it is about, in the user's language."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.directory import calendar
from crm.directory.selectors import AGE_BANDS, DirectoryQuery
from crm.directory.services import SERVICE_FIELDS
from crm.models import WEEKDAYS, Closure, Municipality, Service, Topic
from crm.models.directory import format_minutes
from crm.reference import fixture_istat_codes

AGE_LABELS = {
    "0-5m": _("under 6 months"),
    "6-11m": _("6–11 months"),
    "1y": _("1 year"),
    "2y": _("2 years"),
    "3y": _("3 years"),
    "4y": _("4 years"),
    "5y": _("5 years"),
    "6y": _("6 years"),
    "7-10y": _("7–10 years"),
    "11-14y": _("11–14 years"),
}


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class ComuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def fixture_comuni():
    return Municipality.objects.filter(istat_code__in=fixture_istat_codes()).order_by(
        "-is_piana", "name"
    )


class DirectoryFilterForm(forms.Form):
    """The public search: every field optional, read from the query string."""

    comune = ComuneChoiceField(
        queryset=Municipality.objects.none(),
        required=False,
        label=_("Municipality"),
        empty_label=_("All"),
    )
    vicini = forms.BooleanField(required=False, label=_("Also neighbouring comuni"))
    eta = forms.ChoiceField(required=False, label=_("Child's age"))
    tipo = TopicChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        label=_("Kind of service"),
        empty_label=_("All"),
    )
    giorno = forms.TypedChoiceField(
        choices=[("", _("Any day"))] + list(WEEKDAYS),
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Day"),
    )
    ora = forms.CharField(
        required=False,
        max_length=5,
        label=_("Time"),
        help_text=_("E.g. 17:30"),
    )
    data = forms.DateField(
        required=False,
        label=_("From date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    aperto_ora = forms.BooleanField(required=False, label=_("Open now"))
    posti = forms.BooleanField(required=False, label=_("With free places"))
    gratuito = forms.BooleanField(required=False, label=_("Free of charge"))
    q = forms.CharField(required=False, max_length=100, label=_("Words"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comune"].queryset = fixture_comuni()
        self.fields["tipo"].queryset = Topic.objects.filter(
            services__published=True
        ).distinct()
        self.fields["eta"].choices = [("", _("Any age"))] + [
            (key, AGE_LABELS[key]) for key, _low, _high in AGE_BANDS
        ]

    def clean_ora(self):
        text = self.cleaned_data["ora"]
        if not text:
            return None
        minute = calendar.parse_time(text)
        if minute is None or minute >= 24 * 60:
            raise forms.ValidationError(
                _("Time: write it as hours and minutes, e.g. 17:30.")
            )
        return minute

    def query(self) -> DirectoryQuery:
        if not self.is_bound:
            return DirectoryQuery()
        self.is_valid()
        data = self.cleaned_data  # a field in error is left out, the rest filter
        return DirectoryQuery(
            municipality=data.get("comune"),
            include_neighbours=bool(data.get("vicini")),
            age=data.get("eta") or "",
            kinds=[data["tipo"]] if data.get("tipo") else [],
            weekday=data.get("giorno"),
            minute=data.get("ora"),
            on=data.get("data"),
            open_now=bool(data.get("aperto_ora")),
            free_places=bool(data.get("posti")),
            free_of_charge=bool(data.get("gratuito")),
            text=(data.get("q") or "").strip(),
        )


class ServiceForm(forms.ModelForm):
    """An organisation's service: what, for whom, where, cost, how to apply."""

    kind = TopicChoiceField(queryset=Topic.objects.all(), label=_("Kind of service"))
    municipality = ComuneChoiceField(
        queryset=Municipality.objects.none(), label=_("Municipality")
    )

    class Meta:
        model = Service
        fields = [*SERVICE_FIELDS, "capacity", "places_free"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = fixture_comuni()
        if self.instance.pk:
            # Places have their own form, with the date of the update.
            del self.fields["capacity"]
            del self.fields["places_free"]
        for name in ("latitude", "longitude"):
            self.fields[name].help_text = _("Optional: shows the service on the map.")
        for name in ("age_min_months", "age_max_months", "capacity", "places_free"):
            if name in self.fields:
                field = self.fields[name]
                field.error_messages["min_value"] = _(
                    "%(field)s: the figure cannot be negative."
                ) % {"field": field.label[:1].upper() + field.label[1:]}

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


def _time_field(label):
    return forms.CharField(
        required=False,
        max_length=5,
        label=label,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "placeholder": "hh:mm", "size": 5}
        ),
    )


class PeriodForm(forms.Form):
    """A period with its week: up to two openings a day (morning, afternoon)."""

    name = forms.CharField(max_length=100, label=_("Name of the period"))
    starts_on = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=_("Until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    SLOTS = (1, 2)

    def __init__(self, *args, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, day in WEEKDAYS:
            for slot in self.SLOTS:
                self.fields[f"d{weekday}_{slot}_from"] = _time_field(
                    _("%(day)s, opening %(n)s: from") % {"day": day, "n": slot}
                )
                self.fields[f"d{weekday}_{slot}_to"] = _time_field(
                    _("%(day)s, opening %(n)s: until") % {"day": day, "n": slot}
                )
        if period is not None and not self.is_bound:
            self.initial.update(
                name=period.name, starts_on=period.starts_on, ends_on=period.ends_on
            )
            used = {}
            for hours in period.hours.all():
                slot = used.get(hours.weekday, 0) + 1
                used[hours.weekday] = slot
                if slot in self.SLOTS:
                    prefix = f"d{hours.weekday}_{slot}"
                    self.initial[f"{prefix}_from"] = format_minutes(hours.opens)
                    self.initial[f"{prefix}_to"] = format_minutes(hours.closes)

    def days(self):
        """The week for the template: (day label, [(from field, to field)…])."""
        return [
            (
                day,
                [
                    (self[f"d{weekday}_{slot}_from"], self[f"d{weekday}_{slot}_to"])
                    for slot in self.SLOTS
                ],
            )
            for weekday, day in WEEKDAYS
        ]

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error(
                "ends_on",
                _("Until: the period ends (%(end)s) before it starts (%(start)s).")
                % {
                    "end": ends_on.strftime("%d/%m/%Y"),
                    "start": starts_on.strftime("%d/%m/%Y"),
                },
            )
        hours = []
        for weekday, day in WEEKDAYS:
            for slot in self.SLOTS:
                prefix = f"d{weekday}_{slot}"
                opens = self._minute(f"{prefix}_from", day, slot)
                closes = self._minute(f"{prefix}_to", day, slot)
                if opens is False or closes is False:
                    continue
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    missing = f"{prefix}_from" if opens is None else f"{prefix}_to"
                    self.add_error(
                        missing,
                        _("%(day)s, opening %(n)s: give both times.")
                        % {"day": str(day).capitalize(), "n": slot},
                    )
                    continue
                if closes <= opens:
                    self.add_error(
                        f"{prefix}_to",
                        _(
                            "%(day)s, opening %(n)s: it ends (%(to)s) before it "
                            "starts (%(from)s)."
                        )
                        % {
                            "day": str(day).capitalize(),
                            "n": slot,
                            "to": format_minutes(closes),
                            "from": format_minutes(opens),
                        },
                    )
                    continue
                hours.append((weekday, opens, closes))
        if not hours and not self.errors:
            raise forms.ValidationError(_("Give the hours of at least one day."))
        cleaned["hours"] = hours
        return cleaned

    def _minute(self, name, day, slot):
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        minute = calendar.parse_time(text)
        if minute is None:
            self.add_error(
                name,
                _(
                    "%(day)s, opening %(n)s: “%(text)s” is not a time between "
                    "00:00 and 24:00 (write e.g. 8:30)."
                )
                % {"day": str(day).capitalize(), "n": slot, "text": text},
            )
            return False
        return minute


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["starts_on", "ends_on", "reason"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("starts_on"), cleaned.get("ends_on")
        if first and last and last < first:
            self.add_error("ends_on", _("Until: the closure ends before it starts."))
        return cleaned

    def _post_clean(self):
        pass  # the service validates the model


class PlacesForm(forms.Form):
    places_free = forms.IntegerField(label=_("Places free now"), required=True)
    capacity = forms.IntegerField(label=_("Places in all"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_places_free(self):
        value = self.cleaned_data["places_free"]
        if value < 0:
            raise forms.ValidationError(
                _("Places free: the figure cannot be negative.")
            )
        return value

    def clean_capacity(self):
        value = self.cleaned_data.get("capacity")
        if value is not None and value < 0:
            raise forms.ValidationError(
                _("Places in all: the figure cannot be negative.")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        free, capacity = cleaned.get("places_free"), cleaned.get("capacity")
        if free is not None and capacity is not None and free > capacity:
            self.add_error(
                "places_free",
                _("Places free: %(free)s is more than the places in all (%(all)s).")
                % {"free": free, "all": capacity},
            )
        return cleaned


class InformationRequestForm(forms.Form):
    family = forms.ModelChoiceField(
        queryset=None, label=_("For the family"), empty_label=None
    )
    message = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    share_contact = forms.BooleanField(required=False)

    def __init__(self, *args, families, service, **kwargs):
        from crm.directory.services import consent_to_share_text

        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = families
        if families.count() == 1:
            self.fields["family"].widget = forms.HiddenInput()
            self.fields["family"].initial = families.first().pk
        self.fields["share_contact"].label = consent_to_share_text(service)


class PlacesAlertForm(forms.Form):
    family = forms.ModelChoiceField(
        queryset=None, label=_("For the family"), empty_label=None
    )
    consent = forms.BooleanField(required=False)

    def __init__(self, *args, families, service, **kwargs):
        from crm.directory.services import places_alert_consent_text

        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = families
        if families.count() == 1:
            self.fields["family"].widget = forms.HiddenInput()
            self.fields["family"].initial = families.first().pk
        self.fields["consent"].label = places_alert_consent_text(service)


def summer_year_choices():
    today = datetime.date.today()
    return [today.year - 1, today.year, today.year + 1]
