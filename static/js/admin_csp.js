// Flask-Admin's templates carry a few inline handlers (onclick="return faHelpers.safeConfirm(…)",
// "return modelActions.execute(…)", href="javascript:void(0)"). The Content-Security-Policy
// (portal/security_headers.py) forbids inline script, so they would not run: the delete button
// would submit without asking. The server sends them as data-onclick (portal/admin/base.py,
// without_inline_script); here each one becomes an ordinary listener before anyone clicks.
(function () {
  "use strict";

  // The first quoted argument of a call such as f('text') or f(this, 'id').
  function argument(code) {
    var match = /\(\s*(?:this\s*,\s*)?(['"])((?:\\.|(?!\1).)*)\1/.exec(code);
    return match ? match[2].replace(/\\(.)/g, "$1") : "";
  }

  var handlers = [
    [/faHelpers\.safeConfirm\(|^return confirm\(/, function (el, code, event) {
      if (!window.confirm(argument(code))) { event.preventDefault(); }
    }],
    [/modelActions\.execute\(/, function (el, code, event) {
      event.preventDefault();
      window.modelActions.execute(argument(code));
    }],
    [/faForm\.addInlineField\(/, function (el, code, event) {
      event.preventDefault();
      window.faForm.addInlineField(el, argument(code));
    }],
    [/^return false;?$/, function (el, code, event) { event.preventDefault(); }]
  ];

  document.querySelectorAll("[data-onclick], [onclick]").forEach(function (el) {
    var name = el.hasAttribute("data-onclick") ? "data-onclick" : "onclick";
    var code = el.getAttribute(name).trim();
    el.removeAttribute(name);
    handlers.some(function (handler) {
      if (!handler[0].test(code)) { return false; }
      el.addEventListener("click", function (event) { handler[1](el, code, event); });
      return true;
    });
  });

  // Our own admin buttons ask through data-confirm="…" (no inline handler needed).
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // A javascript: link is inline script too (the server sends them as href="#" data-inert); these
  // only stop the page from following them.
  document.querySelectorAll('a[data-inert], a[href^="javascript:"]').forEach(function (link) {
    link.setAttribute("href", "#");
    link.addEventListener("click", function (event) { event.preventDefault(); });
  });
})();
