"""Import members from a CSV or XLSX file: a dry run unless ``--commit``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.importing import ImportRefused, preview
from crm.services import members_import


class Command(BaseCommand):
    help = (
        "Check a spreadsheet of members (CSV or XLSX) and list every problem; "
        "with --commit, import it all or nothing. Exit status 1 on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument(
            "--commit", action="store_true", help="write the members (all or nothing)"
        )
        parser.add_argument(
            "--by", metavar="USERNAME", help="record the import as done by this user"
        )
        parser.add_argument(
            "--people",
            choices=["fill", "update"],
            default="fill",
            help="known people: fill only their empty fields (default), or update "
            "them from the file",
        )
        parser.add_argument(
            "--confirm",
            metavar="ROW",
            type=int,
            action="append",
            default=[],
            help="confirm the conflict on this row (repeatable)",
        )

    def handle(self, *args, file, commit, by=None, people="fill", **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        user = self._user(by)
        choices = {"people": people, "confirmed": options.get("confirm") or ()}
        if not commit:
            report = preview(content, path.name, **choices)
        else:
            try:
                report = members_import(
                    content=content, filename=path.name, by=user, **choices
                )
            except ImportRefused as refused:
                report = refused.report
        for problem in report.problems:
            self.stderr.write(str(problem))
        for row, message in report.skipped + report.repairs:
            self.stdout.write(
                _("Row %(row)s: %(message)s") % {"row": row, "message": message}
            )
        if report.ignored_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s")
                % {"columns": ", ".join(report.ignored_columns)}
            )
        if not report.ok:
            # A refused file gets no summary: nothing of it happened.
            count = len(report.problems)
            self.stderr.write(
                self.style.ERROR(
                    ngettext(
                        "%(count)s problem: nothing was written.",
                        "%(count)s problems: nothing was written.",
                        count,
                    )
                    % {"count": count}
                )
            )
            raise SystemExit(1)
        self.stdout.write(report.summary())
        if commit:
            self.stdout.write(self.style.SUCCESS(_("Import done.")))
        else:
            self.stdout.write(_("Dry run: nothing written. Use --commit to import."))

    def _user(self, username):
        if not username:
            return None
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(_("No user “%(name)s”.") % {"name": username}) from None
