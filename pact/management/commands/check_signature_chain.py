"""Check the register of signatures: exit 0 when intact, 1 at the first broken link."""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from pact.models import PactVersion, RegisterLink
from pact.services.register import register_check


class Command(BaseCommand):
    help = (
        "Check each pact version's register: every link's hash and its place in "
        "the chain, every entry against the adhesion held here, the heads carried "
        "by handovers, and that every stored PDF still has its recorded hash. "
        "Exit status 0 intact, 1 naming the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-files",
            action="store_true",
            help="Check the links only, without re-reading the stored PDFs.",
        )
        parser.add_argument(
            "--head",
            default="",
            help="A head published earlier (SHA-256): it must still be in the chain.",
        )

    def handle(self, *args, skip_files=False, head="", **options):
        with_links = RegisterLink.objects.values("version_id")
        versions = PactVersion.objects.filter(pk__in=with_links) | (
            PactVersion.objects.filter(adhesions__chain_position__isnull=False)
        )
        total = 0
        for version in versions.distinct().select_related("pact").order_by("pk"):
            report = register_check(version, expected_head=head.strip().lower())
            if not report.ok:
                raise CommandError(
                    f"BROKEN: {version}, {report.where}: {report.reason}",
                    returncode=1,
                )
            if not skip_files:
                self._check_files(version)
            total += report.count
            self.stdout.write(f"{version}: {report.count} links, head {report.head}")
        self.stdout.write(self.style.SUCCESS(f"INTACT: {total} links checked."))

    def _check_files(self, version):
        rows = (
            RegisterLink.objects.filter(version=version, adhesion__isnull=False)
            .filter(kind="signature")
            .select_related("adhesion")
            .order_by("position")
        )
        for row in rows:
            problem = _file_problem(row.adhesion)
            if problem:
                adhesion = row.adhesion
                raise CommandError(
                    f"BROKEN: {version}, link {row.position} (adhesion "
                    f"{adhesion.reference}, {adhesion.short_code}): {problem}",
                    returncode=1,
                )


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
