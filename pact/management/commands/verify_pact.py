"""Check that a signed pact PDF is genuine: exit 0 if it is, 1 if not."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pact.documents.verify import verify_document


class Command(BaseCommand):
    help = (
        "Verify a signed pact PDF: genuine when its SHA-256 is in the register of "
        "signed pacts and its seal, if any, is intact and trusted. Prints the PAdES "
        "level the seal reaches (B-B, B-T, B-LT). Exit status 0 genuine, 1 not."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        verdict = verify_document(data)
        report = verdict.report
        self.stdout.write(f"File:    {file}")
        self.stdout.write(f"SHA-256: {report.sha256}")
        self.stdout.write(f"PDF/A:   {report.pdfa or '-'}")
        self.stdout.write(f"Seal:    {_seal_line(report.seal)}")
        if report.seal.present:
            self.stdout.write(f"Level:   {level_line(report.seal)}")
        if report.data:
            self.stdout.write(
                f"Adhesion (embedded data): {report.data.get('adhesion')}"
            )
        if verdict.record:
            record = verdict.record
            self.stdout.write(f"Adhesion (register): {record.reference}")
            if not record.in_force:
                self.stdout.write("The adhesion has been withdrawn since.")
        if not verdict.genuine:
            raise CommandError(f"NOT GENUINE: {verdict.reason}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"GENUINE: {verdict.reason}"))


def _seal_line(seal) -> str:
    if not seal.present:
        return "none"
    if seal.ok:
        return f"intact, valid, trusted - {seal.signer}"
    if seal.intact and seal.valid and seal.whole_file:
        return f"UNTRUSTED certificate - {seal.signer}"
    return f"BROKEN {seal.problem}".strip()


def level_line(seal) -> str:
    """What the seal's PAdES level means, in one line."""
    if seal.level == "B-B":
        return (
            "B-B (no time-stamp: the seal proves nothing once its certificate expires)"
        )
    trust = "" if seal.timestamp_trusted else ", authority not in the trust list"
    stamp = (
        f"time-stamp {seal.timestamp:%Y-%m-%d %H:%M:%S %Z} by "
        f"{seal.timestamp_authority}{trust}"
    )
    if seal.level == "B-LT":
        return f"B-LT ({stamp}; validation data embedded)"
    return f"B-T ({stamp}; validation data not embedded)"
