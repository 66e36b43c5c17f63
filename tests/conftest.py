"""Personas shared by the whole suite.

Log personas in with ``client.force_login(user)``: django-axes needs the
request on ``authenticate``, which ``client.login`` does not pass.
"""

import pytest
from django.contrib.auth.models import Group

from crm.roles import COORDINATOR, GROUP_NAMES
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def coordinator(db):
    user = UserFactory(username="alice@example.org", first_name="Alice")
    user.groups.add(Group.objects.get(name=GROUP_NAMES[COORDINATOR]))
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="charlie@example.org", first_name="Charlie")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client
