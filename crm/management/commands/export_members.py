"""Export every member, its people and affiliations: CSV, XLSX or JSON."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from crm.importing import HEADERS
from crm.importing.exporting import export_json, export_rows
from crm.models import Member, Person
from crm.services import export_log
from crm.spreadsheets import italian_csv_bytes, xlsx_bytes


class Command(BaseCommand):
    help = (
        "Export members with their people and affiliations. CSV and XLSX use the "
        "import's columns (CSV for Italian Excel: UTF-8 with BOM, ';'); JSON is "
        "for machines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument(
            "-o", "--output", required=True, help="file to write, '-' for stdout"
        )

    def handle(self, *args, format, output, **options):
        if format == "json":
            data = export_json()
            count = data["count"]
            content = json.dumps(
                data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1
            ).encode("utf-8")
        else:
            rows = list(export_rows())
            count = Member.objects.count()
            write = italian_csv_bytes if format == "csv" else xlsx_bytes
            content = write(HEADERS, rows)
        self._write(output, content)
        export_log(
            user=None,
            what="members (export_members command)",
            format=format,
            count=count,
            filters={"output": output},
            members=Member.objects.all(),
            people=Person.objects.filter(affiliations__isnull=False).distinct(),
        )
        self.stderr.write(
            _("%(count)s members exported to %(output)s.")
            % {"count": count, "output": output}
        )

    def _write(self, output: str, content: bytes):
        if output == "-":
            sys.stdout.buffer.write(content)
            return
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror}") from None
