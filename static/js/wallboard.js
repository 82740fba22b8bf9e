// The wallboard: redraw the board whenever an agent's state changes (the supervisors' live
// stream); between redraws, every "time in state" counts up by itself.
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) return;
  let drawnAt = performance.now();
  let pending = null;

  function duration(total) {
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  }

  function tick() {
    const passed = Math.floor((performance.now() - drawnAt) / 1000);
    board.querySelectorAll(".elapsed").forEach((el) => {
      el.textContent = duration(Number(el.dataset.seconds) + passed);
    });
  }

  function redraw() {
    pending = pending || setTimeout(async () => {
      pending = null;
      const response = await fetch(board.dataset.boardUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      board.innerHTML = await response.text();
      drawnAt = performance.now();
    }, 200);
  }

  const live = document.querySelector("[data-testid=board-live]");
  const stream = new EventSource(board.dataset.streamUrl);
  stream.onopen = () => { live.hidden = false; };
  stream.onerror = () => { live.hidden = true; };
  stream.onmessage = redraw;
  setInterval(tick, 1000);

  document.addEventListener("submit", (event) => {
    if (event.target.matches(".force-logout")
        && !window.confirm(board.dataset.confirm.replace("__AGENT__", event.target.dataset.agent))) {
      event.preventDefault();
    }
  });
})();
