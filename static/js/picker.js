// The searchable service picker: typing narrows a long <select> to the options whose text contains
// what was typed. Loaded as a file (no inline script, CSP script-src 'self'); without JavaScript the
// "Filter the services" button next to the box narrows the list on the server.
(function () {
  document.querySelectorAll("input[data-filter-select]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) { return; }
    var all = Array.prototype.slice.call(select.options);
    var button = input.form && input.form.querySelector("button[value=filter]");
    if (button) { button.hidden = true; }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // never submit the referral from the box
    });
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var chosen = select.value;
      var shown = all.filter(function (option) {
        return !needle || option.value === "" || option.value === chosen ||
          option.text.toLowerCase().indexOf(needle) !== -1;
      });
      while (select.options.length) { select.remove(0); }
      shown.forEach(function (option) { select.add(option); });
      select.value = chosen;
      var matches = shown.filter(function (option) { return option.value !== ""; });
      if (needle && matches.length === 1) { select.value = matches[0].value; }
    });
  });
})();
