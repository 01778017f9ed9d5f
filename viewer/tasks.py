"""The background tasks of the viewer app, run by the Tasks API's worker (viewer/jobs.py)."""

from django_tasks import task

from viewer import jobs


@task()
def run_upload_job(job_id):
    """Stage and publish one upload (viewer.models.UploadJob); its outcome is on the job."""
    jobs.run(job_id)
