// A GSTIN typed fills its state: the first two characters are GSTN's state code. The field
// names its state's field (data-gstin-state, a selector in its form) and carries the codes
// and names (data-gst-states, from core.gst.STATES); delegated, so a form loaded into a
// dialog (Alt+C on the voucher screen) works as well.
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.gstinState) return;
    var states;
    try {
      states = JSON.parse(input.dataset.gstStates || "{}");
    } catch (e) {
      return;
    }
    var code = input.value.trim().slice(0, 2);
    var name = states[code];
    var scope = input.form || document;
    var target = scope.querySelector(input.dataset.gstinState) ||
      document.querySelector(input.dataset.gstinState);
    if (!target || !name) return;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) {
      target.value = name;
    } else {
      target.textContent = code + " " + name;
    }
  });
})();
