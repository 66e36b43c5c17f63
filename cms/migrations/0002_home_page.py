"""Make a cms.HomePage the root of the default site, replacing Wagtail's welcome page."""

from django.db import migrations


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    if HomePage.objects.exists():
        return
    # Wagtail's welcome page sits at path 00010001; free its slot.
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    root = Page.objects.get(depth=1)
    content_type, _created = ContentType.objects.get_or_create(
        model="homepage", app_label="cms"
    )
    locale = Locale.objects.order_by("pk").first()
    last = Page.objects.filter(depth=2).order_by("-path").first()
    position = int(last.path[4:8], 36) + 1 if last else 1
    path = root.path + _base36(position).rjust(4, "0")
    home = HomePage.objects.create(
        title="Lucca In famiglia",
        draft_title="Lucca In famiglia",
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
        intro="",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page_id = home.pk
        site.site_name = "Lucca In famiglia"
        site.save(update_fields=["root_page", "site_name"])
    else:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page_id=home.pk,
            is_default_site=True,
            site_name="Lucca In famiglia",
        )


def _base36(number):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
    return out or "0"


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]
    operations = [migrations.RunPython(create_home_page, migrations.RunPython.noop)]
