"""Services through the spreadsheet machinery: export, change, import back;
a bad row refused with a message naming its field, nothing saved."""

import io

import pytest
import tablib
from openpyxl import load_workbook

from crm.directory.resources import ServiceResource, export_services, import_services
from crm.models import Service
from tests.factories import ServiceFactory, municipality, xlsx_bytes

pytestmark = pytest.mark.django_db


def _messages(result):
    found = []
    for row in result.invalid_rows:
        for field, errors in row.error_dict.items():
            found += [f"{field}: {e}" for e in errors]
    for _number, errors in result.row_errors():
        found += [str(e.error) for e in errors]
    return " | ".join(found)


def test_an_export_imports_back_and_a_changed_cell_updates_the_service(network):
    service = ServiceFactory(member=network.org_x, name="Ludoteca Xilofono")
    ServiceFactory(member=network.org_y, name="Nido Ypsilon", places_free=0)
    exported = export_services()
    assert exported.headers[:4] == ["Codice", "Organizzazione", "Tipo", "Nome"]
    workbook = load_workbook(io.BytesIO(exported.export("xlsx")))
    rows = [list(r) for r in workbook.active.values]
    row = next(r for r in rows if r[3] == "Ludoteca Xilofono")
    row[rows[0].index("Posti liberi")] = 9
    dataset = tablib.Dataset().load(xlsx_bytes(rows), format="xlsx")

    check = import_services(dataset, commit=False)
    assert not check.has_errors() and not check.has_validation_errors(), _messages(
        check
    )
    service.refresh_from_db()
    assert service.places_free == 5  # a check changes nothing

    result = import_services(dataset, commit=True)
    assert not result.has_errors() and not result.has_validation_errors()
    service.refresh_from_db()
    assert service.places_free == 9 and service.places_updated_at is not None
    assert Service.objects.count() == 2


@pytest.mark.parametrize(
    "column,value,words",
    [
        ("Comune", "Pisa", "Comune: “Pisa” non è uno dei comuni"),
        ("Posti liberi", "-2", "Posti liberi: il numero non può essere negativo"),
        ("A età (mesi)", "2", "inferiore alla minima"),
        ("Organizzazione", "Nessuno", "Organizzazione: nessuna organizzazione"),
    ],
)
def test_a_bad_row_is_refused_naming_its_field_and_nothing_is_saved(
    network, column, value, words
):
    ServiceFactory(member=network.org_x, name="Esistente")
    headers = ServiceResource().get_export_headers()
    good = dict.fromkeys(headers, "")
    good.update(
        {
            "Organizzazione": "Associazione Xilofono",
            "Tipo": "nido",
            "Nome": "Nido nuovo",
            "Da età (mesi)": "3",
            "A età (mesi)": "36",
            "Comune": "Lucca",
            "Indirizzo": "Via Roma 2",
            "Costo": "Gratuito",
            "Pubblicato": "1",
        }
    )
    bad = {**good, "Nome": "Nido sbagliato", column: value}
    dataset = tablib.Dataset(headers=headers)
    dataset.append([good[h] for h in headers])
    dataset.append([bad[h] for h in headers])
    result = import_services(dataset, commit=True)
    assert result.has_errors() or result.has_validation_errors()
    assert words in _messages(result)
    assert sorted(Service.objects.values_list("name", flat=True)) == ["Esistente"]
    assert municipality("Lucca").services.count() == 1
