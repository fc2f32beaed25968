/* TallySync Bill-wise Details: the sub-screen a bill-wise line opens after its amount (Type of
   Ref, Name, Due date or credit days, Amount, Dr/Cr), with the party's pending bills to pick an
   Agst Ref from by ↑/↓ and Enter. It writes the line's bills as JSON text into its hidden
   entries-N-bills field; entry.js opens it (window.tallyBills.open). */
(function () {
  "use strict";
  if (window.tallyBills) return; // an editor opened in place brings this script again

  var TYPES = ["New Ref", "Agst Ref", "Advance", "On Account"];
  var inr = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var state = null; // {form, row, dialog, total (signed paise), done, pending: [...], active}

  function paise(text) {
    var clean = String(text || "").replace(/,/g, "").trim();
    if (!/^\d+(\.\d+)?$/.test(clean)) return 0;
    return Math.round(parseFloat(clean) * 100);
  }

  function shown(amount) {
    return inr.format(Math.abs(amount) / 100);
  }

  function sided(amount) {
    return shown(amount) + (amount >= 0 ? " Dr" : " Cr");
  }

  // "n", "agst", "on" … as the full type, as Tally's list takes the first that starts so.
  function typeOf(text) {
    var typed = String(text || "").trim().toLowerCase();
    if (!typed) return "";
    return TYPES.filter(function (t) { return t.toLowerCase().indexOf(typed) === 0; })[0] ||
      TYPES.filter(function (t) { return t.toLowerCase().replace(" ", "").indexOf(typed.replace(" ", "")) === 0; })[0] || "";
  }

  function billRows() {
    return Array.prototype.slice.call(state.dialog.querySelectorAll("#bill-rows tr"));
  }

  function cell(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function signedOf(row) {
    var amount = paise(cell(row, "amount").value);
    return cell(row, "side").value === "Dr" ? amount : -amount;
  }

  function allocated() {
    return billRows().reduce(function (sum, row) { return sum + signedOf(row); }, 0);
  }

  function left() {
    return state.total - allocated();
  }

  function showLeft() {
    var rest = left();
    state.dialog.querySelector("#bill-wise-left").textContent =
      rest === 0 ? "allocated in full" : sided(rest) + " to allocate";
  }

  function rowEmpty(row) {
    return !cell(row, "type").value.trim() && !cell(row, "name").value.trim() && !cell(row, "amount").value.trim();
  }

  function fieldInput(name, label, attrs) {
    var input = document.createElement("input");
    input.dataset.field = name;
    input.setAttribute("aria-label", label);
    Object.keys(attrs || {}).forEach(function (key) { input.setAttribute(key, attrs[key]); });
    return input;
  }

  function addBillRow(bill) {
    var tr = document.createElement("tr");
    tr.className = "bill-row";
    var side = document.createElement("select");
    side.dataset.field = "side";
    side.setAttribute("aria-label", "Dr or Cr");
    ["Dr", "Cr"].forEach(function (s) {
      var option = document.createElement("option");
      option.value = option.textContent = s;
      side.appendChild(option);
    });
    var fields = [
      fieldInput("type", "Type of Ref", { list: "bill-types", size: "11" }),
      fieldInput("name", "Name", { maxlength: "100", size: "16" }),
      fieldInput("due", "Due date or credit days", { size: "11" }),
      fieldInput("amount", "Amount", { inputmode: "decimal", class: "amount-input" }),
      side
    ];
    fields.forEach(function (field) {
      var td = document.createElement("td");
      if (field === side) td.className = "side";
      if (field.dataset.field === "amount") td.className = "num";
      td.appendChild(field);
      tr.appendChild(td);
    });
    bill = bill || {};
    cell(tr, "type").value = bill.type || "";
    cell(tr, "name").value = bill.name || "";
    cell(tr, "due").value = bill.due_date || (bill.credit_days != null ? String(bill.credit_days) : "");
    cell(tr, "amount").value = bill.amount || "";
    side.value = bill.side || (state.total >= 0 ? "Dr" : "Cr");
    state.dialog.querySelector("#bill-rows").appendChild(tr);
    return tr;
  }

  /* ---- The party's pending bills (Agst Ref) ---- */

  function listElement() {
    return state.dialog.querySelector("#bill-list");
  }

  function fetchPending() {
    var form = state.form;
    var params = new URLSearchParams({
      ledger: state.row.querySelector(".ledger-input").value.trim(),
      as_of: form.querySelector("#id_date").value.trim()
    });
    // Altering a voucher: what it settles itself counts as still pending.
    if (form.dataset.voucherId) params.set("voucher", form.dataset.voucherId);
    return fetch(form.dataset.billsUrl + "?" + params.toString(), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    }).then(function (answer) {
      if (!answer.ok) throw new Error("bills: " + answer.status);
      return answer.json();
    }).then(function (body) { return body.bills; });
  }

  function pendingFor(name) {
    var bills = state.pending || [];
    for (var i = 0; i < bills.length; i++) if (bills[i].name.toLowerCase() === name.toLowerCase()) return bills[i];
    return null;
  }

  function hideList() {
    var element = listElement();
    element.hidden = true;
    state.listFor = null;
  }

  function showList(input) {
    var element = listElement();
    var bills = state.pending || [];
    element.textContent = "";
    bills.forEach(function (bill, i) {
      var item = document.createElement("li");
      item.id = "bill-choice-" + i;
      item.setAttribute("role", "option");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = bill.name;
      var about = document.createElement("span");
      about.className = "muted";
      about.textContent = bill.date.split("-").reverse().join("-") + " · " + bill.pending_shown;
      item.appendChild(name);
      item.appendChild(about);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        pick(input, bill);
      });
      element.appendChild(item);
    });
    if (!bills.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "No bill of this party is pending.";
      element.appendChild(none);
    }
    element.hidden = false;
    state.listFor = input;
    var typed = input.value.trim().toLowerCase();
    var at = 0;
    bills.forEach(function (bill, i) { if (typed && bill.name.toLowerCase() === typed) at = i; });
    highlight(at);
  }

  function highlight(index) {
    var active = window.tallyListHighlight(listElement(), index, state.listFor);
    if (active !== undefined) state.active = active;
  }

  // A pending bill picked: its name, and the amount that settles it as far as the line goes.
  function pick(input, bill) {
    var row = input.closest("tr");
    var pending = paise(bill.pending.replace("-", ""));
    var settling = bill.pending.charAt(0) === "-" ? "Dr" : "Cr";
    input.value = bill.name;
    hideList();
    var rest = Math.abs(left() + signedOf(row));
    cell(row, "amount").value = shown(Math.min(pending, rest || pending));
    cell(row, "side").value = settling;
    showLeft();
    cell(row, "amount").focus();
    cell(row, "amount").select();
  }

  /* ---- Moving on ---- */

  function enabled(row, name) {
    var type = cell(row, "type").value;
    if (name === "name") return type !== "On Account";
    if (name === "due") return type === "New Ref";
    return true;
  }

  function nextField(row, field) {
    var order = ["type", "name", "due", "amount", "side"];
    for (var i = order.indexOf(field.dataset.field) + 1; i < order.length; i++) {
      if (enabled(row, order[i])) return cell(row, order[i]);
    }
    return null;
  }

  function refuse(text) {
    var note = state.dialog.querySelector("#bill-wise-left");
    note.textContent = text;
    note.classList.add("field-error");
  }

  function onType(row, field) {
    if (rowEmpty(row)) {
      if (left() === 0 && billRows().some(function (r) { return !rowEmpty(r); })) { accept(); return; }
      refuse(sided(left()) + " is not allocated yet: a line's bills add up to its amount.");
      return;
    }
    var type = typeOf(field.value);
    if (!type) { refuse("Type of Ref is New Ref, Agst Ref, Advance or On Account."); return; }
    field.value = type;
    if (type === "On Account") cell(row, "name").value = "";
    if (type === "New Ref" && !cell(row, "due").value && state.creditDays) cell(row, "due").value = state.creditDays;
    nextField(row, field).focus();
  }

  function onEnter(field) {
    var row = field.closest("tr");
    var name = field.dataset.field;
    state.dialog.querySelector("#bill-wise-left").classList.remove("field-error");
    if (name === "type") { onType(row, field); return; }
    if (name === "name" && state.listFor === field && cell(row, "type").value === "Agst Ref") {
      var bills = state.pending || [];
      var typed = field.value.trim();
      var exact = typed && pendingFor(typed);
      if (exact || (!typed && bills.length)) { pick(field, exact || bills[state.active]); return; }
      if (bills.length && typed) { pick(field, bills[state.active]); return; }
    }
    if (name === "name" && !field.value.trim()) { refuse("Name the bill."); return; }
    var next = nextField(row, field);
    if (next) { next.focus(); return; }
    var following = row.nextElementSibling || addBillRow({});
    cell(following, "type").focus();
  }

  function onFocus(field) {
    var row = field.closest("tr");
    if (field.dataset.field !== "name") hideList();
    if (field.dataset.field === "name" && cell(row, "type").value === "Agst Ref") {
      (state.pending ? Promise.resolve(state.pending) : fetchPending()).then(function (bills) {
        state.pending = bills;
        if (document.activeElement === field) showList(field);
      }, function () { refuse("The pending bills did not come: type the bill's name."); });
    }
    if (field.dataset.field === "amount" && !field.value.trim() && !rowEmpty(row)) {
      var rest = left();
      if (rest !== 0) {
        field.value = shown(rest);
        cell(row, "side").value = rest > 0 ? "Dr" : "Cr";
        showLeft();
      }
      field.select();
    }
  }

  /* ---- Opening, accepting, leaving ---- */

  function written() {
    return billRows().filter(function (row) { return !rowEmpty(row); }).map(function (row) {
      var bill = { type: typeOf(cell(row, "type").value) || cell(row, "type").value.trim(),
        name: cell(row, "name").value.trim(), amount: cell(row, "amount").value.trim(),
        side: cell(row, "side").value };
      var due = cell(row, "due").value.trim();
      if (bill.type === "On Account") delete bill.name;
      if (bill.type === "New Ref" && due) {
        if (/^\d+$/.test(due)) bill.credit_days = parseInt(due, 10); else bill.due_date = due;
      }
      return bill;
    });
  }

  function summary(bills) {
    return bills.map(function (bill) {
      return bill.type + (bill.name ? " " + bill.name : "") + " " + bill.amount + " " + bill.side;
    }).join(" · ");
  }

  function close() {
    var done = state.done;
    hideList();
    state.dialog.close();
    state.dialog.querySelector("#bill-rows").textContent = "";
    state = null;
    done();
  }

  function accept() {
    var bills = written();
    var row = state.row;
    row.querySelector(".bills-input").value = bills.length ? JSON.stringify(bills) : "";
    row.querySelector(".line-bills").textContent = summary(bills);
    state.form.setAttribute("data-dirty", "");
    close();
  }

  function defaults(form, row, total) {
    var base = form.querySelector('input[name="type"]').value;
    var amount = shown(total);
    var side = total >= 0 ? "Dr" : "Cr";
    if (base === "sales" || base === "purchase") {
      var name = form.querySelector("#id_reference").value.trim() || form.dataset.number;
      return [{ type: "New Ref", name: name, amount: amount, side: side, credit_days: row.dataset.creditDays || null }];
    }
    if (base === "receipt" || base === "payment") return [{ type: "Agst Ref", side: side }];
    return [{ type: "On Account", amount: amount, side: side }];
  }

  function typedBills(row) {
    try {
      var bills = JSON.parse(row.querySelector(".bills-input").value || "[]");
      return Array.isArray(bills) ? bills : [];
    } catch (error) {
      return [];
    }
  }

  function open(form, row, total, done) {
    var dialog = document.getElementById("bill-wise");
    if (!dialog || dialog.open || total === 0) { done(); return; }
    var party = row.querySelector(".ledger-input").value.trim();
    state = { form: form, row: row, dialog: dialog, total: total, done: done, pending: null,
      active: 0, listFor: null, creditDays: row.dataset.creditDays || "" };
    dialog.querySelector("#bill-wise-title").textContent = "Bill-wise Details for " + party;
    dialog.querySelector("#bill-wise-upto").textContent = sided(total);
    var bills = typedBills(row);
    var given = bills.length > 0;
    (given ? bills : defaults(form, row, total)).forEach(function (bill) { addBillRow(bill); });
    var blank = addBillRow({});
    showLeft();
    dialog.showModal();
    // A default that already adds up waits on the empty line (Enter accepts it); an Agst Ref
    // waits on its name, with the party's pending bills.
    var first = billRows()[0];
    if (!given && cell(first, "type").value === "Agst Ref") cell(first, "name").focus();
    else if (left() === 0) cell(blank, "type").focus();
    else cell(first, "type").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (!state || !state.dialog.contains(event.target)) return;
    var field = event.target;
    if (event.ctrlKey && !event.altKey && (event.key === "a" || event.key === "A")) {
      if (left() === 0) accept(); // then app.js saves the voucher, with these bills
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault(); // not the page's Esc (leave the voucher)
      event.stopPropagation();
      if (state.listFor) { hideList(); return; }
      close();
      return;
    }
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && state.listFor === field) {
      event.preventDefault();
      highlight(state.active + (event.key === "ArrowDown" ? 1 : -1));
      return;
    }
    if (event.key !== "Enter" || event.ctrlKey || event.altKey || event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    onEnter(field);
  }, true);

  document.addEventListener("focusin", function (event) {
    if (state && state.dialog.contains(event.target) && event.target.dataset.field) onFocus(event.target);
  });
  document.addEventListener("input", function (event) {
    if (!state || !state.dialog.contains(event.target)) return;
    showLeft();
    if (state.listFor === event.target) showList(event.target);
  });
  document.addEventListener("change", function (event) {
    if (state && state.dialog.contains(event.target)) showLeft();
  });

  // The line's bills as saved or typed, shown under it when the page opens.
  function showSaved() {
    Array.prototype.forEach.call(document.querySelectorAll("#entry-rows tr.entry-row"), function (row) {
      var line = row.querySelector(".line-bills");
      if (line) line.textContent = summary(typedBills(row));
    });
  }
  document.addEventListener("DOMContentLoaded", showSaved);
  document.addEventListener("htmx:afterSettle", showSaved);

  /* ---- Ledger Creation / Alteration: bill-by-bill, credit period, opening bills ---- */

  function billWiseForm(element) {
    var form = element && element.closest && element.closest("form");
    return form && form.querySelector('select[name="bill_wise"]') ? form : null;
  }

  function openingBillRows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#opening-bill-rows tr"));
  }

  function openingBillEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (i) { return !i.value.trim(); });
  }

  function addOpeningBill(form, bill) {
    var template = form.querySelector("#opening-bill-template");
    var body = form.querySelector("#opening-bill-rows");
    body.insertAdjacentHTML("beforeend", template.innerHTML);
    var row = body.lastElementChild;
    Object.keys(bill || {}).forEach(function (key) {
      var field = row.querySelector('[data-bill="' + key + '"]');
      if (field && bill[key] != null) field.value = bill[key];
    });
    return row;
  }

  // The editor's rows as the JSON text the server reads (opening_bills), and their total.
  function openingBillsWrite(form) {
    var total = 0;
    var bills = openingBillRows(form).filter(function (row) { return !openingBillEmpty(row); }).map(function (row) {
      var bill = {};
      Array.prototype.forEach.call(row.querySelectorAll("[data-bill]"), function (field) {
        if (field.value.trim()) bill[field.dataset.bill] = field.value.trim();
      });
      total += (bill.side === "Cr" ? -1 : 1) * paise(bill.amount);
      return bill;
    });
    form.querySelector('[name="opening_bills"]').value = JSON.stringify(bills);
    var note = form.querySelector("#opening-bills-total");
    if (note) note.textContent = bills.length ? "Bills total " + sided(total) : "";
    var rows = openingBillRows(form);
    if (!rows.length || !openingBillEmpty(rows[rows.length - 1])) addOpeningBill(form, {});
  }

  function showWhen(form, selector, on) {
    Array.prototype.forEach.call(form.querySelectorAll(selector), function (element) {
      element.hidden = !on;
      // Enter (keys.js) moves through the fields that show; a field that does not show is not sent.
      Array.prototype.forEach.call(element.querySelectorAll("input, select"), function (field) { field.disabled = !on; });
    });
  }

  function billWiseShow(form) {
    var on = form.querySelector('select[name="bill_wise"]').value === "true";
    var opening = paise((form.querySelector('[name="opening_amount"]') || {}).value) !== 0;
    var bills = form.querySelector('[name="opening_bills"]');
    var kept = bills && bills.value && bills.value !== "[]";
    showWhen(form, ".bill-wise-only", on);
    showWhen(form, ".opening-bills-only", on && (opening || kept));
    if (bills) bills.disabled = !on; // sent whenever the ledger keeps bills (none: "[]")
  }

  // A new ledger keeps bills under Sundry Debtors or Creditors, unless the user said otherwise.
  function followGroup(form) {
    var select = form.querySelector('select[name="bill_wise"]');
    if (select.hasAttribute("data-touched")) return;
    var typed = form.querySelector('[name="group"]').value.trim().toLowerCase();
    var groups = (select.dataset.billWiseGroups || "").split("|").map(function (g) { return g.toLowerCase(); });
    select.value = typed && groups.indexOf(typed) >= 0 ? "true" : "false";
  }

  function ledgerFormSetUp(form) {
    if (!form || form.dataset.billsReady) return;
    form.dataset.billsReady = "1";
    var hidden = form.querySelector('[name="opening_bills"]');
    var bills = [];
    try { bills = JSON.parse(hidden.value || "[]"); } catch (error) { bills = []; }
    (Array.isArray(bills) ? bills : []).forEach(function (bill) { addOpeningBill(form, bill); });
    openingBillsWrite(form);
    followGroup(form);
    billWiseShow(form);
  }

  function onLedgerForm(event) {
    var form = billWiseForm(event.target);
    if (!form) return;
    ledgerFormSetUp(form);
    if (event.target.name === "bill_wise") event.target.setAttribute("data-touched", "");
    if (event.target.name === "group") followGroup(form);
    if (event.target.closest("#opening-bill-rows")) openingBillsWrite(form);
    billWiseShow(form);
  }
  document.addEventListener("input", onLedgerForm);
  document.addEventListener("change", onLedgerForm);
  // The page's form at once; Ledger Creation over a voucher when the cursor first enters it.
  document.addEventListener("focusin", function (event) { ledgerFormSetUp(billWiseForm(event.target)); });
  document.addEventListener("DOMContentLoaded", function () {
    ledgerFormSetUp(billWiseForm(document.querySelector('select[name="bill_wise"]')));
  });

  // A line's amount changed after its bills were given (an alteration saved with Ctrl+A, the
  // panel not opened again): one bill follows the line; several no longer say how to split it,
  // so they go, and the save gives the line Tally's default (or the panel asks on Enter).
  function fit(row, total) {
    var bills = typedBills(row);
    if (!bills.length) return;
    var given = bills.reduce(function (sum, bill) {
      var amount = paise(bill.amount);
      return sum + ((bill.side || (total >= 0 ? "Dr" : "Cr")) === "Dr" ? amount : -amount);
    }, 0);
    if (given === total) return;
    if (bills.length === 1 && total !== 0) {
      bills[0].amount = shown(total);
      bills[0].side = total >= 0 ? "Dr" : "Cr";
    } else {
      bills = [];
    }
    row.querySelector(".bills-input").value = bills.length ? JSON.stringify(bills) : "";
    row.querySelector(".line-bills").textContent = summary(bills);
  }

  window.tallyBills = { open: open, fit: fit };
})();
