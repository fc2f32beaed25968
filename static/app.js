/* TallySync in the browser: Tally's keys across pages (voucher types, Ctrl+A, Esc, report keys).
   Forms and reports by keyboard are in keys.js, the voucher entry screen in entry.js. */
(function () {
  "use strict";

  // Tally's voucher keys: F4 Contra … F9 Purchase, Alt+F6 Credit Note, Alt+F5 Debit Note.
  var VOUCHER_KEYS = {
    F4: "contra", F5: "payment", F6: "receipt", F7: "journal", F8: "sales", F9: "purchase",
    "Alt+F6": "credit_note", "Alt+F5": "debit_note"
  };
  var inr = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function keyName(event) {
    if (event.ctrlKey || event.shiftKey || event.metaKey) return ""; // Ctrl+F8 is not F8
    // Alt+letter by the key, not the character it types (Alt+E is "´" on a Mac).
    if (event.altKey && /^Key[A-Z]$/.test(event.code || "")) return "Alt+" + event.code.slice(3);
    return (event.altKey ? "Alt+" : "") + event.key;
  }

  function voucherForm() {
    return document.querySelector("form[data-voucher-form]");
  }

  // Ctrl+A saves the form being typed in (Ledger Creation over a voucher is its own form),
  // else the page's voucher or master form.
  function formToSave() {
    var own = document.activeElement && document.activeElement.form;
    if (own && own.method === "post" && own.matches("[data-voucher-form], [data-dirty-guard], .form-grid")) {
      return own;
    }
    return voucherForm() || document.querySelector("form[data-dirty-guard]");
  }

  function dirtyForm() {
    return document.querySelector("form[data-dirty]");
  }

  function goUp() {
    var form = dirtyForm();
    if (form && !window.confirm("Quit without saving? What you typed will be lost.")) return;
    if (form) form.removeAttribute("data-dirty");
    window.location.href = document.body.dataset.upUrl || "/";
  }

  document.addEventListener("keydown", function (event) {
    var body = document.body;
    var name = keyName(event);
    var type = VOUCHER_KEYS[name];
    var canWrite = body.dataset.role === "owner" || body.dataset.role === "accountant";
    if (type && body.dataset.companyUrl && canWrite) {
      event.preventDefault();
      if (dirtyForm() && !window.confirm("Leave this voucher? What you typed will be lost.")) return;
      if (dirtyForm()) dirtyForm().removeAttribute("data-dirty");
      window.location.href = body.dataset.companyUrl + "vouchers/new/?type=" + type;
      return;
    }
    // Tally's report keys, where the page offers them (a link with data-key): Alt+F1 the
    // detailed or condensed view, Alt+E Export (the Excel file); PgUp / PgDn a report's
    // previous or next page (outside a field).
    var typing = event.target.matches && event.target.matches("input, textarea, select");
    var paging = (name === "PageUp" || name === "PageDown") && !typing;
    var keyed = (/^Alt\+(F1|E)$/.test(name) || paging) && document.querySelector('a[data-key="' + name + '"]');
    if (keyed) {
      event.preventDefault();
      keyed.click();
      return;
    }
    if (event.ctrlKey && !event.altKey && (event.key === "a" || event.key === "A")) {
      var form = formToSave();
      if (form && form.hasAttribute("inert")) { event.preventDefault(); return; } // someone else's
      if (form) {
        event.preventDefault();
        form.removeAttribute("data-dirty");
        form.requestSubmit();
      }
      return;
    }
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      goUp();
    }
  });

  // Forms remember that something was typed, so that leaving asks first.
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    var guarded = "[data-voucher-form], [data-dirty-guard], .form-grid[method=post]:not([data-enter-submits])";
    if (form && form.matches(guarded)) {
      form.setAttribute("data-dirty", "");
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    form.removeAttribute("data-dirty");
    // (A form saved in place, like Ledger Creation over a voucher, leaves the page as it is.)
    if (form.method === "post" && !event.defaultPrevented) document.body.dataset.submitting = "1";
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-escape]");
    if (link) {
      event.preventDefault();
      goUp();
    }
    if (event.target.closest("[data-print]")) window.print(); // a report's Print button
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirtyForm()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
