"""An upload job's admin page follows the job by itself (static/viewer/upload_job.js polling its
progress.json): the files done and the step change as the worker reports them, and when the job
ends the page reloads to show what it added. The test plays the worker: it holds the job's lock
(viewer.liveness), as a worker running it does, and writes its progress to the job's row."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.factories import client_for, make_case
from viewer import liveness
from viewer.models import UploadJob

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_page(open_page, live_server, alice):
    page = open_page()
    session = client_for(alice).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return page


@pytest.fixture
def running_job(vocabularies, alice):
    """A job of three files that a worker (this test) holds, as one running it does."""
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    job = UploadJob.objects.create(case=case, study=case.studies.get(), author=alice, total=3)
    with liveness.hold(job.key) as taken:
        assert taken
        yield job


def report(job, **fields):
    UploadJob.objects.filter(pk=job.pk).update(**fields)


def test_the_jobs_page_shows_its_progress_as_it_runs_and_its_outcome_when_it_ends(
    signed_in_page, running_job
):
    page = signed_in_page
    page.goto(running_job.get_absolute_url())
    files = page.locator('#upload-job [data-field="files"]')
    expect(files).to_have_text("0 of 3 file(s)")
    report(running_job, state=UploadJob.State.RUNNING, done=2, step="reading, de-identifying")
    expect(files).to_have_text("2 of 3 file(s)")
    expect(page.locator('#upload-job [data-field="step"]')).to_have_text("reading, de-identifying")
    expect(page.locator('#upload-job [data-field="state"]')).to_have_text("Running")
    report(running_job, state=UploadJob.State.DONE, done=3, step="", added=3)
    expect(page.locator("#upload-job")).to_contain_text("3 image(s) added")
    expect(page.locator('#upload-job [data-field="state"]')).to_have_text("Done")
