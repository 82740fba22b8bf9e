// The supervisor's wallboard: redraw the rows whenever an agent's state changes (the
// supervisors' live stream), and ask before signing an agent out.
(function () {
  const table = document.querySelector("[data-testid=wallboard]");
  if (!table) return;
  let pending = null;
  function redraw() {
    pending = pending || setTimeout(async () => {
      pending = null;
      const response = await fetch(table.dataset.rowsUrl, { credentials: "same-origin" });
      if (response.ok) document.getElementById("wallboard-rows").innerHTML = await response.text();
    }, 200);
  }
  new EventSource(table.dataset.streamUrl).onmessage = redraw;
  document.addEventListener("submit", (event) => {
    if (event.target.matches(".force-logout") && !window.confirm(table.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
