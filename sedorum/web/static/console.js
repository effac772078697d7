/* Staff console: polls the handoff list and the open conversation, and sends claim, reply and
 * hand-back requests. Everything from visitors is inserted as text (never as HTML). */
(function () {
  "use strict";

  var REASONS = {
    asked_for_person: "Asked for a person",
    not_understood: "Not understood twice",
    order_problem: "Order or payment problem",
    emergency: "EMERGENCY (emergency instructions sent)"
  };
  var state = { me: null, selected: null, detail: null, busy: false };

  function $(id) { return document.getElementById(id); }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/staff/api" + path, options).then(function (reply) {
      if (reply.status === 401) {
        window.location.assign("/staff/login");
        throw new Error("signed out");
      }
      return reply.json().then(function (data) { return { status: reply.status, data: data }; });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function time(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return d.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  }

  function notice(text) { $("notice").textContent = text || ""; }

  function renderQueue(data) {
    var list = $("queue");
    var handoffs = data.handoffs || [];
    $("count").textContent = String(handoffs.length);
    $("queue-empty").hidden = handoffs.length > 0;
    var office = data.office || {};
    $("office").textContent = office.open ? "Office open" : "Office closed \u00b7 next opening " + (office.next_open || "");
    list.replaceChildren();
    handoffs.forEach(function (h) {
      var item = el("li", "reason-" + h.reason);
      var button = el("button");
      button.type = "button";
      button.dataset.id = String(h.id);
      button.dataset.sender = h.sender_id;
      button.setAttribute("aria-current", state.selected === h.id ? "true" : "false");
      button.appendChild(el("span", "reason", REASONS[h.reason] || h.reason));
      var who = h.claimed_by ? "claimed by " + h.claimed_by : "waiting since " + time(h.created_at);
      button.appendChild(el("span", "meta", "#" + h.id + " \u00b7 " + h.channel + " \u00b7 visitor " + h.sender_id.slice(0, 8)));
      button.appendChild(el("span", "meta", who));
      if (h.contact) {
        button.appendChild(el("span", "meta", "Contact left: " + h.contact));
      }
      if (h.findings && h.findings.length) {
        button.appendChild(el("span", "meta", "Findings: " + h.findings.join(", ")));
      }
      button.addEventListener("click", function () { select(h.id); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function renderDetail(data) {
    var h = data.handoff;
    state.detail = h;
    $("detail").hidden = false;
    $("detail-title").textContent = "Conversation #" + h.id;
    $("d-reason").textContent = REASONS[h.reason] || h.reason;
    $("d-findings").textContent = h.findings && h.findings.length ? h.findings.join(", ") : "none";
    $("d-status").textContent = h.status + (h.claimed_by ? " (" + h.claimed_by + ")" : "");
    $("d-channel").textContent = h.channel;
    $("d-contact").textContent = h.contact || "\u2014";
    $("d-created").textContent = time(h.created_at);
    var mine = h.status === "claimed" && h.claimed_by === state.me;
    $("claim").disabled = h.status !== "waiting";
    $("handback").disabled = !mine;
    $("close").disabled = !(mine || h.status === "waiting");
    $("reply").disabled = !mine;
    $("send").disabled = !mine;

    var list = $("transcript");
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren();
    (data.transcript || []).forEach(function (entry) {
      var item = el("li", entry.who);
      var who = entry.who === "staff" ? (entry.staff || "staff") + " (staff)" : entry.who;
      if (entry.who !== "system") {
        item.appendChild(el("span", "who", who + " \u00b7 " + time(entry.at)));
      }
      item.appendChild(document.createTextNode(entry.text || ""));
      if (entry.buttons && entry.buttons.length) {
        item.appendChild(el("span", "buttons", "Buttons: " + entry.buttons.join(" | ")));
      }
      list.appendChild(item);
    });
    if (atBottom) { list.scrollTop = list.scrollHeight; }

    var audit = $("audit");
    audit.replaceChildren();
    (data.audit || []).forEach(function (entry) {
      var line = time(entry.at) + " \u00b7 " + entry.actor + " " + entry.action + (entry.text ? ": " + entry.text : "");
      audit.appendChild(el("li", null, line));
    });
  }

  function refreshQueue() {
    return api("GET", "/handoffs").then(function (r) { renderQueue(r.data); }).catch(function () {});
  }

  function refreshDetail() {
    if (state.selected === null) { return Promise.resolve(); }
    var id = state.selected;
    return api("GET", "/handoffs/" + id).then(function (r) {
      if (r.status === 200 && state.selected === id) { renderDetail(r.data); }
    }).catch(function () {});
  }

  function select(id) {
    state.selected = id;
    notice("");
    refreshDetail();
    refreshQueue();
  }

  function act(path, body, done) {
    if (state.busy || state.selected === null) { return; }
    state.busy = true;
    api("POST", "/handoffs/" + state.selected + path, body).then(function (r) {
      if (r.status >= 400) {
        var who = r.data && r.data.claimed_by ? " (" + r.data.claimed_by + " has it)" : "";
        notice("Refused: " + ((r.data && r.data.error) || r.status) + who);
      } else if (done) {
        done(r.data);
      }
    }).finally(function () {
      state.busy = false;
      refreshDetail();
      refreshQueue();
    });
  }

  $("claim").addEventListener("click", function () {
    act("/claim", {}, function () { notice("You have this conversation. The assistant stays silent (except emergencies)."); $("reply").focus(); });
  });
  $("handback").addEventListener("click", function () {
    act("/release", { close: false }, function () { notice("Handed back to the assistant."); });
  });
  $("close").addEventListener("click", function () {
    act("/release", { close: true }, function () { notice("Conversation closed."); });
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text) { return; }
    act("/messages", { text: text }, function () { $("reply").value = ""; });
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  api("GET", "/me").then(function (r) { state.me = r.data.name; $("me").textContent = r.data.name; });
  refreshQueue();
  window.setInterval(refreshQueue, 1500);
  window.setInterval(refreshDetail, 1000);
})();
