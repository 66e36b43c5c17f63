"""The columns of the member spreadsheet and the words accepted in its cells.

Headers and cell vocabulary are the file format, not interface text: they stay
Italian whatever the interface language, so a file exported by anyone imports
anywhere. Every header and value is matched after :func:`normalise_label`, so
“P. IVA”, “p.iva” and “PIVA” are one column and “Sì”, “si” and “SI” one answer.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from crm.models import AffiliationRole, InstitutionType, MemberKind, MemberStatus


@functools.lru_cache(maxsize=8192)
def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def normalise_label(text) -> str:
    """Lower case, no accents, letters and digits only."""
    return _normalise(str(text or ""))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()

    @property
    def labels(self) -> set[str]:
        return {normalise_label(label) for label in (self.header, *self.synonyms)}


# In export and template order.
COLUMNS = (
    Column("kind", "Tipo", ("Tipo soggetto", "Tipologia", "Tipologia soggetto")),
    Column("name", "Nome", ("Denominazione", "Nome soggetto", "Soggetto")),
    Column("status", "Stato", ("Stato adesione",)),
    Column("legal_name", "Ragione sociale", ("Denominazione legale",)),
    Column("legal_form", "Forma giuridica", ("Natura giuridica",)),
    Column("codice_fiscale", "Codice fiscale", ("CF", "C.F.", "Cod. fiscale")),
    Column("partita_iva", "Partita IVA", ("P. IVA", "P.IVA", "PIVA", "P IVA")),
    Column("runts_number", "RUNTS", ("Numero RUNTS", "N. RUNTS", "Iscrizione RUNTS")),
    Column("ateco_code", "ATECO", ("Codice ATECO", "Cod. ATECO")),
    Column("employees", "Numero dipendenti", ("Dipendenti", "N. dipendenti")),
    Column("institution_type", "Tipo ente", ("Tipologia ente", "Tipo istituzione")),
    Column("municipality", "Comune", ("Città", "Comune sede", "Comune di residenza")),
    Column("address", "Indirizzo", ("Via", "Indirizzo sede")),
    Column("postal_code", "CAP", ("C.A.P.", "Codice postale")),
    Column("email", "E-mail", ("Email", "Mail", "Posta elettronica")),
    Column("phone", "Telefono", ("Tel", "Tel.", "Cellulare", "Recapito telefonico")),
    Column("joined_on", "Data adesione", ("Data di adesione", "Aderente dal")),
    Column("needs", "Esigenze", ("Bisogni", "Necessità")),
    Column("offers", "Offerte", ("Offerta", "Servizi offerti")),
    Column("listed_publicly", "Elenco pubblico", ("Visibile sul sito", "Pubblicabile")),
    Column("children", "Figli (mese/anno di nascita)", ("Figli", "Nati")),
    Column("notes", "Note", ("Annotazioni", "Osservazioni")),
    Column("person_first_name", "Referente nome", ("Nome referente",)),
    Column("person_last_name", "Referente cognome", ("Cognome referente",)),
    Column(
        "person_email",
        "Referente e-mail",
        ("Referente email", "Email referente", "E-mail referente", "Mail referente"),
    ),
    Column(
        "person_phone",
        "Referente telefono",
        ("Telefono referente", "Cellulare referente"),
    ),
    Column(
        "person_codice_fiscale",
        "Referente codice fiscale",
        ("Codice fiscale referente", "CF referente"),
    ),
    Column("person_role", "Ruolo referente", ("Ruolo", "Referente ruolo")),
    Column("person_since", "Referente dal", ("Ruolo dal", "Data inizio ruolo")),
    Column("person_until", "Referente fino al", ("Ruolo fino al", "Data fine ruolo")),
    Column(
        "person_privacy",
        "Consenso privacy",
        (
            "Privacy",
            "Consenso",
            "Consenso informativa privacy",
            "Consenso al trattamento dei dati",
            "Referente consenso privacy",
        ),
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
COLUMN_BY_LABEL = {label: column for column in COLUMNS for label in column.labels}
HEADERS = [column.header for column in COLUMNS]
PERSON_KEYS = tuple(c.key for c in COLUMNS if c.key.startswith("person_"))

# Words in cells. The first word of each value is the one exports write.
KIND_WORDS = {
    MemberKind.FAMILY: ("famiglia", "nucleo familiare", "family"),
    MemberKind.THIRD_SECTOR: (
        "ente del terzo settore",
        "ente terzo settore",
        "terzo settore",
        "ets",
        "associazione",
        "third_sector",
    ),
    MemberKind.BUSINESS: ("impresa", "azienda", "business"),
    MemberKind.INSTITUTION: (
        "istituzione",
        "ente pubblico",
        "pubblica amministrazione",
        "institution",
    ),
}
STATUS_WORDS = {
    MemberStatus.PROSPECT: ("potenziale", "in contatto", "prospect"),
    MemberStatus.ACTIVE: ("aderente", "attivo", "attiva", "aderente attivo", "active"),
    MemberStatus.FORMER: (
        "ex aderente",
        "cessato",
        "cessata",
        "non più aderente",
        "former",
    ),
}
INSTITUTION_WORDS = {
    InstitutionType.MUNICIPALITY: ("comune",),
    InstitutionType.PROVINCE: ("provincia",),
    InstitutionType.REGION: ("regione",),
    InstitutionType.SCHOOL: ("scuola", "istituto scolastico", "istituto comprensivo"),
    InstitutionType.HEALTH: ("asl", "azienda sanitaria", "usl"),
    InstitutionType.UNIVERSITY: ("università",),
    InstitutionType.OTHER: ("altro", "altro ente pubblico"),
}
ROLE_WORDS = {
    AffiliationRole.GUARDIAN: (
        "genitore/tutore",
        "genitore",
        "tutore",
        "tutore/genitore",
        "genitore o tutore",
        "guardian",
    ),
    AffiliationRole.LEGAL_REPRESENTATIVE: (
        "legale rappresentante",
        "rappresentante legale",
        "legal_representative",
    ),
    AffiliationRole.CONTACT: ("referente", "contatto", "contact"),
}
YES_WORDS = ("sì", "si", "s", "yes", "y", "true", "vero", "x", "1")
NO_WORDS = ("no", "n", "false", "falso", "0")


def vocabulary(words: dict) -> dict[str, str]:
    """Normalised word → stored value."""
    return {normalise_label(w): value for value, ws in words.items() for w in ws}


def export_word(words: dict, value) -> str:
    return words[value][0] if value in words else ""
