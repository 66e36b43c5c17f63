"""Build a handover batch for Lucca Family net and write its bundle to a file."""

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pact.models import PactVersion
from pact.services.handover import handover_batch_build, pending_versions


class Command(BaseCommand):
    help = (
        "Hand over the signed adhesions not yet handed over (of one pact "
        "version) to Lucca Family net: builds a batch, marks the adhesions as "
        "handed over and copies the bundle (ZIP) to the output file."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument("--pact", help="Slug of the pact (with --pact-version).")
        parser.add_argument("--pact-version", dest="number", type=int)

    def handle(self, *args, output, pact=None, number=None, **options):
        if not output.parent.is_dir():
            raise CommandError(f"No such folder: {output.parent}")
        version = self._version(pact, number)
        try:
            batch = handover_batch_build(by=None, version=version)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with batch.file.open("rb") as source, open(output, "wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        self.stdout.write(f"Pact:      {batch.version}")
        self.stdout.write(f"Adhesions: {batch.count}")
        self.stdout.write(f"SHA-256:   {batch.file_sha256}")
        self.stdout.write(
            self.style.SUCCESS(f"Handover {batch.number} written to {output}.")
        )

    def _version(self, pact, number):
        if pact or number:
            found = PactVersion.objects.filter(pact__slug=pact, number=number).first()
            if found is None:
                raise CommandError(f"No version {number} of the pact “{pact}”.")
            return found
        pending = list(pending_versions())
        if len(pending) > 1:
            choices = ", ".join(
                f"--pact {v.pact.slug} --pact-version {v.number} ({v.pending})"
                for v in pending
            )
            raise CommandError(
                f"Adhesions of several versions wait for a handover; choose: {choices}"
            )
        return None
