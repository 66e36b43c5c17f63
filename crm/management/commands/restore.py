"""Bring a backup archive back into an empty instance."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from crm.backup import BackupError, restore_backup, row_counts, verify_archive


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty instance (same "
        "database engine). The whole archive is checked first; nothing is written "
        "if any check fails. --force replaces an instance that holds data."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database and files of an instance that holds data",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only verify the archive (checksums, manifest); change nothing",
        )

    def handle(self, *args, archive, force, check, **options):
        try:
            if check:
                manifest = verify_archive(archive)
                self.stdout.write(
                    f"{archive}: intact, {len(manifest['files'])} file(s), "
                    f"{manifest['engine']} database, made {manifest['created_at']}."
                )
                return
            manifest, pending = restore_backup(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = row_counts(connection)
        differ = {
            label: (expected, counts.get(label))
            for label, expected in manifest["counts"].items()
            if counts.get(label) != expected
        }
        if differ:
            raise CommandError(
                "Restored, but the row counts differ from the archive's: "
                + ", ".join(f"{k} {a} ≠ {b}" for k, (a, b) in differ.items())
            )
        self.stdout.write(
            f"Restored {archive} (made {manifest['created_at']}): "
            f"{len(manifest['files'])} file(s), row counts match the archive."
        )
        if pending:
            self.stdout.write(
                f"{pending} migration(s) of this code are not applied yet: run "
                "`manage.py migrate`."
            )
