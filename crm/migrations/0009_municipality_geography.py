from django.db import migrations


def load(apps, schema_editor):
    from crm.reference import load_geography

    load_geography(apps.get_model("crm", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_directory")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
