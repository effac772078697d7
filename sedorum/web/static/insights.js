/* Insights page: reads /staff/api/insights for the chosen period and draws it with Chart.js
 * (bundled from the npm registry into /assets/vendor). Every text from the server is inserted
 * as text, never as HTML. */
(function () {
  "use strict";

  var charts = {};
  var COLORS = ["#0b5cad", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#8ab17d", "#b56576", "#355070", "#eaac8b"];

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  function lastDays(n) {
    var to = new Date();
    var from = new Date(to.getTime() - (n - 1) * 86400000);
    $("from").value = isoDay(from);
    $("to").value = isoDay(to);
  }

  function fillTable(id, rows, cells) {
    var body = $(id);
    body.textContent = "";
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", "Nothing in this period.", "muted");
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      cells(row).forEach(function (cell) {
        var td = el("td", cell.text === undefined ? cell : cell.text, cell.className);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function draw(id, type, labels, values, label) {
    if (!window.Chart) { return; }
    var data = { labels: labels, datasets: [{ label: label, data: values, backgroundColor: type === "doughnut" ? COLORS : "#0b5cad", borderColor: "#0b5cad" }] };
    if (charts[id]) {
      charts[id].data = data;
      charts[id].update();
      return;
    }
    charts[id] = new window.Chart($(id), {
      type: type,
      data: data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: type === "bar" && id === "chart-intents" ? "y" : "x",
        plugins: { legend: { display: type === "doughnut" } },
        scales: type === "doughnut" ? {} : {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function seconds(value) {
    if (value === null || value === undefined) { return "–"; }
    if (value < 120) { return Math.round(value) + " s"; }
    return (value / 60).toFixed(1) + " min";
  }

  function trend(row) {
    if (row.change_pct === null) { return { text: row.count ? "new" : "–" }; }
    var sign = row.change_pct > 0 ? "+" : "";
    return { text: sign + row.change_pct + "%", className: row.change_pct > 0 ? "up" : row.change_pct < 0 ? "down" : "" };
  }

  function render(data) {
    var t = data.totals;
    $("t-conversations").textContent = t.conversations;
    $("t-handoff-rate").textContent = (100 * t.handoff_rate).toFixed(1) + "%";
    $("t-handoffs").textContent = t.handoffs + " of " + t.conversations + " conversations";
    $("t-median").textContent = seconds(t.median_staff_reply_s);
    $("t-replied").textContent = t.staff_replied + " answered by staff";
    $("t-emergencies").textContent = t.emergencies;
    $("t-screening").textContent = t.screening_started + " / " + t.screening_finished;
    $("t-low").textContent = data.low_confidence.messages;

    draw("chart-days", "line", data.per_day.map(function (d) { return d.day; }),
      data.per_day.map(function (d) { return d.conversations; }), "Conversations");
    draw("chart-intents", "bar", data.top_intents.map(function (r) { return r.intent; }),
      data.top_intents.map(function (r) { return r.count; }), "Messages");
    draw("chart-channels", "doughnut", data.channels.map(function (r) { return r.channel; }),
      data.channels.map(function (r) { return r.conversations; }), "Conversations");

    fillTable("intents", data.top_intents, function (r) { return [r.intent, r.count, r.previous, trend(r)]; });
    fillTable("channels", data.channels, function (r) { return [r.channel, r.conversations]; });
    fillTable("low", data.low_confidence.groups, function (r) { return [r.example, r.count, r.variants.join(" · ")]; });
    fillTable("feedback", data.feedback, function (r) {
      return [r.answer, { text: r.up, className: "up" }, { text: r.down, className: "down" }];
    });
    fillTable("feedback-channels", data.feedback_by_channel, function (r) {
      return [r.channel, { text: r.up, className: "up" }, { text: r.down, className: "down" }];
    });
    document.body.dataset.loaded = data.period.from + ".." + data.period.to;
  }

  function load() {
    var query = "?from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value);
    $("csv").href = "/staff/api/insights/export.csv" + query;
    $("status").textContent = "Loading…";
    var started = performance.now();
    fetch("/staff/api/insights" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (reply) {
        if (reply.status === 401) {
          window.location.assign("/staff/login");
          throw new Error("signed out");
        }
        return reply.json().then(function (data) {
          if (!reply.ok) { throw new Error(data.error || "failed"); }
          return data;
        });
      })
      .then(function (data) {
        render(data);
        $("status").textContent = "Figures for " + data.period.from + " to " + data.period.to +
          " (" + Math.round(performance.now() - started) + " ms).";
      })
      .catch(function (error) { $("status").textContent = "Could not load the figures: " + error.message; });
  }

  $("period").addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  document.querySelectorAll("[data-days]").forEach(function (button) {
    button.addEventListener("click", function () {
      lastDays(Number(button.dataset.days));
      load();
    });
  });

  var params = new URLSearchParams(window.location.search);
  if (params.get("from") && params.get("to")) {
    $("from").value = params.get("from");
    $("to").value = params.get("to");
  } else {
    lastDays(30);
  }
  load();
})();
