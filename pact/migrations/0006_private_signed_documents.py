# Signed pacts and the files they came from move out of MEDIA_ROOT into the
# private storage (PRIVATE_MEDIA_ROOT), which nothing serves by URL.

import shutil
from pathlib import Path

import pact.models.adhesions
import pact.models.storage
from django.conf import settings
from django.db import migrations, models


def _roots():
    media = Path(settings.MEDIA_ROOT)
    private = Path(
        getattr(settings, "PRIVATE_MEDIA_ROOT", None) or media.parent / "private"
    )
    return media, private


def _move(source_root: Path, target_root: Path, names) -> None:
    for name in names:
        if not name:
            continue
        source, target = source_root / name, target_root / name
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))


def _names(apps):
    Adhesion = apps.get_model("pact", "Adhesion")
    for document, source in Adhesion.objects.values_list("document", "source_file"):
        yield document
        yield source


def to_private(apps, schema_editor):
    media, private = _roots()
    _move(media, private, list(_names(apps)))


def to_media(apps, schema_editor):
    media, private = _roots()
    _move(private, media, list(_names(apps)))


class Migration(migrations.Migration):

    dependencies = [
        ('pact', '0005_signature_code_hash_length'),
    ]

    operations = [
        migrations.AlterField(
            model_name='adhesion',
            name='document',
            field=models.FileField(blank=True, storage=pact.models.storage.private_storage, upload_to=pact.models.adhesions.signed_document_path, verbose_name='signed document'),
        ),
        migrations.AlterField(
            model_name='adhesion',
            name='source_file',
            field=models.FileField(blank=True, help_text='The paper scan, or the digitally signed PDF or .p7m file.', storage=pact.models.storage.private_storage, upload_to=pact.models.adhesions.source_file_path, verbose_name='original signed file'),
        ),
        migrations.RunPython(to_private, to_media, elidable=True),
    ]
