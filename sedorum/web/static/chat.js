/* Starts the rasa-webchat widget (bundled from the npm registry into vendor/webchat.js) and adds
 * what the package lacks: accessible names, keyboard-operable quick replies, an indicator while
 * the assistant is answering, room for the always-visible disclaimer, and a notice while the
 * connection is lost, with the unanswered message sent again once it is back.
 * No inline script: the pages' Content-Security-Policy allows scripts from this origin only. */
(function () {
  "use strict";

  var mount = document.getElementById("sedorum-chat");
  var disclaimer = document.getElementById("disclaimer");
  if (!mount || !window.WebChat) {
    return;
  }

  function fitDisclaimer() {
    if (disclaimer) {
      document.documentElement.style.setProperty("--disclaimer-h", disclaimer.offsetHeight + "px");
    }
  }
  fitDisclaimer();
  window.addEventListener("resize", fitDisclaimer);

  // "Answering" indicator: on from the moment a message is sent until a reply arrives
  // (or 20 s pass: a person may answer much later during a handoff).
  var pending = document.createElement("p");
  pending.className = "sedorum-pending";
  pending.setAttribute("role", "status");
  pending.setAttribute("aria-live", "polite");
  pending.innerHTML = '<span class="dot"></span><span class="dot"></span><span class="dot"></span><span class="label"></span>';
  var pendingTimer = null;
  function setPending(active) {
    pending.dataset.active = active ? "true" : "false";
    pending.querySelector(".label").textContent = active ? "The assistant is answering\u2026" : "";
    window.clearTimeout(pendingTimer);
    if (active) {
      pendingTimer = window.setTimeout(function () { setPending(false); }, 20000);
    }
  }
  setPending(false);

  // --- When the assistant is briefly unavailable ---------------------------------------------
  // The socket.io client reconnects by itself (to another assistant process while one restarts).
  // What it lacks: saying so, and the message whose answer was lost with the connection. Each
  // message carries an id (customData.message_id); the server acknowledges it once the turn is
  // stored. A message sent while connected and not acknowledged when the connection dropped is
  // sent again after the reconnection, marked `resend`: if its first copy was stored after all,
  // the server answers from the store instead of running it twice (sedorum/patches/turns.py).
  // A message typed while disconnected is queued by the socket.io client and sent on reconnection.
  var RESEND_WITHIN_MS = 120000;
  var unacknowledged = [];
  var toResend = [];
  var reconnecting = false;
  var connection = document.createElement("p");
  connection.className = "sedorum-connection";
  connection.setAttribute("role", "status");
  connection.setAttribute("aria-live", "polite");
  var connectionTimer = null;
  function setConnection(state) {
    connection.dataset.state = state;
    connection.textContent = state === "reconnecting"
      ? "Connection lost. Reconnecting\u2026 Nothing you write is lost: it is sent when the connection is back."
      : state === "reconnected" ? "Connected again." : "";
    window.clearTimeout(connectionTimer);
    if (state === "reconnected") {
      connectionTimer = window.setTimeout(function () { setConnection("connected"); }, 4000);
    }
  }
  setConnection("connected");

  function newMessageId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function settle(entry) {
    unacknowledged = unacknowledged.filter(function (other) { return other !== entry; });
  }

  // Wraps the socket's emit once: every user message gets an id and an acknowledgement.
  function watch(socket) {
    if (!socket || socket.sedorumWatched) {
      return;
    }
    socket.sedorumWatched = true;
    var emit = socket.emit;
    socket.emit = function (event, data) {
      var last = arguments[arguments.length - 1];
      if (event !== "user_uttered" || !data || typeof last === "function") {
        return emit.apply(this, arguments);
      }
      var custom = Object.assign({}, data.customData || {});
      custom.message_id = custom.message_id || newMessageId();
      var entry = {
        payload: Object.assign({}, data, { customData: custom }),
        sentAt: Date.now(),
        queued: !socket.connected  // the client sends it on reconnection itself
      };
      unacknowledged.push(entry);
      return emit.call(this, event, entry.payload, function () { settle(entry); });
    };
    socket.on("disconnect", function () {
      reconnecting = true;
      setConnection("reconnecting");
      unacknowledged.forEach(function (entry) {
        if (!entry.queued && toResend.indexOf(entry) < 0) {
          toResend.push(entry);
        }
      });
      unacknowledged = unacknowledged.filter(function (entry) { return entry.queued; });
    });
    socket.on("connect", function () {
      // The client has just sent what it queued while disconnected.
      unacknowledged.forEach(function (entry) { entry.queued = false; });
    });
    socket.on("session_confirm", function (confirmed) {
      if (!reconnecting) {
        return;
      }
      reconnecting = false;
      setConnection("reconnected");
      var sessionId = (confirmed && confirmed.session_id) || confirmed;
      var due = toResend.filter(function (entry) { return Date.now() - entry.sentAt < RESEND_WITHIN_MS; });
      toResend = [];
      due.forEach(function (entry) {
        var custom = Object.assign({}, entry.payload.customData, { resend: true });
        setPending(true);
        socket.emit("user_uttered", Object.assign({}, entry.payload, { customData: custom, session_id: sessionId }));
      });
    });
  }

  // The assistant runs as several processes; every socket of one conversation must reach the
  // process that serves it, so the socket URL names the conversation the widget stored (none on
  // a first visit: the router then picks a process and keeps the socket there).
  function storedSessionId() {
    try {
      var stored = JSON.parse(window.localStorage.getItem("chat_session") || "null");
      return stored && typeof stored.session_id === "string" ? stored.session_id : "";
    } catch (error) {
      return "";
    }
  }
  var conversation = storedSessionId();

  window.WebChat.default(
    {
      socketUrl: window.location.origin + (conversation ? "/?conversation=" + encodeURIComponent(conversation) : ""),
      socketPath: "/socket.io/",
      initPayload: "/greet",
      title: "Sedorum helper",
      subtitle: "General information \u00b7 not a doctor",
      inputTextFieldHint: "Type your question, then press Enter",
      connectingText: "Connecting\u2026",
      hideWhenNotConnected: false,
      showMessageDate: false,
      params: { storage: "local" },
      customMessageDelay: function (text) {
        // Short, so a staff reply shows within a second; the dots still flash for each message.
        return Math.min(700, Math.max(300, (text || "").length * 4));
      },
      onSocketEvent: {
        // `this` is the socket.io client socket (its emitter calls listeners with it).
        connect: function () { watch(this); },
        bot_uttered: function () { setPending(false); },
        disconnect: function () { setPending(false); }
      }
    },
    mount
  );

  function label(selector, text) {
    mount.querySelectorAll(selector).forEach(function (el) {
      if (el.getAttribute("aria-label") !== text) {
        el.setAttribute("aria-label", text);
      }
    });
  }

  function enhance() {
    var launcher = mount.querySelector(".rw-launcher");
    if (launcher) {
      var open = !!mount.querySelector(".rw-conversation-container");
      label(".rw-launcher", open ? "Close the chat" : "Open the chat with the Sedorum assistant");
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
    }
    label(".rw-new-message", "Your message");
    label(".rw-send", "Send");
    label(".rw-close-button", "Close the chat");
    var log = mount.querySelector(".rw-messages-container");
    if (log && log.getAttribute("role") !== "log") {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Conversation");
    }
    // Quick replies are plain <div>s in rasa-webchat 1.0.1: make them buttons for keyboards.
    mount.querySelectorAll(".rw-reply:not(a)").forEach(function (el) {
      if (el.getAttribute("role") !== "button") {
        el.setAttribute("role", "button");
        el.setAttribute("tabindex", "0");
      }
    });
    var sender = mount.querySelector(".rw-sender");
    if (sender && pending.parentNode !== sender.parentNode) {
      sender.parentNode.insertBefore(pending, sender);
    }
    if (sender && connection.parentNode !== sender.parentNode) {
      sender.parentNode.insertBefore(connection, pending);
    }
  }

  new MutationObserver(enhance).observe(mount, { childList: true, subtree: true });
  enhance();

  // Enter or Space on a focused quick reply chooses it, like a click.
  mount.addEventListener("keydown", function (event) {
    var reply = event.target.closest && event.target.closest(".rw-reply:not(a)");
    if (reply && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      reply.click();
    }
  });

  // Anything the visitor sends starts the "answering" indicator.
  mount.addEventListener("submit", function (event) {
    var input = mount.querySelector(".rw-new-message");
    if (event.target.closest(".rw-sender") && input && input.value.trim()) {
      setPending(true);
    }
  }, true);
  mount.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".rw-reply:not(a)")) {
      setPending(true);
    }
  }, true);
})();
