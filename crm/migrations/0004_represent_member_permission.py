from django.db import migrations

CODENAME = "represent_member"
NAME = "Can invite people to and sign for the member"


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="crm", model="member")
    Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )


def remove(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="crm", codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    """A legal representative's object permission on their organisation.

    Member's own Meta belongs to the CRM core, so the permission is created here;
    coordinators receive it through crm.roles.sync_groups like every crm permission.
    """

    dependencies = [
        ("crm", "0003_roles_invitations_erasure"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create, remove)]
