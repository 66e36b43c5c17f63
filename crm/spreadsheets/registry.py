"""Which lists go in and out as spreadsheets: name → Resource, model, label,
permissions. The commands, the admin export buttons and the import pages all
read this one table.

Resources are named by dotted path and imported when first used, so an app
registers its own (``cms`` adds “registrations” in its ``AppConfig.ready``)
without ``crm`` importing it.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Members have their own import flow in ``crm.importing`` (also on
# django-import-export, ``MemberResource``): conflicts shown side by side and
# confirmed row by row, the choice for known people's details. “members” in
# the generic commands and pages hands over to it (``crm.spreadsheets.members``);
# False would run the bare Resource like every other list, without those.
MEMBERS_ON_THEIR_OWN_IMPORT = True


@dataclass(frozen=True)
class Entry:
    name: str
    resource: str
    model: str
    label: str
    filename: str
    view_permission: str
    import_permission: str
    list_url_name: str = ""
    own_flow: bool = False

    @cached_property
    def resource_class(self):
        return import_string(self.resource)

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def can_export(self, user) -> bool:
        return bool(user.is_active) and user.has_perm(self.view_permission)

    def can_import(self, user) -> bool:
        return bool(user.is_active) and user.has_perm(self.import_permission)


_ENTRIES: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    _ENTRIES[entry.name] = entry
    return entry


def entries() -> list[Entry]:
    return list(_ENTRIES.values())


def get(name: str) -> Entry:
    try:
        return _ENTRIES[name]
    except KeyError:
        raise LookupError(
            _("Unknown list “%(name)s”: choose one of %(names)s.")
            % {"name": name, "names": ", ".join(sorted(_ENTRIES))}
        ) from None


def for_model(model) -> Entry | None:
    label = model._meta.label
    return next((e for e in _ENTRIES.values() if e.model == label), None)


for _entry in (
    Entry(
        name="members",
        resource="crm.importing.resources.MemberResource",
        model="crm.Member",
        label=gettext_lazy("members"),
        filename="soggetti-aderenti",
        view_permission="crm.view_member",
        import_permission="crm.add_member",
        list_url_name="crm_member:index",
        own_flow=MEMBERS_ON_THEIR_OWN_IMPORT,
    ),
    Entry(
        name="people",
        resource="crm.spreadsheets.resources.PersonResource",
        model="crm.Person",
        label=gettext_lazy("people"),
        filename="persone",
        view_permission="crm.view_person",
        import_permission="crm.change_person",
        list_url_name="crm_person:index",
    ),
    Entry(
        name="interactions",
        resource="crm.spreadsheets.resources.InteractionResource",
        model="crm.Interaction",
        label=gettext_lazy("interactions"),
        filename="contatti",
        view_permission="crm.view_interaction",
        import_permission="crm.add_interaction",
        list_url_name="crm_interaction:index",
    ),
    Entry(
        name="topics",
        resource="crm.spreadsheets.resources.TopicResource",
        model="crm.Topic",
        label=gettext_lazy("needs and offers"),
        filename="esigenze-offerte",
        view_permission="crm.view_topic",
        import_permission="crm.change_topic",
        list_url_name="crm_topic:index",
    ),
    Entry(
        name="municipalities",
        resource="crm.spreadsheets.resources.MunicipalityResource",
        model="crm.Municipality",
        label=gettext_lazy("municipalities"),
        filename="comuni",
        view_permission="crm.view_municipality",
        import_permission="crm.change_municipality",
        list_url_name="crm_municipality:index",
    ),
    Entry(
        name="services",
        resource="crm.directory.resources.ServiceResource",
        model="crm.Service",
        label=gettext_lazy("services"),
        filename="servizi",
        view_permission="crm.view_service",
        import_permission="crm.change_service",
        list_url_name="crm_service:index",
    ),
):
    register(_entry)
