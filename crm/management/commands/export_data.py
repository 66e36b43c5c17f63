"""Export a list as XLSX, Italian CSV, ODS or JSON, streamed to a file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from crm.spreadsheets import files, registry
from crm.spreadsheets.exporting import log, table


class Command(BaseCommand):
    help = (
        "Export one of the lists (members, people, interactions, topics, "
        "municipalities, services, registrations) in the columns its import "
        "reads: XLSX, CSV for Italian Excel (UTF-8 with BOM, ';'), ODS or JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", help="the list to export")
        parser.add_argument("--format", choices=files.FORMATS, default="xlsx")
        parser.add_argument(
            "-o", "--output", required=True, help="file to write, '-' for stdout"
        )

    def handle(self, *args, resource, format, output, **options):
        try:
            entry = registry.get(resource)
        except LookupError as error:
            raise CommandError(str(error)) from None
        headers, rows = table(entry)
        try:
            self._write(output, format, headers, rows, entry)
        except files.TooManyRows as error:
            raise CommandError(str(error)) from None
        record = log(
            entry,
            user=None,
            fmt=format,
            filters={"output": output},
            what=f"{entry.name} (export_data)",
        )
        self.stderr.write(
            _("%(count)s records exported to %(output)s.")
            % {"count": record.record_count, "output": output}
        )

    def _write(self, output, fmt, headers, rows, entry):
        if output == "-":
            files.write(fmt, headers, rows, sys.stdout.buffer, title=entry.label)
            return
        path = Path(output)
        try:
            with path.open("wb") as target:
                files.write(fmt, headers, rows, target, title=entry.label)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(f"{output}: {exc.strerror}") from None
        except files.TooManyRows:
            path.unlink(missing_ok=True)
            raise
