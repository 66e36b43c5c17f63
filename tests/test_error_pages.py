"""The site's own error pages, in Italian (the theme's would fail in production:
they extend a base template naming static files that do not exist)."""

import pytest
from django.template.loader import get_template
from django.views.defaults import server_error


@pytest.mark.django_db
def test_a_missing_page_answers_404_in_italian(client):
    response = client.get("/questa-pagina-non-esiste/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Pagina non trovata" in html
    assert "La pagina che cerchi non esiste o è stata spostata." in html


def test_a_server_error_answers_500_in_italian(rf):
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Qualcosa è andato storto" in html
    assert "Riprova tra qualche minuto." in html


@pytest.mark.parametrize("name", ["404.html", "500.html"])
def test_error_templates_are_the_sites_own(name, settings):
    origin = get_template(name).origin.name
    assert origin.startswith(str(settings.BASE_DIR / "templates"))
