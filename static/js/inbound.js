/* The inbound part of the agent desktop (I1-I4, A6): screen pop, contact, Report XCM, phone history.
 *
 * Live updates come from the desktop's server-sent events (/api/events), which desktop.js
 * re-tells as "dialer:event" (inbound_offer, inbound_connected, inbound_ended) and
 * "dialer:agent" DOM events. Everything else goes through the JSON API.
 */
(function () {
  "use strict";

  const panel = document.getElementById("inbound-panel");
  if (!panel) return;
  const T = JSON.parse(panel.dataset.texts);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (selector, root) => (root || panel).querySelector(selector);
  const view = $("#caller-view");
  const toast = $("#inbound-toast");
  const cw = $("#show-cw");
  const contactForm = $(".contact-form");
  const xcmForm = $(".xcm-form");
  const phoneRows = $(".phone-history tbody");

  const current = { callId: null, number: "", contact: null, page: 0, xcmKey: null, saving: false };
  let summary = JSON.parse(cw.dataset.summary);
  let clockSkewMs = 0;

  // ------------------------------------------------------------ the API

  async function api(method, url, body, headers) {
    const init = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json", "X-CSRFToken": csrf }, headers || {}),
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(url, init);
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, data: data };
    } catch (error) {
      return { ok: false, status: 0, data: { message: T.network } };
    }
  }

  function newKey() {
    // crypto.randomUUID needs a secure context; plain-http call-centre LANs are not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n) => String(n).padStart(2, "0");
    return h ? h + ":" + pad(m) + ":" + pad(s % 60) : m + ":" + pad(s % 60);
  }

  // The server gives each call's date and hour in the configured zone, whatever this PC's zone is.
  function localDate(row) {
    return row.date + " " + String(row.hour || "").slice(0, 5);
  }

  function setText(root, selector, text) {
    const node = $(selector, root);
    if (node) node.textContent = text;
  }

  function showErrors(form, errors) {
    form.querySelectorAll("[data-error]").forEach((node) => {
      node.textContent = (errors || {})[node.dataset.error] || "";
    });
  }

  // -------------------------------------------------- notification and bar

  function setVipAlert(isVip) {
    const bar = document.getElementById("agent-bar");
    // An attribute on the bar itself survives the desktop redrawing the bar's content.
    if (bar) {
      if (isVip) bar.setAttribute("data-vip-alert", "★ " + T.vip_alert);
      else bar.removeAttribute("data-vip-alert");
    }
    $("[data-testid=cw-vip]").hidden = !isVip;
  }

  function showToast(title, data) {
    // In the caller view's flow, above its boxes: it never covers the contact or the XCM form.
    if (toast.parentElement !== view) view.prepend(toast);
    toast.dataset.callId = data.call_id;
    setText(toast, ".toast-title", title);
    setText(toast, ".toast-number", data.number || T.hidden_number);
    setText(toast, ".toast-name", data.name || T.unknown_caller);
    $("[data-testid=toast-vip]", toast).hidden = !data.is_vip;
    toast.classList.toggle("vip", !!data.is_vip);
    toast.hidden = false;
  }

  // ----------------------------------------------------------- caller view

  function openCaller(data) {
    if (current.callId !== data.call_id) {
      current.callId = data.call_id;
      current.number = data.number || "";
      current.xcmKey = newKey();
      current.saving = false;
      xcmForm.reset();
      showErrors(xcmForm, {});
      setText(xcmForm, "[data-testid=xcm-message]", "");
      xcmForm.querySelectorAll("select, textarea, button").forEach((el) => (el.disabled = false));
      showContact(data.contact);
      loadPhoneHistory(true);
    }
    setText(view, "[data-testid=caller-number]", current.number || T.hidden_number);
    $("[data-testid=caller-vip]", view).hidden = !data.is_vip;
    $("[data-testid=caller-close]", view).hidden = true;
    view.hidden = false;
  }

  function closeCaller() {
    view.hidden = true;
    current.callId = null;
    $("[data-testid=report-view]").hidden = true;
  }

  function showContact(contact) {
    current.contact = contact;
    const fields = ["name", "email", "address", "notes"];
    fields.forEach((field) => {
      const value = contact ? contact[field] : "";
      setText(view, '.contact-view [data-field="' + field + '"]', value || (field === "name" ? T.unknown_caller : ""));
    });
    contactForm.hidden = true;
    $(".contact-view", view).hidden = false;
    $(".contact-edit", view).hidden = !current.number;
    setText(view, "[data-testid=contact-message]", "");
  }

  function editContact() {
    const contact = current.contact || {};
    ["name", "email", "address", "notes"].forEach((field) => {
      contactForm.elements[field].value = contact[field] || "";
    });
    contactForm.elements.is_vip.checked = !!contact.is_vip;
    showErrors(contactForm, {});
    contactForm.hidden = false;
    $(".contact-view", view).hidden = true;
    $(".contact-edit", view).hidden = true;
    contactForm.elements.name.focus();
  }

  async function updateContact(event) {
    event.preventDefault();
    const button = $("[data-testid=contact-update]", contactForm);
    button.disabled = true;
    const body = {
      name: contactForm.elements.name.value,
      email: contactForm.elements.email.value,
      address: contactForm.elements.address.value,
      notes: contactForm.elements.notes.value,
      is_vip: contactForm.elements.is_vip.checked,
    };
    const result = current.contact
      ? await api("PUT", "/api/contacts/" + current.contact.id, body)
      : await api("POST", "/api/contacts", Object.assign({ number: current.number, call_id: current.callId }, body));
    button.disabled = false;
    if (!result.ok) {
      showErrors(contactForm, result.data.errors);
      setText(view, "[data-testid=contact-message]", result.data.message || "");
      return;
    }
    const created = !current.contact;
    showContact(result.data);
    setText(view, "[data-testid=contact-message]", created ? T.contact_created : T.contact_updated);
    $("[data-testid=caller-vip]", view).hidden = !result.data.is_vip;
    if (!toast.hidden && Number(toast.dataset.callId) === current.callId) {
      setText(toast, ".toast-name", result.data.name || T.unknown_caller);
    }
    if (!view.hidden && summary.current && summary.current.call_id === current.callId) {
      setVipAlert(result.data.is_vip);
    }
  }

  // ------------------------------------------------------------ Report XCM

  async function saveXcm(event) {
    event.preventDefault();
    if (current.saving) return;
    const button = $("[data-testid=xcm-save]", xcmForm);
    current.saving = true;
    button.disabled = true;  // at once: a double click must not send twice
    const body = { category: xcmForm.elements.category.value, note: xcmForm.elements.note.value };
    const result = await api("PUT", "/api/calls/" + current.callId + "/xcm", body, {
      "Idempotency-Key": current.xcmKey,
    });
    showErrors(xcmForm, result.data.errors);
    if (result.ok || result.status === 409) {
      xcmForm.elements.category.disabled = true;
      xcmForm.elements.note.disabled = true;
      setText(xcmForm, "[data-testid=xcm-message]", result.ok ? T.saved : result.data.message);
      loadPhoneHistory(true);
      return;  // saved: the button stays disabled
    }
    // Nothing was saved: the same key may be sent again safely.
    current.saving = false;
    button.disabled = false;
    setText(xcmForm, "[data-testid=xcm-message]", T.save_failed.replace("{reason}", result.data.message || ""));
  }

  // --------------------------------------------------------- phone history

  async function loadPhoneHistory(fromStart) {
    const number = current.number;
    const more = $("[data-testid=phone-more]");
    if (fromStart) {
      phoneRows.textContent = "";
      current.page = 0;
      $("[data-testid=report-view]").hidden = true;
    }
    if (!number) {
      more.hidden = true;
      $(".phone-empty").hidden = false;
      return;
    }
    more.disabled = true;
    const page = current.page + 1;
    const url = "/api/contacts/by-number/" + encodeURIComponent(number) + "/calls?page=" + page;
    const result = await api("GET", url);
    more.disabled = false;
    if (!result.ok || number !== current.number) return;
    current.page = page;
    result.data.rows.forEach(addPhoneRow);
    more.hidden = !result.data.has_more;
    $(".phone-empty").hidden = phoneRows.children.length > 0;
  }

  function addPhoneRow(row) {
    const tr = document.createElement("tr");
    tr.dataset.callId = row.call_id;
    tr.className = "phone-row" + (row.call_id === current.callId ? " current" : "");
    const cells = [
      localDate(row),
      row.direction === "inbound" ? T.inbound : T.outbound,
      row.agent_name,
      row.status || T.in_progress,
      duration(row.talk_s),
      row.has_xcm ? "✎" : "",
    ];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 4) td.className = "num";
      tr.appendChild(td);
    });
    tr.addEventListener("click", () => openReport(row.call_id));
    phoneRows.appendChild(tr);
  }

  async function openReport(callId) {
    const box = $("[data-testid=report-view]");
    const result = await api("GET", "/api/calls/" + callId + "/xcm");
    box.hidden = false;
    if (!result.ok) {
      setText(box, ".report-category", T.no_report);
      setText(box, ".report-agent", "");
      setText(box, ".report-when", "");
      setText(box, ".report-note", "");
      return;
    }
    setText(box, ".report-category", result.data.category_label);
    setText(box, ".report-agent", result.data.agent_name);
    setText(box, ".report-when", result.data.saved_at);
    setText(box, ".report-note", result.data.note);
  }

  // ------------------------------------------------------------ Show CW box

  function drawSummary() {
    const call = summary.current;
    setText(cw, "[data-testid=cw-inbound]", summary.inbound_today);
    setText(cw, "[data-testid=cw-outbound]", summary.outbound_today);
    setText(cw, "[data-testid=cw-direction]", call ? (call.direction === "inbound" ? T.inbound : T.outbound) : "");
    setText(cw, "[data-testid=cw-number]", call ? call.number || T.hidden_number : "");
    $(".cw-none", cw).hidden = !!call;
    tick();
    setVipAlert(!!summary.is_vip);
  }

  function tick() {
    const call = summary.current;
    const since = call && call.since ? Date.parse(call.since) : null;
    setText(cw, "[data-testid=cw-duration]", since ? duration((Date.now() + clockSkewMs - since) / 1000) : "");
  }

  async function refreshSummary() {
    const result = await api("GET", "/api/history/summary");
    if (!result.ok) return;
    summary = result.data;
    clockSkewMs = Date.parse(summary.now) - Date.now();
    drawSummary();
    const call = summary.current;
    if (call && call.direction === "inbound" && current.callId !== call.call_id) {
      resumeCall(call);
    }
  }

  async function resumeCall(call) {
    // After a reload in the middle of a call: open the caller view again.
    const result = await api("GET", "/api/contacts/by-number/" + encodeURIComponent(call.number));
    const contact = result.ok ? result.data.contact : null;
    openCaller({
      call_id: call.call_id,
      number: call.number,
      contact: contact,
      is_vip: summary.is_vip,
    });
  }

  // ------------------------------------------------------------ live events

  const handlers = {
    inbound_offer: (data) => {
      showToast(T.incoming, data);
      openCaller(data);
      setText(view, "[data-testid=caller-status]", T.incoming);
      setVipAlert(data.is_vip);
      refreshSummary();
    },
    inbound_connected: (data) => {
      showToast(T.connected, data);  // stays while the call is up: who is on the line
      openCaller(data);
      setText(view, "[data-testid=caller-status]", T.connected);
      setVipAlert(data.is_vip);
      refreshSummary();
    },
    inbound_ended: (data) => {
      toast.hidden = true;
      setVipAlert(false);
      if (data.call_id === current.callId) {
        const missed = data.reason === "answered_elsewhere" || data.status === "RINGNOANSWER";
        if (missed) closeCaller();
        else {
          setText(view, "[data-testid=caller-status]", T.ended + (data.status ? " · " + data.status : ""));
          $("[data-testid=caller-close]", view).hidden = false;
        }
      }
      refreshSummary();
    },
  };

  // The desktop owns the one stream and re-tells each message as a "dialer:event".
  document.addEventListener("dialer:event", (event) => {
    const message = event.detail || {};
    if (handlers[message.event]) handlers[message.event](message.data || {});
  });
  let pending = null;
  document.addEventListener("dialer:agent", () => {
    clearTimeout(pending);  // a burst of bar updates needs one refresh
    pending = setTimeout(refreshSummary, 200);
  });

  // -------------------------------------------------------------- wiring

  $(".contact-edit", view).addEventListener("click", editContact);
  $(".contact-cancel", view).addEventListener("click", () => showContact(current.contact));
  contactForm.addEventListener("submit", updateContact);
  xcmForm.addEventListener("submit", saveXcm);
  $("[data-testid=phone-more]").addEventListener("click", () => loadPhoneHistory(false));
  $(".report-close").addEventListener("click", () => ($("[data-testid=report-view]").hidden = true));
  $("[data-testid=caller-close]", view).addEventListener("click", closeCaller);
  toast.addEventListener("click", () => view.scrollIntoView({ behavior: "smooth" }));
  drawSummary();
  setInterval(tick, 1000);
  if (summary.current && summary.current.direction === "inbound") resumeCall(summary.current);
})();
