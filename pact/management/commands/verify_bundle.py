"""Check a handover bundle: exit 0 only if sealed by a trusted sender, complete,
every hash matching, its register unbroken and every PDF genuine."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pact.documents.bundle import BundleError
from pact.services.trust import bundle_verify


class Command(BaseCommand):
    help = (
        "Verify a handover bundle (ZIP) for Lucca Family net: exit status 0 only "
        "if its manifest is sealed by a trusted sender, it is complete and well "
        "formed, every file matches its SHA-256, its register is unbroken and "
        "every PDF is sealed by a trusted sender and says what the manifest says."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            checked = bundle_verify(file)
        except BundleError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(
                f"INVALID BUNDLE {file}:\n{lines}", returncode=1
            ) from exc
        bundle = checked.bundle
        version = bundle.pact_version
        self.stdout.write(f"Sender:     {checked.sender}")
        self.stdout.write(f"Fingerprint: {checked.sender_fingerprint}")
        self.stdout.write(
            f"Pact:       {version.pact_title} (version {version.number})"
        )
        self.stdout.write(f"Text hash:  {version.text_sha256}")
        self.stdout.write(f"Created at: {bundle.created_at.isoformat()}")
        self.stdout.write(f"Adhesions:  {len(bundle.adhesions)}")
        self.stdout.write(f"Files:      {len(bundle.files) + 1}")
        self.stdout.write(f"Register:   {bundle.register.length} links")
        self.stdout.write(f"Head:       {bundle.register.head}")
        self.stdout.write(
            self.style.SUCCESS(
                "VALID: sealed by a trusted sender, complete, every file matches "
                "its SHA-256 and every PDF is genuine."
            )
        )
