// An upload job's admin page follows the job while it is queued or runs: it asks the job's
// progress.json every second (its shape: docs/architecture.md) and shows the state, the files
// done and the step; once the job ends it reloads, to show the outcome and the buttons.
'use strict';

(function () {
  const panel = document.getElementById('upload-job');
  if (!panel || !['queued', 'running'].includes(panel.dataset.state)) {
    return;
  }
  const field = (name) => panel.querySelector(`[data-field="${name}"]`);
  const STATES = {queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed',
                  discarded: 'Discarded'};

  function show(job) {
    field('state').textContent = STATES[job.state] || job.state;
    field('bar').max = Math.max(job.total, 1);
    field('bar').value = job.done;
    field('files').textContent = `${job.done} of ${job.total} file(s)`;
    field('step').textContent = job.step;
  }

  async function poll() {
    let job;
    try {
      const response = await fetch(panel.dataset.progressUrl, {credentials: 'same-origin'});
      if (!response.ok) {
        return;  // a session that ended, or the job deleted with its case: stop following
      }
      job = await response.json();
    } catch (error) {
      window.setTimeout(poll, 5000);  // the server restarting: try again a little later
      return;
    }
    show(job);
    if (job.state === 'queued' || job.state === 'running') {
      window.setTimeout(poll, 1000);
    } else {
      window.location.reload();
    }
  }

  window.setTimeout(poll, 1000);
}());
