/* The helpdesk panel (C1, C2): when a call rings or connects, shows the caller from the CRM
 * (GET /api/calls/<id>/crm) and offers the call's one choice (POST .../crm/link). The desktop
 * re-tells every live event as a "dialer:event" DOM event; "crm_link" says how a link ended.
 */
(function () {
  "use strict";

  const panel = document.getElementById("crm-panel");
  if (!panel) return;
  const T = JSON.parse(panel.dataset.texts);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (testid) => panel.querySelector('[data-testid="' + testid + '"]');
  const keys = {}; // call id -> Idempotency-Key of its choice
  let callId = null;
  let shown = null;
  let polls = 0;
  let pollTimer = null;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, name) => (name in values ? values[name] : ""));
  }

  function localTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  async function request(method, path, body, headers) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrf, Accept: "application/json" }, headers || {}),
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw payload;
    return payload;
  }

  function problem(message) {
    const box = $("crm-problem");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function drawLink(link) {
    const line = $("crm-link");
    const choices = panel.querySelectorAll("[data-choice]");
    const tickets = (shown && shown.tickets) || [];
    choices.forEach((button) => {
      button.disabled = Boolean(link) || (button.dataset.choice === "latest" && !tickets.length);
    });
    line.className = "crm-link";
    line.textContent = "";
    clearTimeout(pollTimer);
    if (!link) return;
    line.dataset.status = link.status;
    if (link.status === "pending") {
      line.textContent = T.pending;
      if (polls++ < 40) pollTimer = setTimeout(reload, 3000);
    } else if (link.status === "linked") {
      const builtin = !link.ticket_url && link.ticket_ref.startsWith("call-");
      line.textContent = builtin ? T.linked_builtin : fill(T.linked, { ticket: "#" + link.ticket_ref });
      if (link.ticket_url) {
        const a = document.createElement("a");
        a.href = link.ticket_url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = " " + T.open;
        line.appendChild(a);
      }
    } else if (link.status === "failed") {
      line.className = "crm-link desk-message-error";
      line.textContent = fill(T.failed, { reason: link.error_message || link.error || "" });
    } else {
      line.textContent = T.not_linked;
    }
    const contactName = shown && shown.contact ? shown.contact.name : "";
    $("crm-rename").hidden = !(link.contact_ref && link.status === "linked" && link.choice === "new");
    if (!$("crm-rename").hidden && !$("crm-rename-input").value) {
      $("crm-rename-input").value = contactName || "unknown";
    }
  }

  function draw(data) {
    shown = data;
    panel.hidden = false;
    $("crm-provider").textContent = "(" + (T.provider[data.provider] || data.provider) + ")";
    problem(data.problem_message);
    const contact = data.contact;
    $("crm-name").textContent = contact ? contact.name : (data.problem ? "" : T.no_contact);
    $("crm-number").textContent = data.number;
    $("crm-email").textContent = contact ? contact.email : "";
    const matches = $("crm-matches");
    matches.hidden = !(data.matches > 1);
    matches.textContent = data.matches > 1 ? fill(T.matches, { count: data.matches }) : "";
    const body = panel.querySelector(".crm-tickets tbody");
    body.replaceChildren();
    (data.tickets || []).forEach((ticket) => {
      const row = document.createElement("tr");
      row.dataset.testid = "crm-ticket";
      const subject = document.createElement("td");
      if (ticket.url) {
        const a = document.createElement("a");
        a.href = ticket.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = ticket.subject || "#" + ticket.ref;
        subject.appendChild(a);
      } else {
        subject.textContent = ticket.subject || "#" + ticket.ref;
      }
      const status = document.createElement("td");
      status.textContent = ticket.status;
      const updated = document.createElement("td");
      updated.textContent = localTime(ticket.updated_at);
      row.append(subject, status, updated);
      body.appendChild(row);
    });
    if (!(data.tickets || []).length) {
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      cell.colSpan = 3;
      cell.className = "muted";
      cell.textContent = T.no_tickets;
      row.appendChild(cell);
      body.appendChild(row);
    }
    const pages = $("crm-pages");
    pages.replaceChildren();
    Object.entries(data.pages || {}).forEach(([name, url]) => {
      if (!url) return;
      const a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = T.open + " (" + name + ")";
      a.dataset.testid = "crm-page-" + name;
      pages.append(a, " ");
    });
    pages.hidden = !pages.childElementCount;
    const recording = $("crm-recording");
    const audio = $("crm-recording-audio");
    recording.hidden = !data.recording_url;
    if (data.recording_url && audio.getAttribute("src") !== data.recording_url) audio.src = data.recording_url;
    drawLink(data.link);
  }

  async function reload() {
    if (callId === null) return;
    const asked = callId;
    try {
      const data = await request("GET", "/api/calls/" + asked + "/crm");
      if (asked === callId) draw(data);
    } catch (error) {
      if (asked === callId) problem(error.message || "");
    }
  }

  function show(id) {
    if (!id || id === callId) return;
    callId = id;
    polls = 0;
    panel.hidden = false;
    problem("");
    $("crm-name").textContent = T.loading;
    $("crm-rename").hidden = true;
    $("crm-rename-input").value = "";
    $("crm-recording").hidden = true;
    $("crm-recording-audio").removeAttribute("src");
    reload();
  }

  async function choose(choice) {
    if (callId === null) return;
    if (choice === "none" && !window.confirm(T.confirm_none)) return;
    keys[callId] = keys[callId] || (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    try {
      const body = await request("POST", "/api/calls/" + callId + "/crm/link", { choice: choice }, { "Idempotency-Key": keys[callId] });
      polls = 0;
      drawLink(body.link);
    } catch (error) {
      problem(error.message || "");
      reload();
    }
  }

  panel.querySelectorAll("[data-choice]").forEach((button) => {
    button.addEventListener("click", () => choose(button.dataset.choice));
  });

  $("crm-rename").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = await request("PUT", "/api/calls/" + callId + "/crm/contact", { name: $("crm-rename-input").value });
      $("crm-name").textContent = body.contact.name;
      $("crm-link").textContent = T.renamed;
    } catch (error) {
      problem(error.message || "");
    }
  });

  const ringing = { ringing: true, dialing: true, connected: true };
  const handlers = {
    call: (data) => {
      if (ringing[data.state]) show(data.id);
      else if (data.id === callId) reload();
    },
    inbound_offer: (data) => show(data.call_id),
    inbound_connected: (data) => show(data.call_id),
    crm_link: (data) => { if (data.call_id === callId) reload(); },
    inbound_ended: (data) => { if (data.call_id === callId) reload(); },
  };
  document.addEventListener("dialer:event", (event) => {
    const message = event.detail || {};
    if (handlers[message.event]) handlers[message.event](message.data || {});
  });
  document.addEventListener("dialer:agent", (event) => {
    const call = (event.detail || {}).call;
    if (call && call.is_up && (call.state === "connected" || call.state === "ringing" || call.state === "dialing")) show(call.id);
  });
  const start = JSON.parse((document.getElementById("desk-data") || { textContent: "{}" }).textContent || "{}");
  if (start.agent && start.agent.call && start.agent.call.id) show(start.agent.call.id);
})();
