/* Live sync (DESIGN.md §3): one socket per page, fragments applied in seq order, catch-up after
   any disconnect, and a small indicator that says whether this screen is live. */
(function () {
  "use strict";
  var body = document.body;
  var companyId = body.dataset.companyId;
  if (!companyId || !window.WebSocket) return;

  var PING_EVERY = parseInt(body.dataset.pingMs || "10000", 10), FIRST_DELAY = 500, MAX_DELAY = 10000, SKEW_LIMIT = 5000, SEAT_RETRY = 30000;
  var lastSeq = parseInt(body.dataset.since || "0", 10);
  var socket = null, delay = FIRST_DELAY, pingTimer = null, countdown = null, pingSentAt = 0;
  var status = document.getElementById("live-status");
  var skewNote = document.getElementById("clock-skew");
  var panel = document.getElementById("sync-panel");
  var refusal = "";

  function show(state, text) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
    body.dataset.live = state;
    field("state", text);
  }

  /* ---- The Sync status panel, opened from the Live indicator ---- */

  function field(name, value) {
    var element = panel && panel.querySelector('[data-field="' + name + '"]');
    if (element) element.textContent = value;
  }

  function clock(date) {
    return date.toLocaleTimeString("en-IN", { hour12: false });
  }

  function showSeq() {
    field("seq", String(lastSeq));
  }

  function showPong(message, roundTrip) {
    field("server-seq", String(message.seq));
    field("lag", message.seq > lastSeq ? (message.seq - lastSeq) + " changes" : "up to date");
    field("server-time", clock(new Date(message.server_time)));
    field("round-trip", roundTrip + " ms");
  }

  if (status && panel) {
    status.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      status.setAttribute("aria-expanded", String(!panel.hidden));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) { panel.hidden = true; status.setAttribute("aria-expanded", "false"); }
    });
  }

  function notice(text) {
    var note = document.getElementById("sync-notice");
    if (!note && !text) return;
    if (!note) {
      note = document.createElement("div");
      note.id = "sync-notice";
      note.className = "broken-note";
      note.setAttribute("role", "alert");
      body.appendChild(note);
    }
    note.textContent = text;
    note.hidden = !text;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function ping() {
    refreshDeferred();
    pingSentAt = Date.now();
    send({ type: "ping", seq: lastSeq, client_time: new Date(pingSentAt).toISOString() });
  }

  function resume() {
    send({ type: "resume", since: lastSeq });
  }

  // A region that holds something the user is typing is never replaced under their hands.
  function busy(element) {
    return element.matches("form[data-dirty]") || element.querySelector("form[data-dirty]") ||
      (element.contains(document.activeElement) && document.activeElement.matches("input, textarea, select"));
  }

  // Regions a change or resync named while they were busy: fetched once the user leaves them
  // (focus moves out, a form is saved and swapped away, or at the next ping), not left stale.
  var deferred = {};

  function refresh(id) {
    var element = document.getElementById(id);
    if (!element) { delete deferred[id]; return; }
    if (busy(element)) { deferred[id] = true; return; }
    delete deferred[id];
    window.htmx.ajax("GET", window.location.href, { target: "#" + id, select: "#" + id, swap: "outerHTML" });
  }

  function refreshDeferred() {
    Object.keys(deferred).forEach(refresh);
  }
  document.addEventListener("focusout", function () { setTimeout(refreshDeferred, 0); });
  document.addEventListener("htmx:afterSettle", refreshDeferred);

  function refreshAll() {
    document.querySelectorAll("[data-sync-region]").forEach(function (element) { refresh(element.id); });
  }

  function apply(message) {
    if (message.html) window.htmx.swap(document.body, message.html, { swapStyle: "none" });
    (message.refresh || []).forEach(refresh);
    recordsGone();
  }

  // A record deleted or cancelled by someone else: its live patch put a notice marked
  // data-record-gone where the write buttons were; a form around it can no longer be saved.
  function recordsGone() {
    document.querySelectorAll("form [data-record-gone]").forEach(function (notice) {
      var form = notice.closest("form");
      form.removeAttribute("data-dirty");
      form.setAttribute("inert", "");
      var editor = form.closest("#editor");
      var waitingNote = editor && editor.querySelector(".lock-notice");
      if (waitingNote) waitingNote.remove(); // nobody will let go of it now
    });
  }

  function checkSkew(serverTime) {
    if (!skewNote || !serverTime) return;
    var now = Date.now();
    var skew = Date.parse(serverTime) - (pingSentAt + (now - pingSentAt) / 2);
    if (Math.abs(skew) > SKEW_LIMIT) {
      var seconds = Math.round(Math.abs(skew) / 1000);
      skewNote.textContent = "This computer's clock is " + seconds + " s " +
        (skew > 0 ? "behind" : "ahead of") + " the server's: times you type may be off.";
      skewNote.hidden = false;
    } else {
      skewNote.hidden = true;
    }
  }

  /* ---- Record in use: badges, the waiting editor, and letting go ---- */

  function lockUrl(resource) {
    // An editor may name its record's lock route (Company Alteration's is not under a list).
    var held = document.querySelector('[data-holding="' + resource + '"][data-lock-url]');
    if (held) return held.dataset.lockUrl;
    var parts = resource.split(":");
    return body.dataset.companyUrl + (parts[0] === "voucher" ? "vouchers/" : "ledgers/") + parts[1] + "/lock/";
  }

  function badge(resource, holder) {
    document.querySelectorAll('.lock-badge[data-resource="' + resource + '"]').forEach(function (el) {
      el.textContent = holder ? "🔒 " + holder.name : "";
      if (holder && String(holder.id) === body.dataset.userId) el.dataset.mine = ""; else delete el.dataset.mine;
    });
  }

  function reopenEditor() {
    // The holder let go: fetch the editor again for this page, which takes the lock for us
    // (not if they deleted or cancelled it: there is nothing left to alter).
    if (document.querySelector("#editor [data-record-gone]")) return;
    var url = window.location.pathname + "?connection=" + encodeURIComponent(body.dataset.connection || "");
    window.htmx.ajax("GET", url, { target: "#editor", select: "#editor", swap: "outerHTML" });
  }

  function onLock(message) {
    badge(message.resource, message.type === "lock" ? message.holder : null);
    if (message.type !== "unlock") return;
    if (document.querySelector('[data-waiting-for="' + message.resource + '"]')) reopenEditor();
    var held = document.querySelector('[data-holding="' + message.resource + '"]');
    if (held && message.broken_by) {
      held.querySelectorAll("form").forEach(function (form) {
        form.removeAttribute("data-dirty");
        form.setAttribute("inert", "");
      });
      var note = document.createElement("div");
      note.className = "broken-note";
      note.setAttribute("role", "alert");
      note.id = "lock-broken";
      note.textContent = message.broken_by + " took over this record: what you had not saved was not kept.";
      body.appendChild(note);
    }
  }

  function showInitialLocks() {
    var data = document.getElementById("locks");
    if (!data) return;
    var locks = JSON.parse(data.textContent);
    Object.keys(locks).forEach(function (resource) { badge(resource, locks[resource]); });
  }

  function csrfHeaders() {
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    return token ? { "X-CSRFToken": token.value } : {};
  }

  function keepHeldLock() {
    // After a reconnect the server has let go of this page's lock: take it again, or, if
    // someone took it meanwhile, show the editor as theirs.
    var held = document.querySelector("[data-holding]");
    if (!held || !window.fetch) return;
    window.fetch(lockUrl(held.dataset.holding), {
      method: "POST", credentials: "same-origin",
      headers: Object.assign({ "Content-Type": "application/json" }, csrfHeaders()),
      body: JSON.stringify({ connection: body.dataset.connection || "" })
    }).then(function (answer) { if (answer.status === 423) reopenEditor(); });
  }

  window.addEventListener("pagehide", function () {
    var held = document.querySelector("[data-holding]");
    // Saving navigates away too: the save itself lets go of the lock, or keeps it if refused.
    if (!held || !window.fetch || body.dataset.submitting) return;
    window.fetch(lockUrl(held.dataset.holding), {
      method: "DELETE", keepalive: true, credentials: "same-origin", headers: csrfHeaders()
    });
  });

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message.type === "change") {
      if (message.seq <= lastSeq) return;
      if (message.seq !== lastSeq + 1) { resume(); return; } // a gap: ask for what is missing
      apply(message);
      lastSeq = message.seq;
      body.dataset.since = String(lastSeq);
      showSeq();
    } else if (message.type === "resync") {
      refreshAll();
      lastSeq = message.seq;
      body.dataset.since = String(lastSeq);
      showSeq();
    } else if (message.type === "lock" || message.type === "unlock") {
      onLock(message);
    } else if (message.type === "status") {
      // The server's message bus is down: changes still arrive, with each ping's catch-up.
      if (message.live) show("live", "Live"); else show("paused", "Live updates paused — catching up every " + Math.round(PING_EVERY / 1000) + " s");
    } else if (message.type === "refused") {
      refusal = message.detail;
    } else if (message.type === "pong") {
      showPong(message, Date.now() - pingSentAt);
      checkSkew(message.server_time);
      if (message.seq > lastSeq) resume(); // something was committed that never reached us
    }
  }

  function retry(atLeast) {
    clearInterval(countdown);
    var wait = Math.max(atLeast || 0, Math.round(delay * (0.5 + Math.random() * 0.5)));
    delay = Math.min(delay * 2, MAX_DELAY);
    var due = Date.now() + wait;
    function tick() {
      var left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      show(wait > 2000 ? "offline" : "reconnecting",
        wait > 2000 ? "Server not responding — retrying in " + left + " s" : "Reconnecting…");
      if (Date.now() >= due) { clearInterval(countdown); connect(); }
    }
    tick();
    countdown = setInterval(tick, 250);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var connection = body.dataset.connection ? "&connection=" + encodeURIComponent(body.dataset.connection) : "";
    var previous = socket;
    socket = new WebSocket(scheme + window.location.host + "/ws/c/" + companyId + "/?since=" + lastSeq + connection);
    var reconnecting = previous !== null;
    socket.onopen = function () {
      if (reconnecting) keepHeldLock();
      delay = FIRST_DELAY;
      show("live", "Live");
      document.dispatchEvent(new CustomEvent("tallysync:live")); // the outbox tries again now
      notice("");
      field("connected", clock(new Date()));
      if (reconnecting) field("reconnect", clock(new Date()));
      ping();
      pingTimer = setInterval(ping, PING_EVERY);
    };
    socket.onmessage = onMessage;
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      if (event.code === 4401) { show("offline", "Signed out — sign in again"); return; }
      if (event.code === 4403) { show("offline", "No access to this company"); return; }
      if (event.code === 4429) { // the user limit: say who holds the seats, ask again later
        notice(refusal || "This server's user limit is reached.");
        retry(SEAT_RETRY);
        return;
      }
      retry();
    };
  }

  window.tallysync = { lastSeq: function () { return lastSeq; } };
  document.addEventListener("DOMContentLoaded", function () { showInitialLocks(); connect(); });
})();
