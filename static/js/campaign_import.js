// The live import page: ask for the progress every second until the import ends, then
// reload once so the server shows the final report. A reload mid-way shows where it is.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box) return;
  const fields = {
    percent: box.querySelector("[data-testid=percent]"),
    rows_read: box.querySelector("[data-testid=rows-read]"),
    imported: box.querySelector("[data-testid=imported]"),
    rejected: box.querySelector("[data-testid=rejected]"),
  };
  const fill = box.querySelector("[data-testid=progress-fill]");

  function show(progress) {
    Object.keys(fields).forEach(function (name) { fields[name].textContent = progress[name]; });
    fill.style.width = progress.percent + "%";
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (progress) {
          show(progress);
          if (progress.status === "done" || progress.status === "failed" || progress.stalled) {
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }

  window.setTimeout(poll, 500);
})();
