// The admin's "Add images" field: a form holding files is sent by XMLHttpRequest, so the
// contributor sees the bytes go (a 300 MB study takes minutes on a hospital network) and cannot
// press Save twice. The server's answer (the saved page, or the form with its errors) then
// replaces this page as a normal submission would, messages and all. Without JavaScript the form
// submits as it always did.
(function () {
  "use strict";

  function filesChosen(form) {
    return Array.from(form.querySelectorAll('input[type="file"]')).some(
      (input) => input.files && input.files.length > 0
    );
  }

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1);
  }

  function progressBox(form) {
    const box = document.createElement("div");
    box.className = "upload-progress";
    box.setAttribute("role", "status");
    box.innerHTML =
      '<progress max="100" value="0"></progress> <span class="upload-progress-text"></span>';
    const submitRow = form.querySelector(".submit-row");
    (submitRow || form).before(box);
    return {
      box,
      bar: box.querySelector("progress"),
      text: box.querySelector(".upload-progress-text"),
    };
  }

  function setButtons(form, disabled) {
    form.querySelectorAll('input[type="submit"], button[type="submit"], button:not([type])')
      .forEach((button) => { button.disabled = disabled; });
  }

  function showAnswer(xhr) {
    // The page the server answered with, in place of this one, at its own address.
    document.open();
    document.write(xhr.responseText);
    document.close();
    if (xhr.responseURL) {
      history.replaceState(null, "", xhr.responseURL);
    }
  }

  function send(form, submitter) {
    const data = new FormData(form, submitter || undefined);
    const xhr = new XMLHttpRequest();
    const progress = progressBox(form);
    setButtons(form, true);
    progress.text.textContent = "Starting the upload…";

    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) {
        progress.text.textContent = `${megabytes(event.loaded)} MB sent…`;
        return;
      }
      const percent = Math.floor((event.loaded / event.total) * 100);
      progress.bar.value = percent;
      progress.text.textContent =
        `${megabytes(event.loaded)} of ${megabytes(event.total)} MB sent (${percent}%)`;
    });
    xhr.upload.addEventListener("load", () => {
      progress.bar.removeAttribute("value"); // indeterminate while the server answers
      progress.text.textContent = "Sent. Waiting for the server…";
    });
    xhr.addEventListener("load", () => showAnswer(xhr));
    xhr.addEventListener("error", () => failed(form, progress, "The connection failed"));
    xhr.addEventListener("abort", () => failed(form, progress, "The upload was stopped"));
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "upload-progress");
    xhr.send(data);
  }

  function failed(form, progress, reason) {
    // Nothing was saved; the form still holds what was typed and chosen, to send again.
    progress.bar.value = 0;
    progress.text.textContent = `${reason}: nothing was saved. Press Save to try again.`;
    progress.box.classList.add("upload-progress-failed");
    setButtons(form, false);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !filesChosen(form)) {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });
})();
