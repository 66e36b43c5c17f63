"""Comuni and topics, loaded once per import in two queries."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.models import Municipality, Topic

from . import cells
from .columns import normalise_label

_PROVINCE_SUFFIX = re.compile(r"\s*\([A-Za-z]{2}\)\s*$")


class Reference:
    def __init__(self):
        self.municipalities, self.municipality_names = {}, {}
        for pk, istat, name in Municipality.objects.values_list(
            "pk", "istat_code", "name"
        ):
            self.municipalities[istat] = pk
            self.municipalities[normalise_label(name)] = pk
            self.municipality_names[pk] = name
        self.topics, self.topic_names = {}, {}
        for pk, slug, name, name_en in Topic.objects.values_list(
            "pk", "slug", "name", "name_en"
        ):
            self.topic_names[pk] = name
            for label in (slug, name, name_en):
                if label:
                    self.topics.setdefault(normalise_label(label), pk)

    def municipality(self, value) -> int:
        raw = str(value).strip()
        pk = self.municipalities.get(raw.zfill(6) if raw.isdecimal() else None)
        pk = pk or self.municipalities.get(
            normalise_label(_PROVINCE_SUFFIX.sub("", raw))
        )
        if pk is None:
            raise ValidationError(
                _("“%(value)s” is not a comune we know (Province of Lucca)."),
                params={"value": raw},
            )
        return pk

    def topic_ids(self, value) -> list[int]:
        found, unknown = [], []
        for label in cells.names(value):
            pk = self.topics.get(normalise_label(label))
            (found if pk else unknown).append(pk or label)
        if unknown:
            raise ValidationError(
                _("“%(value)s” is not in the list of needs and offers."),
                params={"value": "”, “".join(unknown)},
            )
        return list(dict.fromkeys(found))
