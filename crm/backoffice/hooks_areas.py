"""From the back office to the other areas the person may use (crm.areas) and
to the public site; and the back office dressed as the network's, not as
Wagtail's."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from crm import areas


class AreaMenuItem(MenuItem):
    def __init__(self, area, **kwargs):
        self.area = area
        super().__init__(area.label, area.url, name=f"area-{area.key}", **kwargs)

    def is_shown(self, request):
        return self.area in areas.areas_for(request.user)


@hooks.register("register_admin_menu_item")
def register_other_areas():
    items = [MenuItem(_("Public site"), "/", name="public-site", icon_name="home")]
    for order, area in enumerate(areas.registered(), start=1):
        if area.key != "admin":
            items.append(AreaMenuItem(area, icon_name="arrow-right", order=order))
    return SubmenuMenuItem(
        _("Your other areas"),
        Menu(items=items),
        name="other-areas",
        icon_name="site",
        order=99000,
    )


@hooks.register("construct_help_menu")
def keep_only_our_help(request, menu_items):
    """Wagtail's release notes and editor guide are about Wagtail, not the
    network's back office: only the keyboard shortcuts stay."""
    menu_items[:] = [
        item
        for item in menu_items
        if item.name not in ("editor-guide",) and not item.name.startswith("whats-new")
    ]
