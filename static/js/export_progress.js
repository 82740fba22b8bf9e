// Polls one export's small status document until the file is ready, then shows its link.
(function () {
  "use strict";
  const box = document.getElementById("export");
  if (!box) return;
  const bar = box.querySelector("[data-testid=bar]");
  const rows = box.querySelector("[data-testid=rows]");
  const state = box.querySelector("[data-testid=state]");
  const link = box.querySelector("[data-testid=download]");

  function show(status) {
    bar.style.width = status.percent + "%";
    rows.textContent = status.rows;
    if (status.status === "done") {
      state.textContent = state.dataset.done;
      link.hidden = false;
      return true;
    }
    if (status.status === "failed") {
      state.textContent = state.dataset.failed;
      return true;
    }
    if (status.status === "expired") {  // the file was deleted: no dead link
      state.textContent = state.dataset.expired;
      link.hidden = true;
      return true;
    }
    return false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((status) => { if (!show(status)) setTimeout(poll, 1000); })
      .catch(() => setTimeout(poll, 3000));
  }
  poll();
})();
