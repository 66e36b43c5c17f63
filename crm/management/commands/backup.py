"""Write a backup archive: database dump, media and private files, seal certificate."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up this instance into one .tar.gz: the database (SQLite online backup "
        "or pg_dump custom format), MEDIA_ROOT, PRIVATE_MEDIA_ROOT, the seal "
        "certificate and a manifest with checksums. The seal's private key only "
        "with --include-seal-key. Restore with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            type=Path,
            help="archive to write (FILE.tar.gz), or an existing folder to put it in",
        )
        parser.add_argument(
            "--include-seal-key",
            action="store_true",
            help="also store the seal's private key (a secret: keep the archive safe)",
        )

    def handle(self, *args, output, include_seal_key, **options):
        try:
            result = create_backup(output, include_seal_key=include_seal_key)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        files = manifest["files"]
        size = result.path.stat().st_size
        media = sum(1 for name in files if name.startswith("media/"))
        private = sum(1 for name in files if name.startswith("private/"))
        self.stdout.write(f"Backup written: {result.path} ({size:,} bytes)")
        self.stdout.write(
            f"Database ({manifest['engine']}), {media} media file(s), "
            f"{private} private file(s)"
            + (", seal certificate" if "seal/seal-cert.pem" in files else "")
            + (", seal key" if manifest["includes_seal_key"] else "")
            + "."
        )
        for label, count in manifest["counts"].items():
            self.stdout.write(f"  {label}: {count}")
