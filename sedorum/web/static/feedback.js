/* Thumbs up / down under each answer of the assistant in the chat widget.
 * Real <button>s (Tab, Enter and Space work), with names for screen readers. A vote is posted
 * to /feedback, outside the conversation: it does not show in the chat or disturb a form.
 * "Not helpful" offers to talk to a person, which sends that request as the visitor's message. */
(function () {
  "use strict";

  var mount = document.getElementById("sedorum-chat");
  if (!mount) {
    return;
  }
  var PERSON_REQUEST = "I would like to talk to a person";

  function sessionId() {
    try {
      return JSON.parse(window.localStorage.getItem("chat_session")).session_id || null;
    } catch (error) {
      return null;
    }
  }

  // A thumb drawn inline (no emoji font needed, nothing fetched); pointing down when flipped.
  var THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59" +
    "C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  function thumb(down) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (down) {
      svg.style.transform = "rotate(180deg)";
    }
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function button(content, label, className) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = className;
    if (typeof content === "string") {
      node.textContent = content;
    } else {
      node.appendChild(content);
    }
    node.setAttribute("aria-label", label);
    node.setAttribute("aria-pressed", "false");
    return node;
  }

  function askForPerson() {
    var input = mount.querySelector(".rw-new-message");
    var form = mount.querySelector(".rw-sender");
    if (!input || !form) {
      return;
    }
    // The widget's input is a React-controlled field: set it the way typing does.
    var proto = Object.getPrototypeOf(input);
    Object.getOwnPropertyDescriptor(proto, "value").set.call(input, PERSON_REQUEST);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    }
  }

  function vote(box, bubble, value) {
    var status = box.querySelector(".sedorum-feedback-status");
    var sender = sessionId();
    if (!sender) {
      status.textContent = "Thanks.";
      return;
    }
    box.querySelectorAll("button[aria-pressed]").forEach(function (other) {
      other.setAttribute("aria-pressed", other.dataset.value === value ? "true" : "false");
    });
    fetch("/feedback", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ sender_id: sender, text: bubble.innerText, value: value })
    }).then(function (reply) {
      status.textContent = reply.ok ? "Thanks for telling us." : "Your vote could not be saved.";
    }).catch(function () {
      status.textContent = "Your vote could not be saved.";
    });
    var offer = box.querySelector(".sedorum-feedback-person");
    if (value === "down" && !offer) {
      offer = button("Talk to a person", "Talk to a person from our support team", "sedorum-feedback-person");
      offer.removeAttribute("aria-pressed");
      offer.addEventListener("click", function () {
        offer.disabled = true;
        askForPerson();
      });
      box.appendChild(offer);
    } else if (value === "up" && offer) {
      offer.remove();
    }
  }

  function decorate() {
    mount.querySelectorAll(".rw-response").forEach(function (bubble) {
      var holder = bubble.parentNode;
      if (!holder || holder.querySelector(".sedorum-feedback")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "sedorum-feedback";
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "Was this answer helpful?");
      var up = button(thumb(false), "Helpful", "sedorum-vote");
      up.dataset.value = "up";
      var down = button(thumb(true), "Not helpful", "sedorum-vote");
      down.dataset.value = "down";
      var status = document.createElement("span");
      status.className = "sedorum-feedback-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      [up, down].forEach(function (node) {
        node.addEventListener("click", function () { vote(box, bubble, node.dataset.value); });
        box.appendChild(node);
      });
      box.appendChild(status);
      holder.appendChild(box);
    });
  }

  new MutationObserver(decorate).observe(mount, { childList: true, subtree: true });
  decorate();
})();
