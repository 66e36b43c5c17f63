"""Export signed pacts as one ZIP: the PDFs and the registry (XLSX and CSV)."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pact.services.exports import ExportFilters, export_to_file


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Write every signed pact (PDF) and the registry of adherents (XLSX and "
        "Italian-Excel CSV) into one ZIP. The export is recorded in the "
        "data-export log."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument(
            "--since", type=_date, help="Only pacts signed on or after YYYY-MM-DD."
        )

    def handle(self, *args, output, since=None, **options):
        if not output.parent.is_dir():
            raise CommandError(f"No such folder: {output.parent}")
        try:
            count = export_to_file(output, filters=ExportFilters(signed_from=since))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{count} signed pacts exported to {output}.")
        )
