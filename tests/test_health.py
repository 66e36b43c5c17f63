from unittest import mock

import pytest
from django.db.utils import OperationalError


def test_healthz_reports_the_database_as_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"]["reachable"] is True


def test_healthz_answers_503_when_the_database_is_down(client, db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False


@pytest.mark.django_db
def test_the_site_has_an_icon(client):
    page = client.get("/")
    assert 'rel="icon"' in page.content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
