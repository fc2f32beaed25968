/* Dates at the keyboard: Tally's short forms read in the browser as the server reads them
   (core/dates.py, mirrored line for line), shown as 26-Nov-2026 on leaving the field; F2 to
   the voucher's date; F2 / Alt+F2 a report's period; a date outside the financial year asked
   about before a voucher is saved. */
(function () {
  "use strict";

  var script = document.currentScript;
  var FIRST_YEAR = 1900, LAST_YEAR = 2999;
  var OUT_OF_RANGE = "Enter a date between " + FIRST_YEAR + " and " + LAST_YEAR + ".";
  var ACCEPTED = "15, 15-11, 15-11-2026, 15-Nov-2026, 15.11.26, 15/11/2026 or 15112026";
  var MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december"];
  var SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* A date is {y, m, d} (m 1–12): no time of day, no time zone. */
  function ymd(y, m, d) { return { y: y, m: m, d: d }; }

  function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }

  function isoParts(text) {
    var match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text || "");
    return match ? ymd(+match[1], +match[2], +match[3]) : null;
  }

  function iso(date) {
    return String(date.y).padStart(4, "0") + "-" + String(date.m).padStart(2, "0") + "-" +
      String(date.d).padStart(2, "0");
  }

  function shown(date) {  // 26-Nov-2026
    return String(date.d).padStart(2, "0") + "-" + SHORT[date.m - 1] + "-" + date.y;
  }

  function compare(a, b) { return (a.y - b.y) || (a.m - b.m) || (a.d - b.d); }

  function refusal(text) {
    var typed = text === null ? "" : "'" + text + "' is not a date. ";
    return typed + "Enter a date as " + ACCEPTED + ".";
  }

  function NotADate(message) { this.message = message; }

  function month(part) {
    if (/^[0-9]+$/.test(part)) return part.length <= 2 ? +part : null;
    if (part.length >= 3) {
      for (var i = 0; i < MONTHS.length; i++) if (MONTHS[i].indexOf(part) === 0) return i + 1;
    }
    return null;
  }

  function year(part) {
    if (!/^[0-9]+$/.test(part) || (part.length !== 2 && part.length !== 4)) return null;
    return part.length === 2 ? 2000 + +part : +part;
  }

  function parts(text) {
    if (/[^\x00-\x7f]/.test(text)) return null;  // ASCII only, as core/dates.py
    var found = text.toLowerCase().split(/[ \t\n\r\f\v]*[-./ \t\n\r\f\v][ \t\n\r\f\v]*/);
    for (var i = 0; i < found.length; i++) if (!/^([0-9]+|[a-z]+)$/.test(found[i])) return null;
    if (found.length === 1 && /^[0-9]+$/.test(found[0])) {
      var digits = found[0];
      if (digits.length <= 2) return [digits];
      if (digits.length === 4) return [digits.slice(0, 2), digits.slice(2)];
      if (digits.length === 6 || digits.length === 8) {
        return [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4)];
      }
      return null;
    }
    return found;
  }

  /* core.dates.parse_tally_date: the date typed, or NotADate with what is accepted. */
  function parse(value, today, yearStart) {
    var text = String(value).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
    var found = text ? parts(text) : null;
    if (!found || found.length > 3 || !/^[0-9]+$/.test(found[0])) throw new NotADate(refusal(text));
    if (found.length === 3 && found[0].length === 4) found = [found[2], found[1], found[0]];  // 2026-11-26
    if (!/^[0-9]+$/.test(found[0]) || found[0].length > 2) throw new NotADate(refusal(text));
    var day = +found[0];
    var m = found.length === 1 ? today.m : month(found[1]);
    var y;
    if (found.length === 3) {
      y = year(found[2]);
    } else if (found.length === 2 && m !== null) {
      var laterInYear = m > yearStart.m || (m === yearStart.m && day >= yearStart.d);
      y = laterInYear ? yearStart.y : yearStart.y + 1;
    } else {
      y = today.y;
    }
    if (m === null || y === null) throw new NotADate(refusal(text));
    if (y < FIRST_YEAR || y > LAST_YEAR) throw new NotADate(OUT_OF_RANGE);
    if (m < 1 || m > 12 || day < 1 || day > daysIn(y, m)) throw new NotADate(refusal(text));
    return ymd(y, m, day);
  }

  /* core.dates.year_end / outside_year */
  function yearEnd(yearStart) {
    var next = new Date(Date.UTC(yearStart.y + 1, yearStart.m - 1, yearStart.d - 1));
    return ymd(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
  }

  function outsideYear(date, yearStart) {
    var end = yearEnd(yearStart);
    if (compare(date, yearStart) >= 0 && compare(date, end) <= 0) return null;
    var name = yearStart.y + "-" + String((yearStart.y + 1) % 100).padStart(2, "0");
    return shown(date) + " is outside the current financial year " + name + " (" +
      shown(yearStart) + " to " + shown(end) + ").";
  }

  var context = {
    today: isoParts(script && script.dataset.today) || (function () {
      var now = new Date();
      return ymd(now.getFullYear(), now.getMonth() + 1, now.getDate());
    })(),
    yearStart: isoParts(script && script.dataset.yearStart)
  };
  if (!context.yearStart) {
    var t = context.today;
    context.yearStart = ymd(t.m >= 4 ? t.y : t.y - 1, 4, 1);
  }

  /* For tests and other scripts: the same reading as the server's. */
  window.TallyDates = {
    parse: function (text, todayIso, yearStartIso) {
      try {
        var date = parse(text, isoParts(todayIso) || context.today,
          isoParts(yearStartIso) || context.yearStart);
        return { date: iso(date), shown: shown(date) };
      } catch (error) {
        if (error instanceof NotADate) return { error: error.message };
        throw error;
      }
    },
    context: context
  };

  /* ---- The field: shown as 26-Nov-2026 on leaving it, or told what is accepted ---- */

  function hint(input) {
    var next = input.nextElementSibling;
    if (next && next.classList.contains("date-hint")) return next;
    var span = document.createElement("span");
    span.className = "field-error date-hint";
    span.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", span);
    return span;
  }

  function settle(input) {
    var text = input.value.trim();
    var old = input.nextElementSibling;
    if (old && !old.classList.contains("date-hint")) old = null;
    if (!text) {
      if (old) old.remove();
      return null;
    }
    try {
      var date = parse(text, context.today, context.yearStart);
      input.value = shown(date);
      input.removeAttribute("aria-invalid");
      if (old) old.remove();
      return date;
    } catch (error) {
      if (!(error instanceof NotADate)) throw error;
      input.setAttribute("aria-invalid", "true");
      hint(input).textContent = error.message;
      return null;
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-tally-date]")) return;
    settle(input);
    if (input.form) {  // a new date: the question about the year is asked again
      var answered = input.form.querySelector('input[name="outside_year"]');
      if (answered && input.matches("[data-year-check]")) answered.remove();
    }
  });

  /* ---- Before a voucher is saved: a date outside the financial year is asked about ---- */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector && form.querySelector("input[data-tally-date][data-year-check]");
    if (!input) return;
    var date = settle(input);
    if (!date || form.querySelector('input[name="outside_year"]')) return;
    if (iso(date) === input.dataset.yearWas) return;  // an alteration keeping its date: asked before
    var outside = outsideYear(date, context.yearStart);
    if (!outside) return;
    if (!window.confirm(outside + " Save it on this date?")) {
      event.preventDefault();
      form.setAttribute("data-dirty", "");  // still typed, not saved
      event.stopImmediatePropagation();
      input.focus();
      input.select();
      return;
    }
    var answer = document.createElement("input");
    answer.type = "hidden";
    answer.name = "outside_year";
    answer.value = "yes";
    form.appendChild(answer);
  }, true);

  /* ---- F2: the voucher's date; a report's period (F2 one date, Alt+F2 from–to) ---- */

  function periodBox(form, range) {
    var old = document.getElementById("period-box");
    if (old) old.remove();
    var dialog = document.createElement("dialog");
    dialog.id = "period-box";
    dialog.className = "period-box";
    var box = document.createElement("form");
    box.method = "get";
    box.action = form.getAttribute("action") || window.location.pathname;
    // The report's other choices go along (a group, a voucher type, the Edit Log's filters).
    Array.prototype.forEach.call(form.elements, function (kept) {
      if (!kept.name || kept.matches("[data-tally-date], button") || !kept.value) return;
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = kept.name;
      copy.value = kept.value;
      box.appendChild(copy);
    });
    var dates = form.querySelectorAll("input[data-tally-date]");
    var single = form.querySelector("input[data-tally-date][data-period-one]");
    var fields;
    if (range && form.dataset.periodRange !== undefined) {
      var from = form.querySelector('input[name="from"]');
      var to = form.querySelector('input[name="to"]');
      fields = [
        ["from", "From", from ? from.value : form.dataset.from || (single ? single.value : "")],
        ["to", "To", to ? to.value : form.dataset.to || (single ? single.value : "")]
      ];
    } else if (single) {
      fields = [[single.name, single.dataset.periodOne || "Date", single.value]];
    } else {
      fields = Array.prototype.map.call(dates, function (input) {
        var label = input.name === "from" ? "From" : input.name === "to" ? "To" : "Date";
        return [input.name, label, input.value];
      });
    }
    var heading = document.createElement("h2");
    heading.textContent = fields.length > 1 ? "Change period" : "Change date";
    box.appendChild(heading);
    fields.forEach(function (field) {
      var label = document.createElement("label");
      label.textContent = field[1] + " ";
      var input = document.createElement("input");
      input.name = field[0];
      input.value = field[2];
      input.size = 11;
      input.setAttribute("data-tally-date", "");
      input.setAttribute("autocomplete", "off");
      label.appendChild(input);
      box.appendChild(label);
    });
    var accept = document.createElement("button");
    accept.type = "submit";
    accept.textContent = "Show";
    box.appendChild(accept);
    // Enter in a field moves on, as everywhere; Enter in the last shows the period.
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
      event.preventDefault();
      settle(event.target);
      var inputs = box.querySelectorAll("input[data-tally-date]");
      var at = Array.prototype.indexOf.call(inputs, event.target);
      if (at < inputs.length - 1) { inputs[at + 1].focus(); inputs[at + 1].select(); return; }
      box.requestSubmit();
    });
    box.addEventListener("submit", function (event) {
      var bad = false;
      Array.prototype.forEach.call(box.querySelectorAll("input[data-tally-date]"), function (input) {
        if (!settle(input)) bad = true;
      });
      if (bad) event.preventDefault();
    });
    // Esc closes the box (the dialog's own), and goes no further up than that.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      event.stopPropagation();
      event.preventDefault();
      dialog.close();
      dialog.remove();
    });
    dialog.appendChild(box);
    document.body.appendChild(dialog);
    dialog.showModal();
    var first = box.querySelector("input[data-tally-date]");
    first.focus();
    first.select();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "F2" || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var voucherDate = document.querySelector("form[data-voucher-form]:not([inert]) input[data-tally-date]");
    if (voucherDate && !event.altKey) {
      event.preventDefault();
      voucherDate.focus();
      voucherDate.select();
      return;
    }
    var period = document.querySelector("form[data-period-form]");
    if (period) {
      event.preventDefault();
      periodBox(period, event.altKey);
    }
  });
})();
