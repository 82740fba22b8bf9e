// The predictive dialing view: redraw the rows whenever a call or an agent moves (the
// supervisors' live stream), and every few seconds for the dialer's own level.
(function () {
  "use strict";
  const view = document.getElementById("pacing");
  if (!view) return;
  let pending = null;

  function redraw() {
    pending = pending || setTimeout(async () => {
      pending = null;
      const response = await fetch(view.dataset.rowsUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      view.innerHTML = await response.text();
    }, 200);
  }

  const live = document.querySelector("[data-testid=pacing-live]");
  const stream = new EventSource(view.dataset.streamUrl);
  stream.onopen = () => { live.hidden = false; };
  stream.onerror = () => { live.hidden = true; };
  stream.onmessage = redraw;
  setInterval(redraw, 3000);
})();
