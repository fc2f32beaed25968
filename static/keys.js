/* TallySync forms and reports by keyboard, as in Tally: Enter moves to the next field, amounts
   read 1,18,000.00 once typed; a row cursor in reports (↑/↓, Enter), Alt+X cancel, Alt+D
   delete, Alt+P print; a denser layout for long lists (Alt+Z). */
(function () {
  "use strict";

  var NOTICE_KEY = "tallysync-notice";
  var DENSE_KEY = "tallysync-dense";

  function plainKey(event) {
    return !event.ctrlKey && !event.altKey && !event.shiftKey && !event.metaKey;
  }

  function altKey(event, letter) {
    return event.altKey && !event.ctrlKey && !event.metaKey && event.code === "Key" + letter;
  }

  function typing(element) {
    return element && element.matches && element.matches("input, textarea, select, [contenteditable]");
  }

  /* ---- Forms: Enter moves on; amounts in Indian grouping ---- */

  // A master or company form (the voucher screen has its own rows; sign-in submits on Enter).
  function movesOnEnter(form) {
    return form && !form.matches("[data-voucher-form], [data-enter-submits]") &&
      form.matches("[data-enter-moves], [data-dirty-guard], .form-grid[method=post]");
  }

  // A field with a list (Under: the groups) takes the first name that starts with what was
  // typed, else the first that holds it, as Tally's list does on Enter.
  function completeFromList(field) {
    var text = field.value.trim().toLowerCase();
    if (!text || !field.list) return;
    var names = Array.prototype.map.call(field.list.options, function (o) { return o.value; });
    if (names.some(function (n) { return n.toLowerCase() === text; })) return;
    var pick = names.filter(function (n) { return n.toLowerCase().indexOf(text) === 0; })[0] ||
      names.filter(function (n) { return n.toLowerCase().indexOf(text) >= 0; })[0];
    if (pick) field.value = pick;
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (f) {
      return f.matches("input, select, textarea") && f.type !== "hidden" && !f.disabled;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !plainKey(event)) return;
    var field = event.target;
    var form = field.form;
    if (!movesOnEnter(form) || !field.matches("input, select")) return;
    event.preventDefault(); // never a save: only Ctrl+A (or Enter on the Accept button) saves
    if (field.list) completeFromList(field);
    if (field.matches("[inputmode=decimal]")) showAmount(field);
    var fields = fieldsOf(form);
    var next = fields[fields.indexOf(field) + 1];
    if (next) { next.focus(); return; }
    // The last field: to Accept, as Tally asks "Accept?" — Enter there saves.
    var accept = form.querySelector("button[type=submit], button:not([type])");
    if (accept) accept.focus();
  });

  // Indian grouping of a typed amount ("118000" → "1,18,000.00"), by its digits (no floats);
  // anything that is not a plain amount stays as typed, for the server's message.
  function grouped(text) {
    var match = /^\s*([0-9][0-9,]*)(?:\.([0-9]{0,2}))?\s*$/.exec(text || "");
    if (!match || !/^(\d+|\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})$/.test(match[1])) return null;
    var whole = match[1].replace(/,/g, "").replace(/^0+(?=\d)/, "");
    var paise = ((match[2] || "") + "00").slice(0, 2);
    var last3 = whole.slice(-3);
    var rest = whole.slice(0, -3);
    var head = rest ? rest.replace(/\B(?=(\d{2})+(?!\d))/g, ",") + "," : "";
    return head + last3 + "." + paise;
  }

  function showAmount(field) {
    var shown = grouped(field.value);
    if (shown !== null && shown !== field.value) field.value = shown;
  }

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (field.matches && field.matches("input[inputmode=decimal]")) showAmount(field);
  });

  function groupAll() {
    Array.prototype.forEach.call(document.querySelectorAll("input[inputmode=decimal]"), function (field) {
      if (field.value.trim()) showAmount(field);
    });
  }

  /* ---- Notices that outlive a reload ---- */

  function notice(text, kind) {
    var box = document.getElementById("messages");
    if (!box) {
      box = document.createElement("div");
      box.className = "messages";
      box.id = "messages";
      document.querySelector("main").insertAdjacentElement("beforebegin", box);
    }
    var line = document.createElement("p");
    line.className = "message" + (kind ? " " + kind : "");
    line.setAttribute("role", kind === "error" ? "alert" : "status");
    line.textContent = text;
    box.appendChild(line);
  }

  function noticeAfterReload(text) {
    try { window.sessionStorage.setItem(NOTICE_KEY, text); } catch (error) { /* private mode */ }
    window.location.reload();
  }

  function showKeptNotice() {
    var text = null;
    try {
      text = window.sessionStorage.getItem(NOTICE_KEY);
      window.sessionStorage.removeItem(NOTICE_KEY);
    } catch (error) { return; }
    if (text) notice(text);
  }

  /* ---- Reports: a row cursor ---- */

  var cursor = null;

  function cursorRows() {
    var all = document.querySelectorAll("main table.report tbody tr");
    return Array.prototype.filter.call(all, function (row) {
      return !row.closest(".voucher-view, form") && row.querySelector("a[href]") && row.offsetParent !== null;
    });
  }

  function place(row) {
    if (cursor) cursor.classList.remove("row-cursor");
    cursor = row;
    if (!row) return;
    row.classList.add("row-cursor");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function moveCursor(step) {
    var found = cursorRows();
    if (!found.length) return false;
    var at = cursor && cursor.isConnected ? found.indexOf(cursor) : -1;
    if (at < 0 && cursor && cursor.id) at = found.indexOf(document.getElementById(cursor.id));
    var next = at < 0 ? (step > 0 ? 0 : found.length - 1) : Math.max(0, Math.min(found.length - 1, at + step));
    place(found[next]);
    return true;
  }

  function currentRow() {
    if (cursor && !cursor.isConnected && cursor.id) place(document.getElementById(cursor.id));
    return cursor && cursor.isConnected ? cursor : null;
  }

  // Enter on a row: the voucher in alteration where the row offers it (Day Book), else the
  // row's first link (a group's breakup, a ledger's vouchers, a voucher).
  function openRow(row) {
    var href = row.dataset.alter || row.querySelector("a[href]").getAttribute("href");
    window.location.href = href;
  }

  /* ---- Vouchers: Alt+X cancel, Alt+D delete (a voucher's view, or its Day Book row) ---- */

  function csrfHeaders() {
    try {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      return token ? { "X-CSRFToken": token } : {};
    } catch (error) {
      return {};
    }
  }

  function request(url, method, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json", "Content-Type": "application/json" }, csrfHeaders()),
      body: body ? JSON.stringify(body) : undefined
    }).then(function (answer) {
      if (answer.status === 204) return {};
      return answer.json().then(function (json) {
        if (!answer.ok) throw new Error(json.detail || "Not done (" + answer.status + ").");
        return json;
      }, function () { throw new Error("Not done (" + answer.status + ")."); });
    });
  }

  // The cancel or delete of the version the row shows, once the user has confirmed it.
  function rowAction(row, verb) {
    var label = row.dataset.label;
    var url = row.dataset.voucher;
    var question = verb === "cancel" ?
      "Cancel " + label + "? It keeps its number, and its amounts leave the books." :
      "Delete " + label + "? This cannot be undone.";
    if (!window.confirm(question)) return;
    // The version the row shows (kept by live patches): a voucher altered since then is refused
    // (409) rather than cancelled or deleted unseen.
    var version = row.dataset.version;
    var done = verb === "cancel" ?
      request(url + "cancel/", "POST", { version: version }) :
      request(url + "?version=" + encodeURIComponent(version), "DELETE");
    done.then(function () {
      noticeAfterReload(label + (verb === "cancel" ? " cancelled." : " deleted."));
    }, function (error) {
      notice(error.message, "error");
    });
  }

  function voucherKeys(event) {
    var view = document.querySelector(".voucher-view");
    var row = !view && currentRow();
    var writer = document.body.dataset.role === "owner" || document.body.dataset.role === "accountant";
    if (altKey(event, "X") || altKey(event, "D")) {
      if (!writer) return false;
      var cancel = altKey(event, "X");
      if (view) {
        var button = view.querySelector(cancel ? "#cancel-voucher" : "#delete-voucher");
        if (button) button.click(); // its form or hx-confirm asks first
        return true;
      }
      if (row && row.dataset.voucher) {
        if (cancel && row.classList.contains("cancelled")) notice(row.dataset.label + " is already cancelled.", "warning");
        else rowAction(row, cancel ? "cancel" : "delete");
        return true;
      }
      return false;
    }
    if (event.key === "Enter" && plainKey(event) && view && !event.target.closest("a, button")) {
      var alter = view.querySelector("#alter");
      if (alter) { alter.click(); return true; }
    }
    return false;
  }

  /* ---- Density ---- */

  function setDense(on) {
    document.documentElement.classList.toggle("dense", on);
    try { window.localStorage.setItem(DENSE_KEY, on ? "1" : ""); } catch (error) { /* private mode */ }
    var toggle = document.getElementById("dense-toggle");
    if (toggle) {
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = on ? "Dense rows: on" : "Dense rows: off";
    }
  }

  function denseStored() {
    try { return window.localStorage.getItem(DENSE_KEY) === "1"; } catch (error) { return false; }
  }

  function addDenseToggle() {
    var keys = document.getElementById("keys");
    if (!keys || document.getElementById("dense-toggle")) return;
    var span = document.createElement("span");
    var kbd = document.createElement("kbd");
    kbd.textContent = "Alt+Z";
    var button = document.createElement("button");
    button.type = "button";
    button.id = "dense-toggle";
    button.className = "link";
    button.addEventListener("click", function () { setDense(!document.documentElement.classList.contains("dense")); });
    span.appendChild(kbd);
    span.appendChild(document.createTextNode(" "));
    span.appendChild(button);
    keys.appendChild(span);
  }

  /* ---- The keys ---- */

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || document.querySelector("dialog[open]")) return;
    if (altKey(event, "P")) { event.preventDefault(); window.print(); return; }
    if (altKey(event, "Z")) {
      event.preventDefault();
      setDense(!document.documentElement.classList.contains("dense"));
      return;
    }
    if (typing(event.target)) return;
    if (voucherKeys(event)) { event.preventDefault(); return; }
    if (!plainKey(event)) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (moveCursor(event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    } else if (event.key === "Enter" && !event.target.closest("a, button")) {
      var row = currentRow();
      if (row) { event.preventDefault(); openRow(row); }
    }
  });

  // A refused form puts the cursor on the first field it marks, not the first field (autofocus).
  function focusFirstError() {
    var marked = document.querySelector("main form:not([data-voucher-form]) .field-error");
    var field = marked && marked.parentElement.querySelector("input:not([type=hidden]), select, textarea");
    if (field) field.focus();
  }

  function setUp() {
    focusFirstError();
    addDenseToggle();
    setDense(denseStored());
    groupAll();
    showKeptNotice();
  }
  document.addEventListener("DOMContentLoaded", setUp);
})();
