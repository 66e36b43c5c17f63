"""Import a list from a spreadsheet: a dry run unless ``--commit``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.spreadsheets import registry
from crm.spreadsheets.importing import NEW, UPDATE, run_import


class Command(BaseCommand):
    help = (
        "Check a spreadsheet (CSV, XLSX, ODS or JSON) for one of the lists "
        "(members, people, interactions, topics, municipalities, services, "
        "registrations) and show, row by row, what importing it would do; with "
        "--commit, import it all or nothing. Exit status 1 on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", help="the list: " + _names())
        parser.add_argument("file", help="CSV, XLSX, ODS or JSON file")
        parser.add_argument(
            "--commit", action="store_true", help="write the rows (all or nothing)"
        )
        parser.add_argument(
            "--by", metavar="USERNAME", help="record the import as done by this user"
        )

    def handle(self, *args, resource, file, commit, by=None, **options):
        try:
            entry = registry.get(resource)
        except LookupError as error:
            raise CommandError(str(error)) from None
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        outcome = run_import(entry, content, path.name, commit=commit, user=_user(by))
        if not outcome.ok:
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            self.stderr.write(
                self.style.ERROR(
                    _("%(count)s problem(s): nothing was written.")
                    % {"count": len(outcome.problems)}
                )
            )
            raise SystemExit(1)
        self._rows(outcome)
        if outcome.ignored_columns:
            self.stdout.write(
                _("Ignored columns: %(columns)s")
                % {"columns": ", ".join(outcome.ignored_columns)}
            )
        self.stdout.write(outcome.summary())
        if commit:
            self.stdout.write(self.style.SUCCESS(_("Import done.")))
        else:
            self.stdout.write(_("Dry run: nothing written. Use --commit to import."))

    def _rows(self, outcome):
        words = {
            NEW: pgettext("spreadsheet row", "new"),
            UPDATE: pgettext("spreadsheet row", "updated"),
        }
        for row in outcome.changed_rows:
            line = _("Row %(row)s: %(what)s — %(title)s") % {
                "row": row.number,
                "what": words[row.kind],
                "title": row.title,
            }
            if row.kind == UPDATE and row.changes:
                line += ": " + "; ".join(
                    f"{column} “{before}” → “{after}”"
                    for column, before, after in row.changes
                )
            self.stdout.write(line)


def _names() -> str:
    return ", ".join(entry.name for entry in registry.entries())


def _user(username):
    if not username:
        return None
    User = get_user_model()
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(_("No user “%(name)s”.") % {"name": username}) from None
