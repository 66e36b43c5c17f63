"""The permission matrix: every member-area URL and every admin view of every CRM
model, for each persona, on their own objects and on others', with the expected
outcome in each cell — and no response showing another member's people.

ALLOW = 200, DENY = a refusal (redirect to login or dashboard, 403, 405), HIDE = 404.
In the admin an object-level refusal may be either (REFUSED): whether Wagtail's view
looks the object up before or after its permission check decides which.
"""

import pytest
from django.urls import NoReverseMatch, reverse

from crm.models import DataExportLog, Role
from crm.permissions import role_assign
from tests.conftest import log_in
from tests.factories import ChildFactory, InteractionFactory, UserFactory

ALLOW, DENY, HIDE, REFUSED = "allow", "deny", "hide", "refused"

PERSONAS = [
    "anonymous",
    "coordinator",
    "guardian_a",
    "guardian_b",
    "legal_rep_x",
    "contact_x",
    "contact_y",
    "facilitator",
    "liaison",
    "cms_editor",
    "editor_x",  # a CMS editor who is also contact of X and guardian of A
]

# Names and emails of each member's side, to check nothing leaks across.
SIDES = {
    "a": ["Famiglia Aranci", "Aranci", "anna.aranci@", "casa@aranci.example"],
    "b": ["Famiglia Bianchi", "Bianchi", "bruno.bianchi@", "casa@bianchi.example"],
    "x": ["Xilofono", "Xerri", "Xodo", "laura.xerri@", "info@xilo.example"],
    "y": ["Ypsilon", "Yeri", "yara.yeri@", "info@ypsi.example"],
}
VISIBLE_SIDES = {
    "guardian_a": {"a"},
    "guardian_b": {"b"},
    "legal_rep_x": {"x"},
    "contact_x": {"x"},
    "contact_y": {"y"},
    "editor_x": {"x", "a"},
}


def outcome(response) -> str:
    if response.status_code == 200:
        return ALLOW
    if response.status_code == 404:
        return HIDE
    if response.status_code in (302, 403, 405):
        return DENY
    return f"status {response.status_code}"


@pytest.fixture
def world(network):
    n = network
    n.editor_x = UserFactory(username="edo.editor@example.org", first_name="Edo")
    for role, member in (
        (Role.CMS_EDITOR, None),
        (Role.CONTACT, n.org_x),
        (Role.GUARDIAN, n.family_a),
    ):
        role_assign(user=n.editor_x, role=role, member=member, by=n.coordinator)
    n.objects = {
        "member": (n.org_x, n.org_y),
        "person": (n.legal_rep_x.person, n.contact_y.person),
        "interaction": (
            InteractionFactory(member=n.org_x, subject="Chiamata Xilofono"),
            InteractionFactory(member=n.org_y, subject="Chiamata Ypsilon"),
        ),
        "child": (ChildFactory(family=n.family_a), ChildFactory(family=n.family_b)),
        "affiliation": (
            n.org_x.affiliations.get(person=n.legal_rep_x.person),
            n.org_y.affiliations.get(person=n.contact_y.person),
        ),
    }
    DataExportLog.objects.create(user=n.coordinator, what="members", record_count=3)
    return n


def login(client, world, persona):
    if persona == "anonymous":
        return client
    return log_in(client, getattr(world, persona))


# --- the member area -------------------------------------------------------


def area_cells(world):
    """(url, {persona: outcome}) for every member-area URL; unlisted = HIDE."""
    every = {p: ALLOW for p in PERSONAS if p != "anonymous"}
    every["anonymous"] = DENY
    cells = [
        (reverse("crm:area_home"), every),
        (reverse("crm:area_profile"), every),
        (reverse("crm:area_consents"), every),
        (reverse("crm:area_my_data"), every),
        (reverse("crm:area_my_data_page"), every),
        (reverse("crm:area_my_data_json"), every),
        (
            reverse("crm:area_erasure"),
            {**every, "coordinator": HIDE},  # alice has no person record
        ),
    ]
    members = {
        "a": (world.family_a, {"guardian_a", "editor_x"}),
        "b": (world.family_b, {"guardian_b"}),
        "x": (world.org_x, {"legal_rep_x", "contact_x", "editor_x"}),
        "y": (world.org_y, {"contact_y"}),
    }
    for member, allowed in members.values():
        pk = member.pk
        for name in ("area_member", "area_member_edit", "area_people"):
            cells.append((reverse(f"crm:{name}", args=[pk]), _only(allowed)))
        children = {p: (ALLOW if member.is_family else DENY) for p in allowed}
        cells.append(
            (reverse("crm:area_children", args=[pk]), _only(allowed, children))
        )
        reps = {"legal_rep_x"} if member == world.org_x else set()
        cells.append((reverse("crm:area_invite", args=[pk]), _only(reps)))
    return cells


def _only(allowed, overrides=None):
    cell = {p: HIDE for p in PERSONAS}
    cell["anonymous"] = DENY
    cell.update({p: ALLOW for p in allowed})
    cell.update(overrides or {})
    return cell


# --- the admin -------------------------------------------------------------

OBJECT_VIEWS = ("inspect", "edit", "delete", "history", "usage")
SCOPED = {"member", "person", "interaction", "child", "affiliation"}


def no_rights_expectation(model, view):
    """Admin users without rights on a model (liaison, CMS editor): lists are
    refused; objects are refused or not even found (no existence leak)."""
    return DENY if view in ("index", "export") else REFUSED


def editor_expectation(model, view, side):
    """A CMS editor who is contact of X and guardian of A: their member roles
    act in the member area; in the admin they have a CMS editor's rights, and
    no more on their own members' records (coordinator-only fields, internal
    contacts, history) than on anyone else's."""
    return no_rights_expectation(model, view)


def coordinator_expectation(model, view):
    if model == "export_log" and view in ("edit", "delete", "history", "usage"):
        return DENY  # a read-only log
    if model in ("roles", "invitations", "erasure") and view == "delete":
        return DENY
    return ALLOW


def admin_cells(world):
    viewsets = {
        "member": "crm_member",
        "person": "crm_person",
        "interaction": "crm_interaction",
        "child": "crm_child",
        "affiliation": "crm_affiliation",
        "topic": "crm_topic",
        "municipality": "crm_municipality",
        "export_log": "crm_export_log",
        "roles": "crm_roles",
        "invitations": "crm_invitations",
        "erasure": "crm_erasure",
        "duplicates": "crm_duplicates",
        "lockouts": "crm_lockouts",
    }
    from crm.models import Municipality, Topic

    extra = {
        "topic": Topic.objects.first(),
        "municipality": Municipality.objects.first(),
        "export_log": DataExportLog.objects.first(),
        "roles": world.legal_rep_x.role_assignments.first(),
    }
    cells = []
    for model, namespace in viewsets.items():
        index = reverse(f"{namespace}:index")
        for view, url in (("index", index), ("export", index + "?export=xlsx")):
            cells.append((model, view, "own", url))
        pair = world.objects.get(model) or (
            (extra[model], None) if model in extra else ()
        )
        for side, obj in zip(("own", "other"), pair, strict=False):
            if obj is None:
                continue
            for view in OBJECT_VIEWS:
                try:
                    url = reverse(f"{namespace}:{view}", args=[obj.pk])
                except NoReverseMatch:
                    continue
                cells.append((model, view, side, url))
    return cells


def admin_expected(persona, model, view, side):
    if persona == "coordinator":
        return coordinator_expectation(model, view)
    if persona == "editor_x":
        return editor_expectation(model, view, side)
    if persona in ("liaison", "cms_editor"):
        return no_rights_expectation(model, view)
    return DENY  # no admin access at all: refused at the door


# --- the tests -------------------------------------------------------------


def leaks(persona, body):
    visible = VISIBLE_SIDES.get(persona)
    if visible is None:
        return []
    return [
        word
        for side, words in SIDES.items()
        if side not in visible
        for word in words
        if word in body
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_member_area_matrix(client, world, persona):
    client = login(client, world, persona)
    wrong = []
    for url, expected in area_cells(world):
        response = client.get(url)
        got = outcome(response)
        if got != expected[persona]:
            wrong.append(f"{url}: expected {expected[persona]}, got {got}")
        if leaked := leaks(persona, response.content.decode(errors="replace")):
            wrong.append(f"{url}: shows {leaked}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_matrix(client, world, persona):
    client = login(client, world, persona)
    wrong = []
    for model, view, side, url in admin_cells(world):
        expected = admin_expected(persona, model, view, side)
        response = client.get(url)
        got = outcome(response)
        if got != expected and not (expected == REFUSED and got in (DENY, HIDE)):
            wrong.append(
                f"{model} {view} ({side}) {url}: expected {expected}, got {got}"
            )
        if persona != "coordinator" and (
            leaked := leaks(persona, response.content.decode(errors="replace"))
        ):
            wrong.append(f"{model} {view} ({side}) {url}: shows {leaked}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_member_roles_open_the_member_area_not_the_admin_lists(
    client, world, django_assert_max_num_queries
):
    from tests.factories import OrganisationFactory

    login(client, world, "editor_x")
    for _ in range(15):
        role_assign(
            user=world.editor_x,
            role=Role.CONTACT,
            member=OrganisationFactory(),
            by=world.coordinator,
        )
    refused = client.get(reverse("crm_member:index"))
    with django_assert_max_num_queries(25):
        area = client.get(reverse("crm:area_home"))

    assert refused.status_code == 302
    assert area.status_code == 200
    assert len(area.context["members"]) == 17
    assert "Ypsilon" not in area.content.decode()
