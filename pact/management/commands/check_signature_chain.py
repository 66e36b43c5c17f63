"""Check the register of signatures: exit 0 when intact, 1 at the first broken link."""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from pact.documents.chain import chain_head, verify_chain
from pact.models import PactVersion
from pact.services import chain_records


class Command(BaseCommand):
    help = (
        "Check that each pact version's signed adhesions form an unbroken chain of "
        "SHA-256 values and that every stored PDF still has its recorded hash. "
        "Exit status 0 intact, 1 with the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-files",
            action="store_true",
            help="Check the links only, without re-reading the stored PDFs.",
        )

    def handle(self, *args, skip_files=False, **options):
        versions = PactVersion.objects.filter(adhesions__chain_position__isnull=False)
        total = 0
        for version in versions.distinct().select_related("pact").order_by("pk"):
            pairs = chain_records(version)
            records = [record for _adhesion, record in pairs]
            check = verify_chain(records)
            if not check.ok:
                adhesion = pairs[check.broken_at][0]
                raise CommandError(
                    f"BROKEN: {version}, link {check.broken_at + 1} "
                    f"(adhesion {adhesion.reference}, {adhesion.short_code}): "
                    f"{check.reason}",
                    returncode=1,
                )
            if not skip_files:
                for index, (adhesion, _record) in enumerate(pairs):
                    problem = _file_problem(adhesion)
                    if problem:
                        raise CommandError(
                            f"BROKEN: {version}, link {index + 1} (adhesion "
                            f"{adhesion.reference}, {adhesion.short_code}): {problem}",
                            returncode=1,
                        )
            total += check.count
            self.stdout.write(
                f"{version}: {check.count} signatures, head {chain_head(records)}"
            )
        self.stdout.write(self.style.SUCCESS(f"INTACT: {total} signatures checked."))


def _file_problem(adhesion) -> str:
    try:
        with adhesion.document.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(256 * 1024), b""):
                digest.update(chunk)
    except (OSError, ValueError) as exc:
        return f"the stored PDF cannot be read ({exc})"
    if digest.hexdigest() != adhesion.document_sha256:
        return "the stored PDF does not match its recorded SHA-256"
    return ""
