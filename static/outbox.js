/* The voucher outbox, and refusals shown.

   A voucher is never lost: the voucher form saves through fetch with an Idempotency-Key made
   when its draft starts. A save that cannot reach the server (or finds it unable to write:
   502/503/504) stays on screen, read-only, with "Not saved — will save when the server is back",
   and in this browser's localStorage, so a reload, a closed tab or another page of the company
   keeps it; it is sent again until the server answers, and the key makes the server save it
   once however many times it arrives (a lost answer, two tabs). Tabs take turns with
   navigator.locks (one lock per draft); where the page is not a secure context (plain http on
   a LAN address) Web Locks are missing, and a claim kept in localStorage stands in for them.

   Refusals are shown: htmx ignores error answers (503 user limit, 429, 5xx), so one global
   hook puts their reason on screen. */
(function () {
  "use strict";
  var STORE = "tallysync.outbox.v1";       // drafts waiting to be saved, by key
  var SAVED = "tallysync.outbox.saved.v1"; // drafts saved after waiting, until shown
  var CLAIMS = "tallysync.outbox.claims.v1";
  var RETRY_MS = [2000, 4000, 8000, 10000];
  var ANSWER_MS = 30000; // a request with no answer by then is tried again (the key makes it safe)
  var body = document.body;
  var userId = body.dataset.userId || "";
  var tab = randomKey();
  var sending = {};
  var timer = null, tries = 0;

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes); // randomUUID needs a secure context; this does not
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function clock(when) {
    return new Date(when).toLocaleTimeString("en-IN", { hour12: false });
  }

  /* ---- Storage: kept across reloads; a browser that refuses storage still keeps the screen ---- */

  function read(name) {
    try { return JSON.parse(window.localStorage.getItem(name) || "{}") || {}; } catch (e) { return {}; }
  }

  function write(name, value) {
    try { window.localStorage.setItem(name, JSON.stringify(value)); return true; } catch (e) { return false; }
  }

  function update(name, change) {
    var all = read(name);
    change(all);
    return write(name, all);
  }

  function waiting() {
    var all = read(STORE);
    return Object.keys(all).map(function (key) { return all[key]; })
      .filter(function (entry) { return entry.user === userId; });
  }

  /* ---- Notices ---- */

  function note(id, text, where) {
    var element = document.getElementById(id);
    if (!text) { if (element) element.remove(); return null; }
    if (!element) {
      element = document.createElement("div");
      element.id = id;
      element.className = "outbox-note";
      element.setAttribute("role", "alert");
      var main = document.getElementById("main") || body;
      (where || main).insertAdjacentElement(where ? "beforebegin" : "afterbegin", element);
    }
    element.textContent = text;
    return element;
  }

  function refusal(text) {
    var element = note("refusal", text ? "Not done — " + text : "");
    if (!element) return;
    element.classList.add("refused");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { element.remove(); });
    element.appendChild(close);
  }

  /* What an error answer says, for the user: a JSON detail, or the page's error text. */
  function answerText(text, type, status) {
    if (type && type.indexOf("json") >= 0) {
      try { var detail = JSON.parse(text).detail; if (detail) return String(detail); } catch (e) { /* a page */ }
    }
    var page = new DOMParser().parseFromString(text || "", "text/html");
    var reason = page.querySelector(".form-errors, p.error, .errorlist, [role=alert]");
    var words = reason ? reason.textContent.replace(/\s+/g, " ").trim() : "";
    return (words || "the server answered " + status + ".").slice(0, 400);
  }

  /* ---- Refusals that htmx receives, shown once for every request on every page ---- */

  function background(detail) {
    // A live refresh or a waiting editor reopening: a 404 means the record went, which its
    // own live notice says, and while the server is away the Live indicator says so.
    var target = detail && detail.target;
    return !!(target && target.matches && (target.matches("[data-sync-region]") || target.id === "editor"));
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 404 && background(event.detail)) return;
    refusal(answerText(xhr.responseText, xhr.getResponseHeader("Content-Type"), xhr.status));
  });
  // The same for a script's own fetch (entry.js's ledger lists), which htmx never sees.
  document.addEventListener("tally:refused", function (event) {
    refusal(answerText(event.detail.text, event.detail.type, event.detail.status));
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (background(event.detail)) return;
    var config = event.detail.requestConfig || {};
    var away = body.dataset.live && body.dataset.live !== "live";
    if (away && config.verb === "get") return; // a lookup while the indicator says the server is away
    refusal("the server did not answer. Try again when it is back.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && !background(event.detail)) note("refusal", "");
  });

  /* ---- The voucher form: a key per draft, and saving through the outbox ---- */

  function voucherForm() {
    return document.querySelector("form[data-voucher-form]");
  }

  function draftStarts(form) {
    if (form && !form.dataset.draftKey) form.dataset.draftKey = randomKey();
  }

  function formBody(form) {
    var fields = new URLSearchParams(new FormData(form));
    // Sent in a header instead: the body must stay what it was for every retry (the key's
    // fingerprint), and a token from before a sign-in again would be refused.
    fields.delete("csrfmiddlewaretoken");
    return fields.toString();
  }

  function title(form) {
    var type = form.querySelector("#voucher-type-name");
    var date = form.querySelector("[name=date]");
    var debit = form.querySelector("#total-debit");
    return [type && type.textContent.trim(), date && date.value, debit && debit.textContent.trim()]
      .filter(Boolean).join(" · ");
  }

  function draft(form) {
    return {
      key: form.dataset.draftKey, user: userId, company: body.dataset.companyId || "",
      url: form.getAttribute("action"), body: formBody(form),
      page: window.location.pathname + window.location.search,
      title: title(form), typedAt: Date.now(), state: "waiting", message: ""
    };
  }

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function post(entry) {
    var abort = new AbortController();
    var late = setTimeout(function () { abort.abort(); }, ANSWER_MS);
    return window.fetch(entry.url, {
      method: "POST", body: entry.body, credentials: "same-origin", signal: abort.signal,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrfToken(),
        "Idempotency-Key": entry.key, "HX-Request": "true" // answer as htmx is answered: HX-Redirect
      }
    }).finally(function () { clearTimeout(late); });
  }

  /* One tab sends a draft at a time. */
  function claimed(key, work) {
    if (navigator.locks) {
      return navigator.locks.request("tallysync-outbox-" + key, { ifAvailable: true }, function (lock) {
        return lock ? work() : null;
      });
    }
    var held = read(CLAIMS)[key];
    if (held && held.tab !== tab && held.until > Date.now()) return Promise.resolve(null);
    update(CLAIMS, function (all) { all[key] = { tab: tab, until: Date.now() + ANSWER_MS + 5000 }; });
    return new Promise(function (done) { setTimeout(done, 60); }).then(function () {
      var claim = read(CLAIMS)[key];
      if (!claim || claim.tab !== tab) return null; // another tab wrote after us: it sends
      return Promise.resolve(work()).finally(function () {
        update(CLAIMS, function (all) { if (all[key] && all[key].tab === tab) delete all[key]; });
      });
    });
  }

  function send(entry) {
    if (sending[entry.key]) return Promise.resolve();
    sending[entry.key] = true;
    return claimed(entry.key, function () {
      if (!read(STORE)[entry.key]) return null; // saved meanwhile by another tab
      return post(entry).then(function (answer) {
        return answer.text().then(function (text) { return settle(entry, answer, text); });
      }, function () { unreachable(entry, "Not saved — will save when the server is back."); });
    }).finally(function () { delete sending[entry.key]; });
  }

  function ownForm(entry) {
    var form = voucherForm();
    return form && form.dataset.draftKey === entry.key ? form : null;
  }

  function settle(entry, answer, text) {
    var redirect = answer.headers.get("HX-Redirect");
    var form = ownForm(entry);
    if (redirect) return saved(entry, redirect);
    if (answer.headers.get("HX-Refresh")) { // refused by a rule; the reason waits in the session
      update(STORE, function (all) { delete all[entry.key]; });
      if (form) { delete form.dataset.pending; window.location.reload(); }
      return;
    }
    var status = answer.status;
    var page = new DOMParser().parseFromString(text, "text/html");
    var editor = page.getElementById("editor");
    if (status === 200 || status === 401 || status === 403 || status >= 500) {
      // The server is up but cannot save yet (its database, the user limit), or asks to sign
      // in again: the draft waits, saying why.
      var why = status === 200 ? "sign in again; it will be saved then." : answerText(text, answer.headers.get("Content-Type"), status);
      return unreachable(entry, "Not saved — will save when the server is back: " + why);
    }
    update(STORE, function (all) { delete all[entry.key]; }); // refused: the user corrects it
    if (form && editor) return showRefused(form, editor, entry);
    if (form) return release(form, answerText(text, answer.headers.get("Content-Type"), status));
    update(STORE, function (all) {
      all[entry.key] = Object.assign(entry, { state: "refused", message: answerText(text, "", status) });
    });
    showWaiting();
  }

  function saved(entry, redirect) {
    // Noted before the draft leaves the outbox: a tab that shows it waiting hears of the
    // outbox's change and looks here for where it went.
    var waited = !!entry.tries;
    update(SAVED, function (all) {
      all[entry.key] = { title: entry.title, typedAt: entry.typedAt, at: Date.now(), redirect: redirect, waited: waited };
    });
    update(STORE, function (all) { delete all[entry.key]; });
    var form = ownForm(entry);
    if (form) { delete form.dataset.pending; window.location.assign(redirect); return; }
    showWaiting();
    showSaved();
  }

  function unreachable(entry, message) {
    entry.tries = (entry.tries || 0) + 1;
    entry.message = message;
    update(STORE, function (all) { if (all[entry.key]) all[entry.key] = entry; });
    var form = ownForm(entry);
    if (form) pending(form, entry);
    showWaiting();
    later();
  }

  /* The draft on screen while it waits: read-only (the body sent again must be the one the
     key was first sent with), and saying so. */
  function pending(form, entry) {
    form.dataset.pending = "1";
    form.removeAttribute("data-dirty"); // kept in storage: leaving loses nothing
    form.setAttribute("inert", "");
    var text = entry.message || "Not saved — will save when the server is back.";
    var when = " Kept in this browser since " + clock(entry.typedAt) + (entry.tries ? "; tried " + entry.tries + (entry.tries === 1 ? " time." : " times.") : ".");
    var element = note("outbox-pending", text + when, form);
    element.classList.add("waiting");
  }

  function release(form, message) {
    delete form.dataset.pending;
    delete body.dataset.submitting;
    if (!form.querySelector("[data-record-gone]")) form.removeAttribute("inert");
    note("outbox-pending", "");
    if (message) refusal(message);
  }

  function showRefused(form, editor, entry) {
    // The server's form again, with what was typed and why not: this draft goes on (same key).
    delete body.dataset.submitting;
    note("outbox-pending", "");
    var current = document.getElementById("editor");
    if (!current) return;
    window.htmx.swap(current, editor.outerHTML, { swapStyle: "outerHTML" });
    var again = voucherForm();
    if (again) again.dataset.draftKey = entry.key;
  }

  function later() {
    clearTimeout(timer);
    var wait = RETRY_MS[Math.min(tries, RETRY_MS.length - 1)];
    tries += 1;
    timer = setTimeout(flush, wait);
  }

  function flush() {
    clearTimeout(timer);
    if (!userId || !window.fetch) return;
    var queue = waiting().filter(function (entry) { return entry.state === "waiting"; });
    if (!queue.length) { tries = 0; return; }
    queue.reduce(function (chain, entry) {
      return chain.then(function () { return send(entry); });
    }, Promise.resolve()).then(function () {
      if (waiting().some(function (entry) { return entry.state === "waiting"; })) later(); else tries = 0;
    });
  }

  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-voucher-form]") || !window.fetch) return;
    event.preventDefault();
    if (form.hasAttribute("inert") || form.dataset.pending) return;
    draftStarts(form);
    var entry = draft(form);
    // Kept before it is sent: a reload or a crash while it travels loses nothing, and the key
    // makes the second sending harmless.
    update(STORE, function (all) { all[entry.key] = entry; });
    form.dataset.pending = "1";
    note("outbox-pending", "");
    send(entry);
  });

  /* ---- What waits, and what went in, on every page of the company ---- */

  function showWaiting() {
    var form = voucherForm();
    var others = waiting().filter(function (entry) { return !form || form.dataset.draftKey !== entry.key; });
    var list = note("outbox-waiting", others.length ? " " : "");
    if (!list) return;
    list.textContent = "";
    others.forEach(function (entry) {
      var line = document.createElement("p");
      line.textContent = (entry.state === "refused" ? "Not saved: " + entry.title + " — " + entry.message + " " :
        "Waiting to be saved: " + entry.title + " (typed at " + clock(entry.typedAt) + ") — will save when the server is back. ");
      var open = document.createElement("a");
      open.href = entry.page + "#outbox-" + entry.key;
      open.textContent = "Open it";
      line.appendChild(open);
      list.appendChild(line);
    });
  }

  var SAVED_KEPT_MS = 10 * 60 * 1000;

  /* Each tab says once what went in after waiting (any tab may have sent it). */
  function showSaved() {
    var all = read(SAVED), now = Date.now(), shown = {};
    try { shown = JSON.parse(window.sessionStorage.getItem(SAVED) || "{}"); } catch (e) { /* none */ }
    var keys = Object.keys(all).filter(function (key) { return all[key].waited && !shown[key]; });
    update(SAVED, function (kept) {
      Object.keys(kept).forEach(function (key) { if (now - kept[key].at > SAVED_KEPT_MS) delete kept[key]; });
    });
    if (!keys.length) return;
    var lines = keys.map(function (key) {
      var done = all[key];
      shown[key] = true;
      return "Saved at " + clock(done.at) + ", when the server was back: " + done.title +
        " (typed at " + clock(done.typedAt) + "; saved once).";
    });
    try { window.sessionStorage.setItem(SAVED, JSON.stringify(shown)); } catch (e) { /* shown anyway */ }
    var element = note("outbox-saved", lines.join(" "));
    element.classList.add("saved");
  }

  /* A draft opened again on its own page (a reload, Back, or "Open it"): the same typing, the
     same key; a waiting one goes on waiting, a refused one is the user's to correct. */
  function restore(form) {
    var entry = waiting().filter(function (e) {
      return e.page === window.location.pathname + window.location.search &&
        (e.state === "waiting" || window.location.hash === "#outbox-" + e.key);
    })[0];
    if (!entry) return;
    var fields = new URLSearchParams(entry.body);
    fields.forEach(function (value, name) {
      var row = /^entries-(\d+)-/.exec(name);
      if (row) rowsUpTo(form, parseInt(row[1], 10));
      var field = form.elements.namedItem(name);
      if (field && field.type !== "hidden") field.value = value;
    });
    form.dataset.draftKey = entry.key;
    form.dispatchEvent(new Event("input", { bubbles: true })); // the totals, as if typed
    if (entry.state === "waiting") {
      pending(form, entry);
    } else {
      update(STORE, function (all) { delete all[entry.key]; });
      refusal(entry.message);
    }
  }

  function rowsUpTo(form, index) {
    var rows = form.querySelector("#entry-rows");
    var template = form.querySelector("#entry-row-template");
    while (rows && template && rows.querySelectorAll("tr.entry-row").length <= index) {
      var n = rows.querySelectorAll("tr.entry-row").length;
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__N__/g, String(n)));
      if (window.htmx) window.htmx.process(rows.lastElementChild);
    }
  }

  window.addEventListener("storage", function (event) {
    if (event.key !== STORE) return;
    var form = voucherForm();
    var mineWaiting = form && form.dataset.pending && form.dataset.draftKey;
    if (mineWaiting && !read(STORE)[form.dataset.draftKey]) {
      // Another tab saved this draft: go where its save went, as this tab would have.
      var done = read(SAVED)[form.dataset.draftKey];
      delete form.dataset.pending;
      if (done) { window.location.assign(done.redirect); return; }
      release(form, "");
    }
    showWaiting();
  });
  window.addEventListener("online", flush);
  document.addEventListener("tallysync:live", flush); // sync.js: the socket is open again

  function setUp() {
    var form = voucherForm();
    if (form && !form.hasAttribute("inert")) {
      draftStarts(form);
      restore(form);
    }
    showWaiting();
    showSaved();
    flush();
  }
  document.addEventListener("DOMContentLoaded", setUp);

  window.tallysyncOutbox = { flush: flush, waiting: waiting };
})();
