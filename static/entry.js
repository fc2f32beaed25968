/* TallySync voucher entry: rows, Enter, totals, the narrowing ledger list, the balancing amount
   and Alt+C (Ledger Creation over the voucher). */
(function () {
  "use strict";

  var inr = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function parseAmount(text) {
    var clean = String(text || "").replace(/,/g, "").trim();
    if (!/^\d+(\.\d+)?$/.test(clean)) return 0;
    return Math.round(parseFloat(clean) * 100); // paise, so that sums are exact
  }

  function rupees(paise) {
    return inr.format(Math.abs(paise) / 100);
  }

  function rows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#entry-rows tr.entry-row"));
  }

  function sideOf(row) {
    return row.querySelector("select").value;
  }

  function totals(form) {
    var debit = 0, credit = 0;
    rows(form).forEach(function (row) {
      var paise = parseAmount(row.querySelector(".amount-input").value);
      if (sideOf(row) === "Dr") debit += paise; else credit += paise;
    });
    return { debit: debit, credit: credit };
  }

  function showTotals(form) {
    var t = totals(form);
    form.querySelector("#total-debit").textContent = rupees(t.debit);
    form.querySelector("#total-credit").textContent = rupees(t.credit);
    var note = form.querySelector("#difference-note");
    var diff = t.debit - t.credit;
    note.textContent = diff === 0 ? (t.debit ? "balanced" : "") :
      "difference " + rupees(diff) + (diff > 0 ? " Dr" : " Cr") + " to balance";
    form.querySelector("#voucher-totals").classList.toggle("unbalanced", diff !== 0);
  }

  function difference(form) {
    var t = totals(form);
    return t.debit - t.credit;
  }

  function rowEmpty(row) {
    return !row.querySelector(".ledger-input").value.trim() && !row.querySelector(".amount-input").value.trim();
  }

  function addRow(form) {
    var template = form.querySelector("#entry-row-template");
    var index = rows(form).length;
    var html = template.innerHTML.replace(/__N__/g, String(index));
    var tbody = form.querySelector("#entry-rows");
    tbody.insertAdjacentHTML("beforeend", html);
    return tbody.lastElementChild;
  }

  // Tally fills the balancing amount into the next line: an empty line after an unbalanced one
  // takes the other side, and its empty amount field offers the difference.
  function offerSide(form, row) {
    var diff = difference(form);
    if (diff !== 0 && rowEmpty(row)) row.querySelector("select").value = diff > 0 ? "Cr" : "Dr";
  }

  function offerBalance(form, amount) {
    var row = amount.closest("tr.entry-row");
    if (amount.value.trim() || !row.querySelector(".ledger-input").value.trim()) return;
    var diff = difference(form);
    var wanted = diff > 0 ? "Cr" : "Dr";
    if (diff === 0 || sideOf(row) !== wanted) return;
    amount.value = rupees(diff);
    amount.select();
    showTotals(form);
  }

  // A line's fields in Tally's order: Dr/Cr, ledger, amount, then its Bank Allocations.
  function rowFields(row) {
    var own = [row.querySelector("select"), row.querySelector(".ledger-input"), row.querySelector(".amount-input")];
    var bank = row.querySelectorAll(".bank-allocation select, .bank-allocation input");
    return own.concat(Array.prototype.slice.call(bank));
  }

  function signedAmount(row) {
    var paise = parseAmount(row.querySelector(".amount-input").value);
    return sideOf(row) === "Dr" ? paise : -paise;
  }

  // A line's amount or side changed: its bills follow (bills.js fit).
  function fitBills(field) {
    var row = field.closest("tr.entry-row");
    if (row && window.tallyBills && row.querySelector(".bills-input")) {
      window.tallyBills.fit(row, signedAmount(row));
    }
  }

  // After the amount of a line that keeps bills: its Bill-wise Details (bills.js), then on.
  function advance(form, field, billsDone) {
    var row = field.closest("tr.entry-row");
    var opensBills = field.classList.contains("amount-input") && row.hasAttribute("data-bill-wise");
    if (opensBills && !billsDone && window.tallyBills && signedAmount(row) !== 0) {
      window.tallyBills.open(form, row, signedAmount(row), function () {
        showTotals(form);
        advance(form, field, true);
      });
      return;
    }
    var fields = rowFields(row);
    var next = fields[fields.indexOf(field) + 1];
    if (next) { next.focus(); return; }
    var following = row.nextElementSibling;
    if (following) {
      offerSide(form, following);
      following.querySelector("select").focus();
      return;
    }
    var diff = difference(form);
    if (diff === 0) { form.querySelector("#id_narration").focus(); return; }
    var added = addRow(form);
    offerSide(form, added);
    added.querySelector(".amount-input").value = rupees(diff);
    showTotals(form);
    added.querySelector(".ledger-input").focus();
  }

  /* ---- The ledger list: only what the voucher type allows on the line's side ---- */

  var cache = {};
  var list = { input: null, query: null, choices: [], active: 0 };
  var timer = null;

  function listElement() {
    return document.getElementById("ledger-list");
  }

  function choicesFor(form, input) {
    // The server applies the voucher type's rules (vouchers.drafts._LINE_RULES) to the list.
    var params = new URLSearchParams({
      type: form.querySelector('input[name="type"]').value,
      side: sideOf(input.closest("tr.entry-row")),
      q: input.value.trim()
    });
    var url = form.dataset.ledgersUrl + "?" + params.toString();
    if (!cache[url]) {
      cache[url] = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok) {
            // Refused (the user limit's 503, a 429): the page's refusal line says why (outbox.js).
            return answer.text().then(function (text) {
              document.dispatchEvent(new CustomEvent("tally:refused", { detail: {
                status: answer.status, type: answer.headers.get("Content-Type"), text: text } }));
              throw new Error("ledger list: " + answer.status);
            });
          }
          return answer.json();
        })
        .then(function (body) { return body.ledgers; })
        .catch(function (error) { delete cache[url]; throw error; });
    }
    return cache[url];
  }

  function exactIndex(choices, text) {
    var wanted = text.trim().toLowerCase();
    for (var i = 0; i < choices.length; i++) if (choices[i].name.toLowerCase() === wanted) return i;
    return 0;
  }

  function hideList() {
    var element = listElement();
    if (element) element.hidden = true;
    if (list.input) {
      list.input.setAttribute("aria-expanded", "false");
      list.input.removeAttribute("aria-activedescendant");
    }
    list.input = null;
  }

  function drawList(input, query, choices) {
    var element = listElement();
    if (!element || document.activeElement !== input) return;
    list.input = input; list.query = query; list.choices = choices;
    list.active = exactIndex(choices, query);
    element.textContent = "";
    choices.forEach(function (choice, i) {
      var item = document.createElement("li");
      item.id = "ledger-choice-" + i;
      item.setAttribute("role", "option");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = choice.name;
      var about = document.createElement("span");
      about.className = "muted";
      about.textContent = (choice.group ? choice.group + " · " : "") + choice.balance;
      item.appendChild(name);
      item.appendChild(about);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // the field keeps the focus
        take(input, choice);
      });
      element.appendChild(item);
    });
    if (!choices.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = query ? "No ledger here matches “" + query + "”: Alt+C creates one." :
        "No ledger fits this line: Alt+C creates one.";
      element.appendChild(none);
    }
    var box = input.getBoundingClientRect();
    element.style.left = (box.left + window.scrollX) + "px";
    element.style.top = (box.bottom + window.scrollY) + "px";
    element.style.minWidth = box.width + "px";
    element.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(list.active);
  }

  // The option at `index` of a pick list (clamped) marked active for the eye and for screen
  // readers (`input`'s aria-activedescendant); its index, or undefined for an empty list. The
  // ledger list here and the pending bills' list (bills.js) both pick with it.
  function listHighlight(listEl, index, input) {
    var items = listEl.querySelectorAll('li[role="option"]');
    if (!items.length) return undefined;
    var active = Math.max(0, Math.min(index, items.length - 1));
    Array.prototype.forEach.call(items, function (item, i) {
      item.classList.toggle("active", i === active);
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    items[active].scrollIntoView({ block: "nearest" });
    if (input) input.setAttribute("aria-activedescendant", items[active].id);
    return active;
  }
  window.tallyListHighlight = listHighlight;

  function highlight(index) {
    var active = listHighlight(listElement(), index, list.input);
    if (active !== undefined) list.active = active;
  }

  function refresh(form, input) {
    var query = input.value.trim();
    choicesFor(form, input).then(function (choices) {
      if (input.value.trim() === query) drawList(input, query, choices);
    }, function () { hideList(); });
  }

  function showBalance(input, balance) {
    var cell = input.closest("td").querySelector(".ledger-balance");
    if (cell) cell.textContent = balance || "";
  }

  // What the taken ledger asks of its line: bills (a bill-wise party), Bank Allocations (a bank
  // ledger). A line that changes its ledger drops the bills it had for the other one.
  function lineKinds(form, row, choice) {
    if (row.dataset.taken !== choice.name) {
      row.querySelector(".bills-input").value = "";
      row.querySelector(".line-bills").textContent = "";
    }
    row.dataset.taken = choice.name;
    row.toggleAttribute("data-bill-wise", !!choice.bill_wise);
    row.dataset.creditDays = choice.credit_days == null ? "" : String(choice.credit_days);
    row.toggleAttribute("data-bank", !!choice.bank);
    var bank = row.querySelector(".bank-allocation");
    if (!choice.bank && bank) bank.remove();
    if (choice.bank && !bank) {
      var index = row.querySelector(".ledger-input").name.split("-")[1];
      var html = form.querySelector("#bank-allocation-template").innerHTML.replace(/__N__/g, index);
      row.querySelector(".line-bills").insertAdjacentHTML("afterend", html);
      var base = form.querySelector('input[name="type"]').value;
      if (base === "payment" || base === "receipt") row.querySelector(".instrument-type").value = "Cheque";
    }
  }

  // Tally's defaults for a cheque: dated as the voucher, favouring the party paid.
  function offerInstrument(form, field) {
    if (field.value.trim()) return;
    if (field.classList.contains("instrument-date")) field.value = form.querySelector("#id_date").value;
    if (field.classList.contains("favouring") && form.querySelector('input[name="type"]').value === "payment") {
      var party = rows(form).filter(function (r) { return !r.hasAttribute("data-bank") && sideOf(r) === "Dr"; })[0];
      if (party) field.value = party.querySelector(".ledger-input").value.trim();
    }
    field.select();
  }

  function take(input, choice) {
    input.value = choice.name;
    showBalance(input, choice.balance);
    lineKinds(input.form, input.closest("tr.entry-row"), choice);
    hideList();
    var form = input.form;
    form.setAttribute("data-dirty", "");
    advance(form, input);
  }

  // Enter takes the highlighted ledger (the first match, or the one named exactly); with the
  // list not yet answered for what was typed, it waits for the answer.
  function enterOnLedger(form, input) {
    var query = input.value.trim();
    if (!query) {
      var row = input.closest("tr.entry-row");
      var balanced = difference(form) === 0 && totals(form).debit > 0;
      if (balanced && rowEmpty(row)) { hideList(); form.querySelector("#id_narration").focus(); return; }
      hideList();
      advance(form, input);
      return;
    }
    var current = list.input === input && list.query === query && list.choices.length;
    if (current) { take(input, list.choices[list.active]); return; }
    choicesFor(form, input).then(function (choices) {
      if (input.value.trim() !== query) return; // typed on meanwhile
      if (!choices.length) { drawList(input, query, choices); return; }
      take(input, choices[exactIndex(choices, query)]);
    }, function () { advance(form, input); });
  }

  /* ---- Alt+C: Ledger Creation over the voucher ---- */

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function overlayErrors(form, errors) {
    Array.prototype.forEach.call(form.querySelectorAll(".overlay-error, .field-error"), function (e) { e.remove(); });
    var general = form.querySelector(".overlay-general");
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector('[name="' + name + '"]') ||
        (/^opening_/.test(name) ? form.querySelector('[name="opening_amount"]') : null);
      errors[name].forEach(function (message) {
        var note = document.createElement("span");
        note.className = "field-error overlay-error";
        note.setAttribute("role", "alert");
        note.textContent = message;
        if (field) field.parentElement.appendChild(note); else general.appendChild(note);
      });
      if (field && !first) first = field;
    });
    (first || form.querySelector("input:not([type=hidden])")).focus();
  }

  function closeOverlay(dialog, input) {
    dialog.close();
    dialog.textContent = "";
    input.focus();
  }

  function overlaySave(dialog, form, input) {
    var general = form.querySelector(".overlay-general");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (answer) {
      return answer.json().then(function (body) { return { ok: answer.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        overlayErrors(form, result.body.errors || { __all__: [result.body.detail || "Not saved."] });
        return;
      }
      cache = {}; // the lists now hold the new ledger
      form.removeAttribute("data-dirty");
      closeOverlay(dialog, input);
      var name = result.body.name;
      input.value = name;
      // Its balance as the list shows it (the list also says whether this line may take it).
      choicesFor(input.form, input).then(function (choices) {
        var i = exactIndex(choices, name);
        var found = choices[i] && choices[i].name === name;
        take(input, found ? choices[i] : { name: name, balance: "" });
      }, function () { take(input, { name: name, balance: "" }); });
    }, function () {
      general.textContent = "Not saved: the server did not answer. Try Ctrl+A again.";
    });
  }

  function openLedgerCreation(form, input) {
    var dialog = document.getElementById("ledger-create");
    if (!dialog || dialog.open) return;
    hideList();
    fetch(form.dataset.ledgerNewUrl, { credentials: "same-origin" }).then(function (answer) {
      if (!answer.ok) throw new Error("ledger creation: " + answer.status);
      return answer.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var creation = page.querySelector("#editor form");
      if (!creation) return;
      dialog.textContent = "";
      var title = document.createElement("h2");
      title.textContent = "Ledger Creation";
      var general = document.createElement("div");
      general.className = "overlay-general";
      general.setAttribute("role", "alert");
      dialog.appendChild(title);
      creation = document.importNode(creation, true);
      creation.insertBefore(general, creation.firstChild);
      dialog.appendChild(creation);
      creation.querySelector('[name="name"]').value = input.value.trim();
      creation.addEventListener("submit", function (event) {
        event.preventDefault();
        overlaySave(dialog, creation, input);
      });
      creation.addEventListener("click", function (event) {
        if (event.target.closest("a[data-escape]")) {
          event.preventDefault();
          event.stopPropagation();
          closeOverlay(dialog, input);
        }
      });
      dialog.onkeydown = function (event) {
        if (event.key !== "Escape") return;
        event.preventDefault(); // not the page's Esc (leave the voucher)
        event.stopPropagation();
        if (creation.hasAttribute("data-dirty") &&
            !window.confirm("Quit Ledger Creation? What you typed will be lost.")) return;
        closeOverlay(dialog, input);
      };
      dialog.oncancel = function (event) { event.preventDefault(); };
      dialog.showModal();
      var name = creation.querySelector('[name="name"]');
      var group = creation.querySelector('[name="group"]');
      (name.value ? group : name).focus();
    }).catch(function () {
      window.alert("Ledger Creation did not open: the server did not answer.");
    });
  }

  /* ---- Setting up a voucher form ---- */

  function onKeydown(form, event) {
    var field = event.target;
    var inRows = field.matches("#entry-rows input, #entry-rows select");
    if (!inRows) return;
    var ledger = field.classList.contains("ledger-input");
    if (ledger && event.altKey && !event.ctrlKey && event.code === "KeyC") {
      event.preventDefault();
      openLedgerCreation(form, field);
      return;
    }
    if (ledger && (event.key === "ArrowDown" || event.key === "ArrowUp") && list.input === field) {
      event.preventDefault();
      highlight(list.active + (event.key === "ArrowDown" ? 1 : -1));
      return;
    }
    if (ledger && event.key === "Escape") hideList(); // and the page's Esc asks to quit
    if (event.key !== "Enter" || event.ctrlKey || event.altKey || event.shiftKey) return;
    event.preventDefault();
    if (ledger) enterOnLedger(form, field); else advance(form, field);
  }

  function setUpVoucherForm(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.addEventListener("input", function (event) {
      showTotals(form);
      if (event.target.classList.contains("amount-input")) fitBills(event.target);
      if (event.target.classList.contains("ledger-input")) {
        showBalance(event.target, "");
        clearTimeout(timer);
        timer = setTimeout(refresh, 120, form, event.target);
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("tr.entry-row select")) fitBills(event.target);
      showTotals(form);
    });
    form.addEventListener("keydown", function (event) { onKeydown(form, event); });
    form.addEventListener("focusin", function (event) {
      // An empty line offers the whole list at once; a filled one (an alteration) waits for typing,
      // so that Esc there still leaves the voucher.
      if (event.target.classList.contains("ledger-input") && !event.target.value.trim()) refresh(form, event.target);
      if (event.target.classList.contains("amount-input")) offerBalance(form, event.target);
      if (event.target.matches(".instrument-date, .favouring")) offerInstrument(form, event.target);
    });
    form.addEventListener("focusout", function (event) {
      if (event.target === list.input) hideList();
    });
    showTotals(form);
    var first = form.querySelector("#entry-rows .ledger-input");
    var firstEmpty = rows(form).map(function (r) { return r.querySelector(".ledger-input"); })
      .filter(function (i) { return !i.value; })[0];
    var marked = form.querySelector(".field-error");
    // A manually numbered type asks for its Voucher No. first, as Tally does.
    var number = form.querySelector("#id_number");
    var start = number && !number.value ? number : (firstEmpty || first);
    var target = marked ? marked.parentElement.querySelector("input, select") : start;
    // An editor that opened in place settles a moment after the swap: whoever already clicked
    // into a field keeps it (their typing must not land in the first ledger box).
    if (target && !form.contains(document.activeElement)) target.focus();
    askReconciled(form);
  }

  // The save refused to alter the amount of a line the bank has cleared without asking: ask,
  // and on yes post again with the answer (the line's bank date is cleared).
  function askReconciled(form) {
    var said = form.dataset.reconciledAsk;
    if (!said) return;
    form.removeAttribute("data-reconciled-ask");
    var question = said.replace(/\s*Confirm to go on \(confirm_reconciled\)\.?/, "") + " Alter it anyway?";
    if (!window.confirm(question)) return;
    var answer = document.createElement("input");
    answer.type = "hidden";
    answer.name = "confirm_reconciled";
    answer.value = "true";
    form.appendChild(answer);
    // After the outbox has finished with the refused sending this page came from.
    setTimeout(function () { form.requestSubmit(); }, 0);
  }

  function setUp() {
    var form = document.querySelector("form[data-voucher-form]");
    if (form && !form.hasAttribute("inert")) setUpVoucherForm(form);
  }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp); // an editor that opened in place
})();
