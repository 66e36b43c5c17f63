"""Import a handover bundle from another instance, all or nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pact.documents.bundle import BundleError
from pact.services.handover_import import handover_import


class Command(BaseCommand):
    help = (
        "Verify a handover bundle (ZIP) and import it: the pact version, the "
        "members, the adhesions and their signed PDFs, byte for byte. Refused "
        "whole, with the reasons, if anything is off. Importing twice changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            result = handover_import(source=file)
        except BundleError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(
                f"REFUSED {file}, nothing imported:\n{lines}", returncode=1
            ) from exc
        except ValidationError as exc:
            raise CommandError(
                f"REFUSED {file}, nothing imported: {' '.join(exc.messages)}"
            ) from exc
        self.stdout.write(f"Pact version: {result.version}")
        self.stdout.write(
            f"Adhesions:    {result.created} imported, {result.unchanged} already here"
        )
        self.stdout.write(
            f"Members:      {result.members_created} created, "
            f"{result.members_matched} matched"
        )
        self.stdout.write(
            f"Register:     {result.links_added} links added, "
            f"{result.withdrawals} withdrawals applied"
        )
        self.stdout.write(self.style.SUCCESS("IMPORTED."))
