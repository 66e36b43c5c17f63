"""Check a handover bundle: exit 0 only if complete and every hash matches."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pact.documents.bundle import BundleError
from pact.documents.bundle_reader import read_bundle


class Command(BaseCommand):
    help = (
        "Verify a handover bundle (ZIP) for Lucca Family net: exit status 0 only "
        "if it is complete, well formed and every file matches its SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            bundle = read_bundle(file)
        except BundleError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(
                f"INVALID BUNDLE {file}:\n{lines}", returncode=1
            ) from exc
        version = bundle.pact_version
        self.stdout.write(
            f"Pact:       {version.pact_title} (version {version.number})"
        )
        self.stdout.write(f"Text hash:  {version.text_sha256}")
        self.stdout.write(f"Created at: {bundle.created_at.isoformat()}")
        self.stdout.write(f"Adhesions:  {len(bundle.adhesions)}")
        self.stdout.write(f"Files:      {len(bundle.files) + 1}")
        self.stdout.write(
            self.style.SUCCESS("VALID: complete, and every file matches its SHA-256.")
        )
