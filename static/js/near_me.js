// "Near me": asks the browser for the person's location only when they press the button, puts the
// point into the form (rounded to about 100 m: enough to sort by distance) and, on search, submits.
// The page works without it: the button stays hidden and the address field does the same job.
(function () {
  function input(form, name) {
    var field = form.elements[name];
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = name;
      form.appendChild(field);
    }
    return field;
  }
  document.querySelectorAll("[data-near-me]").forEach(function (button) {
    var form = button.form;
    var status = document.getElementById(button.getAttribute("data-status"));
    var say = function (text) { if (status) { status.textContent = text; } };
    button.hidden = false;
    var note = button.parentNode.querySelector(".near-me-note");
    if (note) { note.hidden = false; }
    button.addEventListener("click", function () {
      if (!navigator.geolocation) {
        say(button.getAttribute("data-unavailable"));
        return;
      }
      say(button.getAttribute("data-asking"));
      navigator.geolocation.getCurrentPosition(function (position) {
        input(form, button.getAttribute("data-lat")).value = position.coords.latitude.toFixed(3);
        input(form, button.getAttribute("data-lon")).value = position.coords.longitude.toFixed(3);
        if (button.getAttribute("data-sort")) { input(form, "sort").value = button.getAttribute("data-sort"); }
        var clear = button.getAttribute("data-clear") && form.querySelector(button.getAttribute("data-clear"));
        if (clear) { clear.value = ""; }
        if (button.getAttribute("data-submit")) {
          form.submit();
        } else {
          say(button.getAttribute("data-done"));
        }
      }, function (error) {
        say(button.getAttribute(error.code === 1 ? "data-denied" : "data-unavailable"));
      }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
    });
  });
})();
