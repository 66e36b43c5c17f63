from django.db import migrations


def load(apps, schema_editor):
    from crm.reference import load_reference_data

    load_reference_data(apps.get_model("crm", "Municipality"), apps.get_model("crm", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
