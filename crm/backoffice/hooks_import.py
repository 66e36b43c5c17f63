"""The member import in the Wagtail admin: its pages and its menu item.

The item registers with the ``register_network_menu_item`` hook, the natural
way into the “Network” group. While that group declares no such submenu hook,
``construct_main_menu`` adds the item to it for the request instead.
"""

from django.urls import NoReverseMatch, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from crm.backoffice.importing_views import MemberImportViewSet

import_viewset = MemberImportViewSet("crm_import", url_prefix="rete/importa")


@hooks.register("register_admin_viewset")
def register_import_viewset():
    return import_viewset


@hooks.register("construct_main_menu")
def add_import_to_network_menu(request, menu_items):
    group = _network_group(menu_items)
    if group is None or group.menu.register_hook_name == import_viewset.menu_hook:
        return
    item = import_viewset.get_menu_item()
    items = group.menu.registered_menu_items
    if not item.is_shown(request) or any(i.name == item.name for i in items):
        return
    menu_items[menu_items.index(group)] = SubmenuMenuItem(
        label=group.label,
        menu=Menu(items=[*items, item]),
        name=group.name,
        icon_name=group.icon_name,
        classname=group.classname,
        order=group.order,
        attrs=group.attrs,
    )


def _network_group(menu_items):
    try:
        members_url = reverse("crm_member:index")
    except NoReverseMatch:
        return None
    for item in menu_items:
        if isinstance(item, SubmenuMenuItem) and any(
            getattr(i, "url", None) == members_url
            for i in item.menu.registered_menu_items
        ):
            return item
    return None
