"""Background work of the pact app (django-tasks).

In production a database-backed worker runs these (``manage.py db_worker``);
in development and tests they run immediately, in-process.
"""

from django_tasks import task

from pact.services import exports


@task()
def run_export(job_id: int) -> str:
    """Build the ZIP of an :class:`~pact.models.handover.ExportJob`."""
    return exports.export_job_run(job_id=job_id).status


def export_enqueue(job) -> None:
    """Queue an export job. Its row is committed with the task's (same database),
    so a worker never picks up a job it cannot see."""
    run_export.enqueue(job_id=job.pk)
