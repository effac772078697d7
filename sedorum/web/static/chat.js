/* Starts the rasa-webchat widget (bundled from the npm registry into vendor/webchat.js) and adds
 * what the package lacks: accessible names, keyboard-operable quick replies, an indicator while
 * the assistant is answering, and room for the always-visible disclaimer.
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

  window.WebChat.default(
    {
      socketUrl: window.location.origin,
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
