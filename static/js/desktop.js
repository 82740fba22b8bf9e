// The agent desktop: draws the agent's state, calls the JSON API, listens to the live stream.
// Every action is an /api/ call; every change of state also arrives as a server-sent event,
// so the page shows what the server holds, whichever tab or client caused it.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("desk-data").textContent);
  const text = data.text;
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);

  let agent = data.agent;
  // This screen's agent session: a later sign-in elsewhere replaces it.
  const mySession = data.agent ? data.agent.session_id : null;
  let clockOffsetMs = 0; // server time minus browser time
  let gone = false;
  const surveyKeys = {}; // call id -> idempotency key of its survey

  // ------------------------------------------------------------------ helpers

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, name) => (name in values ? values[name] : ""));
  }

  function duration(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function serverNow() {
    return Date.now() + clockOffsetMs;
  }

  function since(iso) {
    return (serverNow() - Date.parse(iso)) / 1000;
  }

  function say(message, kind) {
    const box = $("message");
    box.textContent = message || "";
    box.className = "desk-message" + (kind ? " desk-message-" + kind : "");
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  async function api(method, path, body, headers) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrfToken, Accept: "application/json" }, headers || {}),
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (_error) {
      throw { code: "network", message: text.network };
    }
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      payload.status = response.status;
      if (response.status === 401 || payload.code === "not_signed_in") signedOut(text.signed_out);
      throw payload;
    }
    return payload;
  }

  // ------------------------------------------------------------------- drawing

  function queueText(names) {
    const all = names.join(", ");
    return all.length <= data.queue_max ? all : all.slice(0, data.queue_max) + "...";
  }

  function reasonName(reason) {
    if (!reason) return "";
    return data.locale === "vi" && reason.name_vi ? reason.name_vi : reason.name;
  }

  function isCallUp() {
    return Boolean(agent.call && agent.call.is_up);
  }

  function drawBar() {
    const bar = $("agent-bar");
    bar.className = "agent-bar state-" + agent.state;
    bar.dataset.state = agent.state;
    document.querySelector('[data-testid="state"]').textContent = text.states[agent.state] || agent.state;
    document.querySelector('[data-testid="pause-reason"]').textContent =
      agent.state === "paused" && agent.pause_reason ? "(" + reasonName(agent.pause_reason) + ")" : "";
    const queues = document.querySelector('[data-testid="queues"]');
    queues.textContent = agent.queues.length ? queueText(agent.queues) : "—";
    queues.title = agent.queues.join(", ");
    $("pause-button").hidden = agent.state === "paused";
    $("pause-button").disabled = agent.state !== "ready";
    $("ready-button").hidden = !(agent.state === "paused" || agent.state === "wrapup");
    const unavailable = agent.state === "unavailable";
    const away = agent.state === "paused" && agent.pause_reason && agent.pause_reason.code === "ring_no_answer";
    const alert = $("alert");
    alert.hidden = !unavailable && !away;
    if (unavailable) alert.textContent = fill(text.unavailable, { extension: agent.extension });
    else alert.textContent = away ? text.ring_no_answer_paused : "";
  }

  function drawTimers() {
    const label = document.querySelector('[data-testid="timer-label"]');
    const timer = document.querySelector('[data-testid="timer"]');
    const call = agent.call;
    if (call && call.is_up && call.answered_at) {
      label.textContent = text.timer_talk;
      timer.textContent = duration(since(call.answered_at));
    } else if (call && call.is_up) {
      label.textContent = text.timer_ringing;
      timer.textContent = duration(since(call.created_at));
    } else if (agent.state === "paused") {
      label.textContent = text.timer_paused;
      timer.textContent = duration(since(agent.state_since));
    } else if (agent.state === "wrapup") {
      label.textContent = text.timer_wrapup;
      timer.textContent = duration(since(agent.state_since));
    } else {
      label.textContent = text.timer_worked;
      timer.textContent = duration(agent.worked_s + since(agent.now));
    }
    const talk = document.querySelector('[data-testid="talk-timer"]');
    if (call && call.answered_at) {
      const end = call.ended_at ? Date.parse(call.ended_at) : serverNow();
      talk.textContent = duration((end - Date.parse(call.answered_at)) / 1000);
    } else {
      talk.textContent = duration(0);
    }
  }

  function drawCall() {
    const call = agent.call;
    const panel = $("call-panel");
    panel.hidden = !call || (!call.is_up && agent.state !== "wrapup");
    if (!call) return;
    panel.dataset.state = call.state;
    document.querySelector('[data-testid="call-number"]').textContent = call.number;
    const ended = call.agent_leg ? text.agent_leg[call.agent_leg] : fill(text.call_ended, { status: text.statuses[call.status] || call.status });
    const state = call.is_up ? text.call_states[call.state] : ended;
    document.querySelector('[data-testid="call-state"]').textContent = state;
    $("hangup").disabled = !call.is_up;
    const note = document.querySelector('[data-testid="machine-note"]');
    note.hidden = call.amd_status !== "MACHINE";
    note.textContent = note.hidden ? "" : text.answering_machine;
  }

  function drawLead() {
    const lead = agent.lead;
    $("lead").hidden = !lead;
    $("campaign-info").hidden = !lead;
    if (!lead) {
      $("survey-panel").hidden = true;
      return;
    }
    $("lead").dataset.leadId = lead.id;
    document.querySelector('[data-testid="lead-name"]').textContent = lead.name;
    document.querySelector('[data-testid="lead-phone"]').textContent = lead.phone_raw + " (" + lead.phone + ")";
    document.querySelector('[data-testid="lead-email"]').textContent = lead.email || "—";
    document.querySelector('[data-testid="lead-attempts"]').textContent = lead.attempts + " / " + lead.campaign.max_attempts;
    const custom = document.querySelector('[data-testid="lead-custom"]');
    custom.replaceChildren();
    // In the file's column order (an object's keys would not keep it).
    (lead.custom_fields || []).forEach(({ name: key, value }) => {
      const row = custom.insertRow();
      const th = document.createElement("th");
      th.textContent = key;
      row.appendChild(th);
      row.insertCell().textContent = value;
    });
    const campaign = lead.campaign;
    document.querySelector('[data-testid="campaign-name"]').textContent = campaign.name;
    document.querySelector('[data-testid="campaign-description"]').textContent = campaign.description;
    document.querySelector('[data-testid="campaign-caller-id"]').textContent = campaign.caller_id || "—";
    const hours = campaign.calling_hours;
    document.querySelector('[data-testid="campaign-hours"]').textContent = hours.start + "–" + hours.end + " (" + hours.timezone + ")";
    drawSurvey(lead);
  }

  function drawSurvey(lead) {
    const panel = $("survey-panel");
    const survey = lead.survey;
    panel.hidden = !survey;
    if (!survey) return;
    if (panel.dataset.surveyFor !== String(lead.id)) {
      panel.dataset.surveyFor = String(lead.id);
      document.querySelector('[data-testid="survey-name"]').textContent = survey.name;
      const box = $("survey-questions");
      box.replaceChildren(...survey.questions.map(questionField));
      $("survey-error").textContent = "";
      restoreDraft(agent.survey_draft || {});
    }
    const callForLead = agent.call && agent.call.lead_id === lead.id;
    $("save-survey").disabled = !callForLead || agent.survey_saved || surveyPending;
  }

  function questionField(question) {
    const field = document.createElement("fieldset");
    field.className = "question";
    field.dataset.questionId = question.id;
    field.dataset.testid = "question-" + question.id;
    const legend = document.createElement("legend");
    legend.textContent = question.text + (question.is_required ? " *" : "");
    legend.id = "q" + question.id + "-text";
    field.appendChild(legend);
    const name = "q" + question.id;
    // A typed answer is named by its question for screen readers (a legend names only the group).
    const named = (input) => {
      input.setAttribute("aria-labelledby", legend.id);
      if (question.is_required) input.setAttribute("aria-required", "true");
      return input;
    };
    const choice = (type, value, label) => {
      const wrap = document.createElement("label");
      wrap.className = "choice";
      const input = document.createElement("input");
      input.type = type;
      input.name = name;
      input.value = value;
      wrap.append(input, " " + label);
      return wrap;
    };
    if (question.kind === "rating") {
      [1, 2, 3, 4, 5].forEach((n) => field.appendChild(choice("radio", String(n), String(n))));
      const hint = document.createElement("small");
      hint.className = "muted";
      hint.textContent = text.rating_hint;
      field.appendChild(hint);
    } else if (question.kind === "yes_no") {
      field.append(choice("radio", "yes", text.yes), choice("radio", "no", text.no));
    } else if (question.kind === "single_choice") {
      question.options.forEach((o) => field.appendChild(choice("radio", o, o)));
    } else if (question.kind === "multiple_choice") {
      question.options.forEach((o) => field.appendChild(choice("checkbox", o, o)));
    } else if (question.kind === "number") {
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.name = name;
      field.appendChild(named(input));
    } else {
      const area = document.createElement("textarea");
      area.name = name;
      area.rows = 2;
      area.maxLength = 2000;
      field.appendChild(named(area));
    }
    const error = document.createElement("p");
    error.className = "field-error";
    error.dataset.errorFor = question.id;
    field.appendChild(error);
    return field;
  }

  function drawTools() {
    const ready = agent.state === "ready";
    const callUp = isCallUp();
    $("get-lead").disabled = !ready || callUp || !$("campaign").value;
    $("callout-number").disabled = !ready || callUp;
    $("callout-button").disabled = !ready || callUp;
    $("call-lead").disabled = !ready || callUp || !agent.lead || agent.lead.status !== "claimed";
  }

  // ------------------------------------------------------- dispositions

  function campaignOf(id) {
    if (agent.lead && agent.lead.campaign.id === id) return agent.lead.campaign;
    return data.campaigns.find((c) => c.id === id) || null;
  }

  function dispositionName(d) {
    return data.locale === "vi" && d.name_vi ? d.name_vi : d.name;
  }

  function drawDisposition() {
    const form = $("disposition-form");
    const call = agent.call;
    const campaign = call && call.campaign_id ? campaignOf(call.campaign_id) : null;
    const choices = campaign ? campaign.dispositions || [] : [];
    // Asked after every call that reached (or tried) the customer; the agent's own phone failing is not one.
    const asked = Boolean(call && !call.is_up && !call.disposition_id && !call.agent_leg && choices.length);
    form.hidden = !asked;
    if (!asked) return;
    if (form.dataset.callId !== String(call.id)) {
      form.dataset.callId = String(call.id);
      const select = $("disposition");
      select.replaceChildren(select.options[0]);
      choices.forEach((d) => {
        const option = document.createElement("option");
        option.value = d.id;
        option.textContent = dispositionName(d);
        option.dataset.kind = d.kind;
        select.appendChild(option);
      });
      $("disposition-error").textContent = "";
      $("callback-date").value = "";
      $("callback-time").value = "";
      const hours = campaign.calling_hours;
      $("callback-zone").textContent = fill(text.callback_zone, { zone: hours.timezone, hours: hours.start + "–" + hours.end });
      drawCallbackFields();
    }
  }

  function drawCallbackFields() {
    const option = $("disposition").selectedOptions[0];
    $("callback-fields").hidden = !(option && option.dataset.kind === "callback");
  }

  async function loadCallbacks() {
    try {
      const due = await api("GET", "/api/callbacks");
      const list = $("callback-list");
      list.replaceChildren(
        ...due.map((c) => {
          const item = document.createElement("li");
          item.textContent = c.due_local + " · " + c.lead.name + " (" + c.lead.phone + ")";
          return item;
        })
      );
      $("callbacks").hidden = due.length === 0;
    } catch (_error) {
      /* the list is a convenience: the callbacks still come first to Get Lead */
    }
  }

  // The date from the date picker, the time typed 24-hour (HH:MM, or H:MM): "2026-12-03T09:30".
  function callbackAt() {
    const day = $("callback-date").value;
    const time = $("callback-time").value.trim();
    if (!day || !/^([01]?[0-9]|2[0-3]):[0-5][0-9]$/.test(time)) return day && time ? day + "T" + time : "";
    return day + "T" + time.padStart(5, "0");
  }

  $("disposition").addEventListener("change", drawCallbackFields);
  $("disposition-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const call = agent.call;
    const option = $("disposition").selectedOptions[0];
    if (!call || !option || !option.value) {
      $("disposition-error").textContent = text.pick_disposition;
      return;
    }
    const body = { disposition_id: Number(option.value) };
    if (option.dataset.kind === "callback") {
      const chosen = document.querySelector('input[name="callback-for"]:checked');
      body.callback = { at: callbackAt(), for: chosen ? chosen.value : "me" };
    }
    const button = $("save-disposition");
    button.disabled = true;
    $("disposition-error").textContent = "";
    try {
      const result = await api("PUT", "/api/calls/" + call.id + "/disposition", body);
      take(result.agent);
      if (body.callback) {
        say(fill(text.callback_booked, { when: body.callback.at.replace("T", " ") }), "ok");
        loadCallbacks();
      } else {
        say(text.disposition_saved, "ok");
      }
      if (agent.state === "ready" && !isCallUp()) armNext(call.campaign_id);
    } catch (error) {
      $("disposition-error").textContent = error.message || text.failed;
    } finally {
      button.disabled = false;
    }
  });

  function draw() {
    drawBar();
    drawCall();
    drawDisposition();
    drawLead();
    drawTools();
    drawTimers();
    drawCountdown();
  }

  function announceEnd(call) {
    const reason = text.reasons[call.cause];
    if (call.agent_leg) say(text.agent_leg[call.agent_leg], "error");
    else if (reason) say(fill(text.blocked_number, { reason: reason }), "error");
    else say(fill(text.call_ended, { status: text.statuses[call.status] || call.status }), "info");
  }

  function take(state) {
    if (state.now) clockOffsetMs = Date.parse(state.now) - Date.now();
    const before = agent.call;
    agent = Object.assign({}, agent, state);
    const after = agent.call;
    const ended = before && before.is_up && after && after.id === before.id && !after.is_up;
    if (ended) announceEnd(after);
    draw();
    if (ended && agent.state === "wrapup") focusFirstQuestion();
    if (ended && agent.state === "ready") armNext(after.campaign_id);
    document.dispatchEvent(new CustomEvent("dialer:agent", { detail: agent }));
  }

  // The bar's notices taken from the stream. A read of /api/agent that a notice overtook may
  // hold the state from before it (the call still ringing after the push said connected):
  // such a read is dropped and made again, so an older state never replaces a newer one.
  // Still overtaken after a few reads (a very busy moment): the work on screen from the last
  // read, the bar from the newest notice.
  let pushed = 0;
  let lastPush = {};
  const REREADS = 4;

  async function refresh() {
    for (let tries = 1; ; tries += 1) {
      const seen = pushed;
      let state;
      try {
        state = await api("GET", "/api/agent");
      } catch (_error) {
        return; /* shown by api() when it matters */
      }
      if (seen === pushed) return take(state);
      if (tries === REREADS) return take(Object.assign({}, state, lastPush));
    }
  }

  // ------------------------------------------------------------------ actions

  function fail(error) {
    say(error && error.message ? error.message : text.failed, "error");
  }

  $("get-lead").addEventListener("click", async () => {
    const campaignId = $("campaign").value;
    if (!campaignId) return say(text.pick_campaign, "error");
    $("get-lead").disabled = true;
    const chosen = campaignOf(Number(campaignId));
    if (chosen && chosen.dial_mode === "progressive") {
      await armNext(Number(campaignId), true);
      drawTools();
      return;
    }
    try {
      const result = await api("POST", "/api/leads/next", { campaign_id: Number(campaignId) });
      if (result.lead) {
        say("");
        take({ lead: result.lead, survey_saved: false, survey_draft: {} });
        if (!$("call-lead").disabled) $("call-lead").focus();
      } else {
        say(result.reason.message, "info");
      }
    } catch (error) {
      fail(error);
    } finally {
      drawTools();
    }
  });

  // ------------------------------------------------- progressive dialing

  // The server keeps the countdown's end (agent.autodial_at) and refuses to dial before it, after a
  // pause or twice; the page shows it and asks for the call when it is over.
  let dialAskedFor = null;

  async function armNext(campaignId, fromGetLead) {
    const campaign = campaignId ? campaignOf(Number(campaignId)) : null;
    if (!campaign || campaign.dial_mode !== "progressive") return;
    if (!fromGetLead && !$("disposition-form").hidden) return; // the disposition comes first
    try {
      showArmed(await api("POST", "/api/progressive/next", { campaign_id: campaign.id }));
    } catch (error) {
      fail(error);
    }
  }

  function showArmed(result) {
    if (result.now) clockOffsetMs = Date.parse(result.now) - Date.now();
    if (result.lead) {
      if (!agent.call || agent.call.is_up === false) say("");
      take({ lead: result.lead, survey_saved: false, survey_draft: {}, autodial_at: result.dial_at });
    } else {
      take({ autodial_at: null });
      say(result.reason.message, "info");
    }
  }

  function drawCountdown() {
    const box = $("countdown");
    const armed = Boolean(agent.autodial_at && agent.lead && agent.state === "ready" && !isCallUp());
    box.hidden = !armed;
    if (!armed) return;
    const left = Math.max(0, Math.ceil((Date.parse(agent.autodial_at) - serverNow()) / 1000));
    document.querySelector('[data-testid="countdown-text"]').textContent = fill(text.next_call_in, { seconds: left });
    if (left === 0 && dialAskedFor !== agent.autodial_at) dialArmed();
  }

  async function dialArmed() {
    dialAskedFor = agent.autodial_at;
    try {
      const result = await api("POST", "/api/progressive/dial", { lead_id: agent.lead.id });
      say("");
      take(Object.assign({ autodial_at: null }, result.agent));
    } catch (error) {
      if (error.code === "countdown_running") {
        // This page's clock ran ahead of the server's: ask again in a moment, quietly.
        setTimeout(() => (dialAskedFor = null), 500);
        return;
      }
      fail(error);
      refresh();
    }
  }

  $("countdown-stop").addEventListener("click", async () => {
    try {
      take((await api("POST", "/api/progressive/stop")).agent);
      say(text.countdown_stopped, "info");
    } catch (error) {
      fail(error);
    }
  });

  $("countdown-skip").addEventListener("click", async () => {
    if (!agent.lead) return;
    try {
      showArmed(await api("POST", "/api/progressive/skip", { campaign_id: agent.lead.campaign.id }));
    } catch (error) {
      fail(error);
    }
  });

  async function startCall(body) {
    try {
      say("");
      const result = await api("POST", "/api/calls", body);
      take(result.agent);
    } catch (error) {
      fail(error);
      drawTools();
    }
  }

  $("call-lead").addEventListener("click", () => {
    if (!agent.lead) return;
    $("call-lead").disabled = true;
    startCall({ lead_id: agent.lead.id });
  });

  $("callout-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const number = $("callout-number").value.trim();
    if (!number) return say(text.enter_number, "error");
    $("callout-button").disabled = true;
    $("callout-number").disabled = true;
    startCall({ number: number });
  });

  $("hangup").addEventListener("click", async () => {
    if (!agent.call) return;
    $("hangup").disabled = true;
    try {
      await api("POST", "/api/calls/" + agent.call.id + "/hangup");
    } catch (error) {
      fail(error);
      $("hangup").disabled = false;
    }
  });

  let surveyPending = false;

  function surveyAnswers() {
    const answers = {};
    document.querySelectorAll("#survey-questions fieldset").forEach((field) => {
      const id = field.dataset.questionId;
      const inputs = Array.from(field.querySelectorAll("input, textarea"));
      const checkbox = inputs.filter((i) => i.type === "checkbox");
      const radio = inputs.filter((i) => i.type === "radio");
      if (checkbox.length) answers[id] = checkbox.filter((i) => i.checked).map((i) => i.value);
      else if (radio.length) answers[id] = (radio.find((i) => i.checked) || {}).value || null;
      else answers[id] = inputs[0].value;
    });
    return answers;
  }

  // Survey drafts: the answers typed so far go to the server as they are typed, so a reload or
  // a language switch brings them back (O3).
  let draftTimer = null;

  function draftCallId() {
    const lead = agent.lead;
    if (!lead || !agent.call || agent.call.lead_id !== lead.id || agent.survey_saved) return null;
    return agent.call.id;
  }

  function restoreDraft(answers) {
    Object.entries(answers).forEach(([id, value]) => {
      const field = document.querySelector('#survey-questions fieldset[data-question-id="' + id + '"]');
      if (!field || value === null || value === undefined) return;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      field.querySelectorAll("input, textarea").forEach((input) => {
        if (input.type === "radio" || input.type === "checkbox") input.checked = values.includes(input.value);
        else input.value = values[0];
      });
    });
  }

  function sendDraft(keepalive) {
    draftTimer = null;
    const callId = draftCallId();
    if (callId === null || surveyPending) return Promise.resolve();
    return fetch("/api/calls/" + callId + "/survey/draft", {
      method: "PUT",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "X-CSRFToken": csrfToken, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ answers: surveyAnswers() }),
    })
      .then((response) => {
        if (response.ok) $("survey-panel").dataset.draft = "kept";
      })
      .catch(() => {});
  }

  function flushDraft() {
    if (draftTimer === null) return Promise.resolve();
    clearTimeout(draftTimer);
    return sendDraft(false);
  }

  function draftSoon() {
    if (draftCallId() === null) return;
    $("survey-panel").dataset.draft = "typing";
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => sendDraft(false), 600);
  }

  $("survey-form").addEventListener("input", draftSoon);
  $("survey-form").addEventListener("change", draftSoon);
  window.addEventListener("pagehide", () => {
    if (draftTimer !== null) {
      clearTimeout(draftTimer);
      sendDraft(true);
    }
  });

  $("survey-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("save-survey");
    if (button.disabled || surveyPending || !agent.call) return;
    surveyPending = true;
    button.disabled = true; // pressed once: a second click does nothing (O3)
    const callId = agent.call.id;
    surveyKeys[callId] = surveyKeys[callId] || newKey();
    document.querySelectorAll("[data-error-for]").forEach((p) => (p.textContent = ""));
    $("survey-error").textContent = "";
    try {
      const result = await api("PUT", "/api/calls/" + callId + "/survey", { answers: surveyAnswers() }, { "Idempotency-Key": surveyKeys[callId] });
      surveyPending = false;
      clearTimeout(draftTimer);
      draftTimer = null;
      take(Object.assign({ survey_saved: true, survey_draft: {} }, result.agent));
      // Saved while the customer is still on the line: the agent is not Ready yet.
      say(result.agent.call && result.agent.call.is_up ? text.survey_saved_in_call : text.survey_saved, "ok");
      if (agent.state === "ready" && !isCallUp()) armNext(agent.call.campaign_id);
    } catch (error) {
      surveyPending = false;
      if (error.code === "survey_invalid") {
        Object.entries(error.errors).forEach(([id, message]) => {
          const slot = document.querySelector('[data-error-for="' + id + '"]');
          if (slot) slot.textContent = message;
        });
        $("survey-error").textContent = text.survey_fix;
        button.disabled = false; // nothing was saved: the agent fixes the answers and saves
      } else {
        $("survey-error").textContent = error.message || text.failed;
        button.disabled = error.code === "already_saved";
      }
    }
  });

  // Pause: pick a reason, then confirm (A3).
  $("pause-button").addEventListener("click", () => {
    // A pause asked during a progressive countdown stops it at once, before a reason is picked.
    if (!$("countdown").hidden) {
      api("POST", "/api/progressive/stop").then((result) => take(result.agent)).catch(fail);
    }
    $("pause-reason").value = "";
    $("pause-error").textContent = "";
    $("pause-dialog").showModal();
  });
  $("pause-cancel").addEventListener("click", () => $("pause-dialog").close());
  $("pause-confirm").addEventListener("click", async () => {
    const reasonId = $("pause-reason").value;
    if (!reasonId) {
      $("pause-error").textContent = text.pick_reason;
      return;
    }
    try {
      take(await api("POST", "/api/agent/pause", { reason_id: Number(reasonId) }));
      $("pause-dialog").close();
    } catch (error) {
      $("pause-error").textContent = error.message || text.failed;
    }
  });
  async function goReady(leaveSurvey) {
    try {
      await flushDraft();
      take(await api("POST", "/api/agent/ready", leaveSurvey ? { leave_survey: true } : {}));
      say("");
    } catch (error) {
      if (error.code === "survey_unsaved") $("wrapup-dialog").showModal();
      else fail(error);
    }
  }
  $("ready-button").addEventListener("click", () => goReady(false));
  // Ready in wrap-up with the survey unsaved asks first: back to the survey, or leave it.
  $("wrapup-back").addEventListener("click", () => {
    $("wrapup-dialog").close();
    const first = document.querySelector("#survey-questions input, #survey-questions textarea");
    if (first) first.focus();
  });
  $("wrapup-leave").addEventListener("click", () => {
    $("wrapup-dialog").close();
    goReady(true);
  });

  // Keyboard: Alt+letter presses the button that shows it; "?" lists them (help overlay).
  const SHORTCUTS = { g: "get-lead", c: "call-lead", h: "hangup", s: "save-survey", p: "pause-button", r: "ready-button" };

  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA)$/.test(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (gone || document.querySelector("dialog[open]")) return;
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      // By physical key: on a Mac, Alt+G types a symbol, not "g".
      const letter = event.code && event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : "";
      const button = $(SHORTCUTS[letter] || "");
      if (button && !button.disabled && button.offsetParent !== null) {
        event.preventDefault();
        button.click();
      }
    } else if (event.key === "?" && !isTyping(event.target)) {
      event.preventDefault();
      $("shortcuts-dialog").showModal();
    }
  });
  $("shortcuts-button").addEventListener("click", () => $("shortcuts-dialog").showModal());
  $("shortcuts-close").addEventListener("click", () => $("shortcuts-dialog").close());

  function focusFirstQuestion() {
    const first = document.querySelector("#survey-questions input, #survey-questions textarea");
    if (first && !$("survey-panel").hidden) first.focus();
  }

  // Sign out asks Yes/No (A5).
  $("logout-button").addEventListener("click", () => $("logout-dialog").showModal());
  $("logout-no").addEventListener("click", () => $("logout-dialog").close());
  $("logout-yes").addEventListener("click", async () => {
    try {
      await api("DELETE", "/api/session");
    } catch (_error) {
      /* signed out either way */
    }
    gone = true;
    window.location.assign("/login");
  });

  function signedOut(message) {
    if (gone) return;
    gone = true;
    if (source) source.close();
    document.querySelectorAll("button, input, select, textarea").forEach((el) => {
      if (!el.closest("#gone-dialog")) el.disabled = true;
    });
    $("gone-text").textContent = message;
    document.querySelectorAll("dialog[open]").forEach((d) => d.close());
    $("gone-dialog").showModal();
  }

  // ----------------------------------------------------------- live updates

  let source = null;

  function listen() {
    source = new EventSource("/api/events");
    source.onmessage = (event) => {
      const message = JSON.parse(event.data);
      document.dispatchEvent(new CustomEvent("dialer:event", { detail: message }));
      if (message.event === "agent") {
        const leadChanged = message.data.lead_id !== (agent.lead && agent.lead.status === "claimed" ? agent.lead.id : null);
        const callEnded = message.data.call && !message.data.call.is_up;
        // A call the dialer placed (predictive) arrives bridged, with a lead this screen has not
        // loaded: a new call brings its lead and survey.
        const newCall = message.data.call && (!agent.call || agent.call.id !== message.data.call.id);
        pushed += 1;
        lastPush = message.data;
        take(message.data);
        if (leadChanged || callEnded || newCall) refresh();
      } else if (message.event === "pbx") {
        $("pbx-alert").hidden = message.data.health !== "down";
      } else if (message.event === "session_replaced") {
        if (message.data.session_id === mySession) signedOut(text.replaced);
      } else if (message.event === "forced_logout") {
        signedOut(fill(text.forced_logout, { name: message.data.by }));
      } else if (message.event === "signed_out") {
        signedOut(text.signed_out);
      } else if (message.event === "hello") {
        refresh(); // after a reconnect: catch up with what happened in the gap
      } else if (message.event === "agent_state") {
        refresh();
      }
    };
    source.onerror = () => {
      if (gone) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out?) rather than a blip: ask, then try again.
        refresh().finally(() => {
          if (!gone) setTimeout(listen, 2000);
        });
      }
    };
  }

  // ------------------------------------------------------------------- start

  data.reasons.forEach((reason) => {
    const option = document.createElement("option");
    option.value = reason.id;
    option.textContent = reasonName(reason);
    $("pause-reason").appendChild(option);
  });
  data.campaigns.forEach((campaign) => {
    const option = document.createElement("option");
    option.value = campaign.id;
    option.textContent = campaign.name;
    $("campaign").appendChild(option);
  });
  // The held lead's campaign, else the one this agent picked last (kept by the server).
  const chosen = agent.lead ? agent.lead.campaign.id : data.chosen_campaign_id;
  if (chosen && data.campaigns.some((c) => c.id === chosen)) $("campaign").value = String(chosen);
  $("campaign").addEventListener("change", () => {
    drawTools();
    // Kept by the server: the next sign-in, on any PC, offers this campaign first.
    api("PUT", "/api/agent/campaign", { campaign_id: Number($("campaign").value) }).catch(() => {});
  });

  take(agent);
  loadCallbacks();
  // The first field has the focus: the campaign to work, or the survey of a call in wrap-up.
  if (agent.state === "wrapup") focusFirstQuestion();
  else if (!$("campaign").disabled) $("campaign").focus();
  listen();
  document.body.dataset.ready = "1"; // every control is wired
  setInterval(drawTimers, 1000);
  setInterval(drawCountdown, 250);
  // A second heartbeat beside the stream, for proxies that buffer it.
  setInterval(() => {
    if (!gone) api("POST", "/api/agent/heartbeat").catch(() => {});
  }, 15000);
})();
