/* TallySync in the browser: Tally's keys, and the voucher entry screen (rows, Enter, totals). */
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
      var form = voucherForm() || document.querySelector("form[data-dirty-guard]");
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
    if (form && (form.matches("[data-voucher-form]") || form.matches("[data-dirty-guard]"))) {
      form.setAttribute("data-dirty", "");
    }
  });
  // Enter moves on, as in Tally: in a form marked data-enter-moves, Enter in a field goes to
  // the next field, and on the last one accepts the form (the voucher screen has its own rows).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.ctrlKey || event.altKey || event.shiftKey) return;
    var field = event.target;
    var form = field.form;
    if (!form || !form.matches("[data-enter-moves]") || !field.matches("input, select")) return;
    event.preventDefault();
    var fields = Array.prototype.filter.call(form.elements, function (f) {
      return f.matches("input, select, textarea") && f.type !== "hidden" && !f.disabled;
    });
    var next = fields[fields.indexOf(field) + 1];
    if (next) { next.focus(); return; }
    form.removeAttribute("data-dirty");
    form.requestSubmit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    form.removeAttribute("data-dirty");
    if (form.method === "post") document.body.dataset.submitting = "1";
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

  /* ---- Voucher entry ---- */

  function parseAmount(text) {
    var clean = String(text || "").replace(/,/g, "").trim();
    if (!/^\d+(\.\d+)?$/.test(clean)) return 0;
    return Math.round(parseFloat(clean) * 100); // paise, so that sums are exact
  }

  function rows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#entry-rows tr.entry-row"));
  }

  function totals(form) {
    var debit = 0, credit = 0;
    rows(form).forEach(function (row) {
      var paise = parseAmount(row.querySelector(".amount-input").value);
      if (row.querySelector("select").value === "Dr") debit += paise; else credit += paise;
    });
    return { debit: debit, credit: credit };
  }

  function showTotals(form) {
    var t = totals(form);
    form.querySelector("#total-debit").textContent = inr.format(t.debit / 100);
    form.querySelector("#total-credit").textContent = inr.format(t.credit / 100);
    var note = form.querySelector("#difference-note");
    var diff = t.debit - t.credit;
    note.textContent = diff === 0 ? "balanced" :
      "difference " + inr.format(Math.abs(diff) / 100) + (diff > 0 ? " Dr" : " Cr") + " to balance";
    form.querySelector("#voucher-totals").classList.toggle("unbalanced", diff !== 0);
  }

  function addRow(form) {
    var template = form.querySelector("#entry-row-template");
    var index = rows(form).length;
    var html = template.innerHTML.replace(/__N__/g, String(index));
    var tbody = form.querySelector("#entry-rows");
    tbody.insertAdjacentHTML("beforeend", html);
    var row = tbody.lastElementChild;
    if (window.htmx) window.htmx.process(row);
    return row;
  }

  function completeLedger(input) {
    // Enter on a partly typed name takes the only ledger that starts with it. Each line has its
    // own list, so a late answer for another line cannot stand in for this one's.
    var text = input.value.trim().toLowerCase();
    if (!text || !input.list) return;
    var options = Array.prototype.map.call(input.list.options, function (o) { return o.value; });
    if (options.some(function (name) { return name.toLowerCase() === text; })) return;
    var starting = options.filter(function (name) { return name.toLowerCase().indexOf(text) === 0; });
    if (starting.length === 1) input.value = starting[0];
  }

  function onEnter(form, event) {
    var field = event.target;
    var row = field.closest("tr.entry-row");
    if (!row) return;
    event.preventDefault();
    if (field.classList.contains("ledger-input")) completeLedger(field);
    var fields = Array.prototype.slice.call(row.querySelectorAll("select, input"));
    var next = fields[fields.indexOf(field) + 1];
    if (next) { next.focus(); return; }
    var following = row.nextElementSibling;
    if (following) { following.querySelector("select").focus(); return; }
    var t = totals(form);
    var diff = t.debit - t.credit;
    if (diff === 0) { form.querySelector("#id_narration").focus(); return; }
    var added = addRow(form);
    added.querySelector("select").value = diff > 0 ? "Cr" : "Dr";
    added.querySelector(".amount-input").value = (Math.abs(diff) / 100).toFixed(2);
    showTotals(form);
    added.querySelector(".ledger-input").focus();
  }

  function setUpVoucherForm(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.addEventListener("input", function () { showTotals(form); });
    form.addEventListener("change", function () { showTotals(form); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches("#entry-rows input, #entry-rows select")) {
        onEnter(form, event);
      }
    });
    showTotals(form);
    var first = form.querySelector("#entry-rows .ledger-input");
    var firstEmpty = rows(form).map(function (r) { return r.querySelector(".ledger-input"); })
      .filter(function (i) { return !i.value; })[0];
    var marked = form.querySelector(".field-error");
    var target = marked ? marked.parentElement.querySelector("input, select") : (firstEmpty || first);
    // An editor that opened in place settles a moment after the swap: whoever already clicked
    // into a field keeps it (their typing must not land in the first ledger box).
    if (target && !form.contains(document.activeElement)) target.focus();
  }

  function setUp() {
    var form = voucherForm();
    if (form && !form.hasAttribute("inert")) setUpVoucherForm(form);
  }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp); // an editor that opened in place
})();
