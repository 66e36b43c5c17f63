"""Validation and normalisation of Italian identifiers and phone numbers.

Each ``normalise_*`` returns the canonical stored form or raises
``ValidationError`` with a message in the user's language.
"""

import phonenumbers
from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from localflavor.it.util import vat_number_validation


def normalise_partita_iva(value: str) -> str:
    raw = (value or "").strip().upper().replace(" ", "")
    if raw.startswith("IT"):
        raw = raw[2:]
    if len(raw) != 11 or not raw.isdigit():
        raise ValidationError(
            _("A partita IVA has 11 digits: “%(value)s” does not."),
            code="partita_iva_format",
            params={"value": value},
        )
    try:
        vat_number_validation(raw)
    except ValueError:
        raise ValidationError(
            _("The partita IVA “%(value)s” has a wrong check digit."),
            code="partita_iva_check",
            params={"value": value},
        ) from None
    return raw


def normalise_person_codice_fiscale(value: str) -> str:
    raw = (value or "").strip().upper().replace(" ", "")
    if len(raw) != 16:
        raise ValidationError(
            _("A personal codice fiscale has 16 characters: “%(value)s” does not."),
            code="codice_fiscale_format",
            params={"value": value},
        )
    if not codicefiscale.is_valid(raw):
        raise ValidationError(
            _("The codice fiscale “%(value)s” is not valid."),
            code="codice_fiscale_check",
            params={"value": value},
        )
    return raw


def normalise_codice_fiscale(value: str) -> str:
    """An organisation's codice fiscale: 11 digits (like a partita IVA) or 16 chars."""
    raw = (value or "").strip().upper().replace(" ", "")
    if len(raw) == 11 and raw.isdigit():
        try:
            vat_number_validation(raw)
        except ValueError:
            raise ValidationError(
                _("The codice fiscale “%(value)s” has a wrong check digit."),
                code="codice_fiscale_check",
                params={"value": value},
            ) from None
        return raw
    if len(raw) == 16:
        return normalise_person_codice_fiscale(raw)
    raise ValidationError(
        _("A codice fiscale has 11 digits or 16 characters: “%(value)s” does not."),
        code="codice_fiscale_format",
        params={"value": value},
    )


# Numbers already in E.164: normalising one gives it back, so a model's clean()
# after an import's parsing need not parse it again (bounded, cleared when full).
_E164_SEEN: set[str] = set()


def normalise_phone(value: str) -> str:
    """Parse an Italian-written phone number and return it in E.164."""
    raw = (value or "").strip()
    if raw in _E164_SEEN:
        return raw
    try:
        number = phonenumbers.parse(raw, "IT")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="phone_invalid",
            params={"value": value},
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(_E164_SEEN) >= 100_000:
        _E164_SEEN.clear()
    _E164_SEEN.add(e164)
    return e164


def format_phone(e164: str) -> str:
    """Show a stored E.164 number the Italian way (national format for +39)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 39:
        return phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def validate_phone(value: str) -> None:
    normalise_phone(value)


def validate_partita_iva(value: str) -> None:
    normalise_partita_iva(value)


def validate_codice_fiscale(value: str) -> None:
    normalise_codice_fiscale(value)


def validate_person_codice_fiscale(value: str) -> None:
    normalise_person_codice_fiscale(value)
