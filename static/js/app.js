// gridcase: small behaviours on top of htmx. No inline scripts anywhere (CSP).
document.addEventListener("DOMContentLoaded", function () {
  // Confirm buttons that ask for it, without inline handlers.
  document.body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
});
