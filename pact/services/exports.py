"""Exports of signed pacts: one ZIP with the PDFs and the registry.

The ZIP holds ``pdf/adesione-<reference>.pdf`` for every signed adhesion that
matches the filters, ``registry.xlsx`` and ``registry.csv`` (Italian Excel).
It is written streamed: each PDF is copied from storage in chunks and only a
small registry row per adhesion is kept, so memory does not grow with the
size of the documents. Big exports run as a background task
(:mod:`pact.tasks`) that reports its progress on the :class:`ExportJob`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AffiliationRole, MemberKind, Municipality
from crm.services import export_log
from crm.spreadsheets import italian_csv_bytes, xlsx_bytes
from pact.models import (
    SIGNED_STATUSES,
    Adhesion,
    AdhesionStatus,
    PactVersion,
    SignatureMethod,
)
from pact.models.handover import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

CHUNK = 256 * 1024
REGISTRY_CSV = "registry.csv"
REGISTRY_XLSX = "registry.xlsx"
PROGRESS_EVERY_SECONDS = 0.5
EXPORT_WHAT = "signed pacts (ZIP)"


# --- filters -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """What a coordinator asked for; stored as JSON on the job and in the log."""

    kind: str = ""
    municipality: int | None = None
    version: int | None = None
    status: str = ""  # one of the signed statuses, or "" for all of them
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("signed_from", "signed_to"):
            if data[key]:
                data[key] = data[key].isoformat()
        return {k: v for k, v in data.items() if v not in ("", None)}

    @classmethod
    def from_json(cls, data: dict) -> ExportFilters:
        data = dict(data or {})
        for key in ("signed_from", "signed_to"):
            if data.get(key):
                data[key] = dt.date.fromisoformat(data[key])
        return cls(**data)

    def validate(self) -> None:
        problems = []
        if self.kind and self.kind not in MemberKind.values:
            problems.append(_("Unknown kind of member."))
        if self.status and self.status not in SIGNED_STATUSES:
            problems.append(_("Choose the status of a signed adhesion."))
        if self.signed_from and self.signed_to and self.signed_from > self.signed_to:
            problems.append(_("The start date comes after the end date."))
        if problems:
            raise ValidationError(problems)

    def apply(self, adhesions):
        if self.kind:
            adhesions = adhesions.filter(member__kind=self.kind)
        if self.municipality:
            adhesions = adhesions.filter(member__municipality_id=self.municipality)
        if self.version:
            adhesions = adhesions.filter(version_id=self.version)
        if self.status:
            adhesions = adhesions.filter(status=self.status)
        if self.signed_from:
            adhesions = adhesions.filter(signed_at__gte=_day_start(self.signed_from))
        if self.signed_to:
            end = _day_start(self.signed_to + dt.timedelta(days=1))
            adhesions = adhesions.filter(signed_at__lt=end)
        return adhesions

    def describe(self) -> list[tuple[str, str]]:
        """The filters in words, for pages."""
        out = []
        if self.kind:
            out.append((_("Kind"), str(MemberKind(self.kind).label)))
        if self.municipality:
            found = Municipality.objects.filter(pk=self.municipality).first()
            out.append((_("Municipality"), found.name if found else "?"))
        if self.version:
            found = PactVersion.objects.select_related("pact").filter(pk=self.version)
            out.append((_("Pact version"), str(found.first() or "?")))
        if self.status:
            out.append((_("Status"), str(AdhesionStatus(self.status).label)))
        if self.signed_from:
            out.append((_("Signed from"), self.signed_from.strftime("%d/%m/%Y")))
        if self.signed_to:
            out.append((_("Signed until"), self.signed_to.strftime("%d/%m/%Y")))
        return out


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def signed_adhesions(filters: ExportFilters):
    """The signed adhesions an export with ``filters`` contains, in order."""
    return filters.apply(
        Adhesion.objects.signed()
        .select_related("version__pact", "member__municipality", "network_role")
        .select_related("signatory")
        .order_by("version__pact__title", "version__number", "signed_at", "pk")
    )


# --- the ZIP -----------------------------------------------------------------


def registry_headers() -> list[str]:
    return [
        _("Pact"),
        _("Version"),
        _("Adhesion"),
        _("Verification code"),
        _("Member"),
        _("Kind"),
        _("Codice fiscale"),
        _("Partita IVA"),
        _("ISTAT code"),
        _("Municipality"),
        _("Role in the network"),
        _("Signatory"),
        _("Capacity"),
        _("Signature method"),
        _("Signed at"),
        _("Status"),
        _("Withdrawn at"),
        _("File"),
        "SHA-256",
    ]


EXPORT_FIELDS = (
    "uuid",
    "short_code",
    "version__pact__title",
    "version__number",
    "member__name",
    "member__kind",
    "member__codice_fiscale",
    "member__partita_iva",
    "member__municipality__istat_code",
    "member__municipality__name",
    "network_role__name",
    "signatory__first_name",
    "signatory__last_name",
    "signatory_capacity",
    "signature_method",
    "signed_at",
    "status",
    "withdrawn_at",
    "document",
    "document_sha256",
    "member_id",
    "signatory_id",
)


class Included:
    """Wraps export rows and notes whom they carry, for the export log."""

    def __init__(self, rows):
        self.rows = rows
        self.members: set[int] = set()
        self.people: set[int] = set()

    def __iter__(self):
        for row in self.rows:
            self.members.add(row["member_id"])
            if row["signatory_id"]:
                self.people.add(row["signatory_id"])
            yield row


def export_rows(filters: ExportFilters):
    """What the export needs of each adhesion, as plain values (no model
    instances: building thousands of them costs more than the ZIP)."""
    return signed_adhesions(filters).values(*EXPORT_FIELDS)


def pdf_name(reference) -> str:
    return f"pdf/adesione-{reference}.pdf"


def capacity_label(code: str) -> str:
    return str(dict(AffiliationRole.choices).get(code, code))


class _Labels:
    """Choice labels translated once per export, not once per row."""

    def __init__(self):
        self.kind = {k: str(v) for k, v in MemberKind.choices}
        self.status = {k: str(v) for k, v in AdhesionStatus.choices}
        self.method = {k: str(v) for k, v in SignatureMethod.choices}
        self.capacity = {k: str(v) for k, v in AffiliationRole.choices}


def registry_row(row: dict, labels: _Labels) -> list:
    signatory = (
        f"{row['signatory__first_name'] or ''} {row['signatory__last_name'] or ''}"
    )
    return [
        row["version__pact__title"],
        row["version__number"],
        str(row["uuid"]),
        row["short_code"] or "",
        row["member__name"],
        labels.kind.get(row["member__kind"], row["member__kind"]),
        row["member__codice_fiscale"] or "",
        row["member__partita_iva"] or "",
        row["member__municipality__istat_code"] or "",
        row["member__municipality__name"] or "",
        row["network_role__name"] or "",
        signatory.strip(),
        labels.capacity.get(row["signatory_capacity"], row["signatory_capacity"]),
        labels.method.get(row["signature_method"], row["signature_method"]),
        _local(row["signed_at"]),
        labels.status.get(row["status"], row["status"]),
        _local(row["withdrawn_at"]),
        pdf_name(row["uuid"]),
        row["document_sha256"],
    ]


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _zip_info(name: str, stamp, compression=zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    # PDF streams are compressed already: deflating them again is slow and
    # saves little, so they are stored as they are.
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def _copy_pdf(zf: zipfile.ZipFile, row: dict, storage, stamp) -> None:
    digest = hashlib.sha256()
    info = _zip_info(pdf_name(row["uuid"]), stamp, zipfile.ZIP_STORED)
    with storage.open(row["document"], "rb") as source:
        with zf.open(info, "w", force_zip64=True) as entry:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                entry.write(chunk)
    if digest.hexdigest() != row["document_sha256"]:
        raise ValidationError(
            _(
                "The stored document of adhesion %(ref)s no longer matches its "
                "SHA-256: export stopped."
            )
            % {"ref": row["uuid"]}
        )


def _spooled(handle) -> Iterator[list]:
    handle.seek(0)
    for line in handle:
        yield json.loads(line)


def write_export(
    target: BinaryIO,
    rows: Iterable[dict],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the export ZIP to ``target``; return how many PDFs it holds.

    ``rows`` come from :func:`export_rows`. Registry rows wait in a temporary
    file while the PDFs are copied, so memory stays flat however many there are.
    """
    stamp = timezone.localtime().timetuple()[:6]
    storage = Adhesion._meta.get_field("document").storage
    labels, count = _Labels(), 0
    with (
        tempfile.SpooledTemporaryFile(max_size=1024**2, mode="w+") as registry,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
    ):
        for row in rows:
            _copy_pdf(zf, row, storage, stamp)
            registry.write(json.dumps(registry_row(row, labels)) + "\n")
            count += 1
            if progress:
                progress(count)
        headers = registry_headers()
        zf.writestr(
            _zip_info(REGISTRY_XLSX, stamp),
            xlsx_bytes(headers, _spooled(registry), title=_("Signed pacts")),
        )
        csv_data = italian_csv_bytes(headers, _spooled(registry))
        zf.writestr(_zip_info(REGISTRY_CSV, stamp), csv_data)
    return count


def export_to_file(path: Path, *, filters: ExportFilters, by=None) -> int:
    """Write an export to ``path`` (complete or not at all) and log it."""
    filters.validate()
    if not signed_adhesions(filters).exists():
        raise ValidationError(_("No signed pact matches these filters."))
    partial = path.with_name(path.name + ".part")
    try:
        with (
            open(partial, "wb") as handle,
            closing(export_rows(filters).iterator(500)) as rows,
        ):
            included = Included(rows)
            count = write_export(handle, included)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    export_log(
        user=by,
        what=EXPORT_WHAT,
        format="zip",
        count=count,
        filters=filters.as_json(),
        members=included.members,
        people=included.people,
    )
    return count


# --- background jobs ---------------------------------------------------------


@transaction.atomic
def export_job_create(*, by, filters: ExportFilters) -> ExportJob:
    """Record a requested export; :mod:`pact.tasks` runs it."""
    filters.validate()
    total = signed_adhesions(filters).count()
    if total == 0:
        raise ValidationError(_("No signed pact matches these filters."))
    return ExportJob.objects.create(
        requested_by=by, filters=filters.as_json(), total=total
    )


class _Progress:
    """Save progress on the job at most twice a second (it costs a query)."""

    def __init__(self, job: ExportJob):
        self.job_id = job.pk
        self.last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS:
            self.last = now
            # New signatures may join a running export: the total follows.
            ExportJob.objects.filter(pk=self.job_id).update(
                done=done, total=Greatest(F("total"), done)
            )


def export_job_run(*, job_id: int) -> ExportJob:
    """Build the ZIP of a queued job, reporting progress; never raises.

    A failure is recorded on the job with its message: the coordinator sees it
    on the progress page.
    """
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.get(pk=job_id)
    if not claimed:
        return job  # already run (a retried task) or running elsewhere
    filters = ExportFilters.from_json(job.filters)
    try:
        # closing(): a failed export must not leave its database cursor open
        # until the garbage collector finds it (on PostgreSQL a named cursor).
        with (
            tempfile.TemporaryFile() as handle,
            closing(export_rows(filters).iterator(500)) as rows,
        ):
            included = Included(rows)
            count = write_export(handle, included, progress=_Progress(job))
            handle.seek(0)
            _finish(job, handle, count, filters, included)
    except Exception as exc:  # recorded for the coordinator, logged for the admin
        logger.exception("Export %s failed", job_id)
        message = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


@transaction.atomic
def _finish(
    job: ExportJob, handle, count: int, filters: ExportFilters, included: Included
) -> None:
    job.file.save(job.file_name, File(handle), save=False)
    try:
        job.status = ExportStatus.DONE
        # Adhesions signed since the job was queued are not in it.
        job.total = job.done = count
        job.file_size = job.file.size
        job.finished_at = timezone.now()
        job.save()
        export_log(
            user=job.requested_by,
            what=EXPORT_WHAT,
            format="zip",
            count=count,
            filters=filters.as_json(),
            members=included.members,
            people=included.people,
        )
    except Exception:
        job.file.delete(save=False)
        raise


def export_job_downloaded(*, job: ExportJob, by) -> None:
    """Record a download of a finished export in the data-export log."""
    # Whom the file carries: what its filters matched when it was built.
    carried = signed_adhesions(ExportFilters.from_json(job.filters))
    if job.finished_at:
        carried = carried.filter(signed_at__lte=job.finished_at)
    export_log(
        user=by,
        what=f"{EXPORT_WHAT}: download of export {job.pk}",
        format="zip",
        count=job.total,
        filters=job.filters,
        members=carried.values_list("member_id", flat=True),
        people=carried.values_list("signatory_id", flat=True),
    )
