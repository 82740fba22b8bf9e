// Call a number back from the agent's history with one click: the same API call as the
// desk's call box (number checked, blacklist, agent Ready), then on to the desk.
(function () {
  "use strict";

  const box = document.getElementById("call-back-message");
  const token = document.querySelector('meta[name="csrf-token"]').content;

  async function callBack(button) {
    button.disabled = true;
    box.textContent = "";
    let response = null;
    try {
      response = await fetch("/api/calls", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ number: button.dataset.callNumber }),
      });
    } catch (_error) {
      response = null;
    }
    if (response && response.ok) {
      window.location.assign(box.dataset.desk);
      return;
    }
    const payload = response ? await response.json().catch(() => ({})) : {};
    box.textContent = payload.message || box.dataset.failed;
    button.disabled = false;
  }

  document.querySelectorAll("[data-call-number]").forEach((button) => {
    button.addEventListener("click", () => callBack(button));
  });
})();
