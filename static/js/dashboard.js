// The campaign dashboard: draws the shared figures, and redraws them when the campaign's
// live stream says a call ended or a survey was saved. The figures come from one cached
// copy on the server, so many open dashboards cost the database one query set a second.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  const text = JSON.parse(document.getElementById("dashboard-text").textContent);
  const locale = root.dataset.locale;
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const integer = new Intl.NumberFormat(locale);
  const palette = { ANSWER: "#2e7d32", BUSY: "#f9a825", NOANSWER: "#757575", CANCEL: "#6a1b9a", FAIL: "#c62828", MACHINE: "#4e342e" };
  let outcomesChart = null;
  let hoursChart = null;
  let again = null;

  function pick(data, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), data);
  }

  function drawFigures(data) {
    root.querySelectorAll("[data-figure]").forEach((el) => { el.textContent = integer.format(pick(data, el.dataset.figure)); });
    // Past the cap the server stops counting dialable leads: "10,000+".
    if (data.leads.is_dialable_capped) root.querySelector("[data-testid=dash-dialable]").textContent += "+";
    root.querySelectorAll("[data-percent]").forEach((el) => {
      const value = pick(data, el.dataset.percent);
      el.textContent = value == null ? "–" : percent.format(value);
    });
    root.querySelectorAll("[data-decimal]").forEach((el) => {
      const value = pick(data, el.dataset.decimal);
      el.textContent = value == null ? "–" : decimal.format(value);
    });
    root.querySelector("[data-testid=dash-why]").textContent = data.why_not_text || text.dialable_yes;
  }

  function drawOutcomes(data) {
    const codes = Object.keys(data.outcomes);
    const labels = codes.map((code) => text.statuses[code] || code);
    const counts = codes.map((code) => data.outcomes[code]);
    const body = root.querySelector("[data-testid=dash-outcomes] tbody");
    body.replaceChildren(...codes.map((code, i) => {
      const row = document.createElement("tr");
      row.dataset.status = code;
      const name = document.createElement("td");
      name.textContent = labels[i];
      const count = document.createElement("td");
      count.className = "num";
      count.textContent = integer.format(counts[i]);
      row.append(name, count);
      return row;
    }));
    if (!codes.length) {
      const row = document.createElement("tr");
      row.innerHTML = "<td class='muted'></td>";
      row.firstChild.textContent = text.no_calls;
      body.append(row);
    }
    const colours = codes.map((code) => palette[code] || "#1f6feb");
    if (outcomesChart) {
      outcomesChart.data.labels = labels;
      outcomesChart.data.datasets[0].data = counts;
      outcomesChart.data.datasets[0].backgroundColor = colours;
      outcomesChart.update();
      return;
    }
    outcomesChart = new Chart(document.getElementById("outcomes-chart"), {
      type: "doughnut",
      data: { labels, datasets: [{ data: counts, backgroundColor: colours }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } },
    });
  }

  function drawHours(data) {
    const labels = data.calls_per_hour.map((_count, hour) => String(hour).padStart(2, "0"));
    if (hoursChart) {
      hoursChart.data.labels = labels;
      hoursChart.data.datasets[0].data = data.calls_per_hour;
      hoursChart.update();
      return;
    }
    hoursChart = new Chart(document.getElementById("hours-chart"), {
      type: "bar",
      data: { labels, datasets: [{ label: text.calls, data: data.calls_per_hour, backgroundColor: "#1f6feb" }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function drawAgents(data) {
    const list = root.querySelector("[data-testid=dash-agents]");
    if (!data.agents.length) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = text.no_agents;
      list.replaceChildren(empty);
      return;
    }
    list.replaceChildren(...data.agents.map((agent) => {
      const item = document.createElement("li");
      const badge = document.createElement("span");
      badge.className = "badge state-badge state-" + agent.state;
      badge.textContent = text.states[agent.state] || agent.state;
      item.append(`${agent.agent_id} · ${agent.name} `, badge);
      return item;
    }));
  }

  async function refresh() {
    clearTimeout(again);
    const response = await fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    drawFigures(data);
    drawOutcomes(data);
    drawHours(data);
    drawAgents(data);
    root.dataset.computedAt = data.computed_at;
    // Another viewer is recomputing the shared copy: ask again once it is done.
    again = setTimeout(refresh, data.is_stale ? 1100 : 30000);
  }

  let pending = null;
  function soon() {
    pending = pending || setTimeout(() => { pending = null; refresh(); }, 250);
  }

  const live = root.querySelector("[data-testid=dash-live]");
  const stream = new EventSource(root.dataset.events);
  stream.onopen = () => { live.hidden = false; };
  stream.onerror = () => { live.hidden = true; };
  stream.onmessage = soon;  // "hello" after every (re)connect, then each campaign change
  refresh();
})();
