/* Review queue: lists conversations, shows each visitor message with the intent and confidence
 * the assistant used, and saves a person's "this was wrong; it meant X" mark. Text from
 * conversations is inserted as text, never as HTML. */
(function () {
  "use strict";

  var state = { intents: [], offset: 0, sender: null };

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

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

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  function loadList(append) {
    if (!append) { state.offset = 0; }
    var query = "?from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value) +
      "&unsure=" + ($("unsure").checked ? "1" : "0") + "&offset=" + state.offset;
    return api("GET", "/review/conversations" + query).then(function (reply) {
      var list = $("list");
      if (!append) { list.textContent = ""; }
      var rows = reply.data.conversations || [];
      rows.forEach(function (row) {
        var li = el("li");
        var button = el("button");
        button.type = "button";
        button.dataset.sender = row.sender_id;
        button.appendChild(el("span", row.sender_id));
        var flags = [row.day, row.channel, row.user_messages + (row.user_messages === 1 ? " message" : " messages")];
        if (row.unsure_messages) { flags.push(row.unsure_messages + " not understood"); }
        if (row.handoff) { flags.push("asked for a person"); }
        if (row.emergency) { flags.push("EMERGENCY"); }
        button.appendChild(el("span", flags.join(" · "), "meta"));
        button.addEventListener("click", function () { openConversation(row.sender_id); });
        li.appendChild(button);
        list.appendChild(li);
      });
      state.offset += rows.length;
      $("list-empty").hidden = list.children.length > 0;
      $("more").hidden = rows.length < (reply.data.page_size || 50);
    });
  }

  function markForm(message) {
    var form = el("form", null, "mark-form");
    var label = el("label", "It meant");
    var select = el("select");
    select.id = "intent-" + message.event_id;
    label.htmlFor = select.id;
    state.intents.forEach(function (name) {
      var option = el("option", name);
      option.value = name;
      select.appendChild(option);
    });
    if (message.mark) { select.value = message.mark.intent; }
    var save = el("button", "Save mark");
    save.type = "submit";
    var cancel = el("button", "Cancel", "secondary");
    cancel.type = "button";
    form.appendChild(label);
    form.appendChild(select);
    form.appendChild(save);
    form.appendChild(cancel);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("POST", "/review/marks", { event_id: message.event_id, intent: select.value }).then(function (reply) {
        $("notice").textContent = reply.status === 200 ? "Marked: should be " + select.value + "." : (reply.data.error || "Not saved.");
        return openConversation(state.sender);
      });
    });
    cancel.addEventListener("click", function () { form.remove(); });
    return form;
  }

  function renderMessage(message) {
    var li = el("li", null, message.who);
    li.dataset.eventId = message.event_id;
    li.appendChild(el("span", message.who === "visitor" ? "Visitor" : message.who === "staff" ? "Staff" : "Assistant", "who"));
    li.appendChild(el("span", message.text, "text"));
    if (message.who !== "visitor") { return li; }
    var confidence = typeof message.confidence === "number" ? message.confidence.toFixed(2) : "?";
    var reading = el("span", "Understood as " + (message.intent || "(nothing)") + " · confidence " + confidence, "reading");
    if (message.intent === "nlu_fallback" || (typeof message.confidence === "number" && message.confidence < 0.5)) {
      reading.classList.add("unsure");
    }
    li.appendChild(reading);
    if (message.mark) {
      li.appendChild(el("span", "Marked wrong: should be " + message.mark.intent + " (by " + message.mark.by + ")", "marked"));
      var remove = el("button", "Remove mark", "secondary");
      remove.type = "button";
      remove.addEventListener("click", function () {
        api("DELETE", "/review/marks/" + message.event_id).then(function () { return openConversation(state.sender); });
      });
      li.appendChild(remove);
    }
    var wrong = el("button", message.mark ? "Change" : "Mark reply as wrong", "secondary");
    wrong.type = "button";
    wrong.addEventListener("click", function () {
      if (!li.querySelector(".mark-form")) {
        var form = markForm(message);
        li.appendChild(form);
        form.querySelector("select").focus();
      }
    });
    li.appendChild(wrong);
    return li;
  }

  function openConversation(sender) {
    state.sender = sender;
    document.querySelectorAll("#list button").forEach(function (button) {
      button.setAttribute("aria-current", button.dataset.sender === sender ? "true" : "false");
    });
    return api("GET", "/review/conversation?sender=" + encodeURIComponent(sender)).then(function (reply) {
      var list = $("messages");
      list.textContent = "";
      if (reply.status !== 200) {
        $("conv-title").textContent = "Conversation not found";
        return;
      }
      $("conv-title").textContent = "Conversation " + sender;
      reply.data.messages.forEach(function (message) { list.appendChild(renderMessage(message)); });
    });
  }

  $("filter").addEventListener("submit", function (event) {
    event.preventDefault();
    loadList(false);
  });
  $("more").addEventListener("click", function () { loadList(true); });
  $("open-one").addEventListener("submit", function (event) {
    event.preventDefault();
    if ($("sender").value.trim()) { openConversation($("sender").value.trim()); }
  });

  var to = new Date();
  $("to").value = isoDay(to);
  $("from").value = isoDay(new Date(to.getTime() - 29 * 86400000));
  api("GET", "/review/intents").then(function (reply) {
    state.intents = reply.data.intents || [];
    var sender = new URLSearchParams(window.location.search).get("sender");
    if (sender) { openConversation(sender); }
    return loadList(false);
  });
})();
