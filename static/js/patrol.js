// gridcase: the tablet's position on patrol forms, and print buttons. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", function () {
  // A form marked data-geo asks the browser for a position before it is sent; if the
  // browser has none, refuses, or takes too long, the form goes without one.
  document.body.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-geo") || form.dataset.located === "1" || !navigator.geolocation) {
      return;
    }
    event.preventDefault();
    var status = form.querySelector("[data-geo-status]");
    if (status) { status.textContent = status.getAttribute("data-geo-status"); }
    var sent = false;
    function send() {
      if (sent) { return; }
      sent = true;
      form.dataset.located = "1";
      form.submit();
    }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("input[name=lat]").value = position.coords.latitude;
      form.querySelector("input[name=lng]").value = position.coords.longitude;
      form.querySelector("input[name=accuracy]").value = position.coords.accuracy;
      send();
    }, send, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    // Some browsers never call back when the user ignores the prompt.
    window.setTimeout(send, 10000);
  });

  document.body.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
});
