// gridcase: small behaviours on top of htmx. No inline scripts anywhere (CSP).
(function () {
  "use strict";

  // Confirm buttons that ask for it, without inline handlers.
  function confirmButtons(event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }

  // A board is busy while someone has a card's form open or is typing in it:
  // a refresh then would throw their input away, so the poll waits for the next turn.
  function busy(region) {
    if (region.querySelector("details.card-action[open]")) return true;
    var active = document.activeElement;
    return Boolean(active && region.contains(active) && active.matches("input, textarea, select"));
  }

  // Polls send the ETag of what is shown; an unchanged board answers 304 and nothing is swapped.
  function conditionalPolls(event) {
    var elt = event.detail.elt;
    if (event.detail.verb === "get" && elt.hasAttribute("data-etag") && elt.getAttribute("data-etag")) {
      event.detail.headers["If-None-Match"] = '"' + elt.getAttribute("data-etag") + '"';
    }
  }

  function skipBusyPolls(event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute("data-poll") && busy(elt)) event.preventDefault();
  }

  // Photo limits checked before anything is sent (the server checks again).
  function checkPhotos(input) {
    var files = Array.prototype.slice.call(input.files || []);
    var message = "";
    var maxCount = parseInt(input.getAttribute("data-max-count"), 10);
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (files.length > maxCount) {
      message = input.getAttribute("data-too-many");
    } else {
      files.some(function (file) {
        if (file.size > maxBytes) {
          message = input.getAttribute("data-too-big").replace("{name}", file.name);
          return true;
        }
        return false;
      });
    }
    input.setCustomValidity(message);
    var label = input.closest("label");
    var count = label && label.querySelector(".photo-count");
    if (count) count.textContent = files.length ? count.getAttribute("data-chosen").replace("{n}", files.length) : "";
    var box = label && label.nextElementSibling;
    if (box && box.classList.contains("photo-error")) {
      box.textContent = message;
      box.hidden = !message;
    }
  }

  // Each chosen photo as a thumbnail at once, with a button that takes it out before anything is sent.
  function showThumbs(input) {
    var label = input.closest("label");
    var box = label && label.parentNode.querySelector('.thumbs[data-for="' + input.name + '"]');
    if (!box) return;
    Array.prototype.forEach.call(box.querySelectorAll("img"), function (img) { URL.revokeObjectURL(img.src); });
    box.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    files.forEach(function (file, index) {
      var figure = document.createElement("figure");
      figure.className = "thumb";
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "thumb-remove";
      remove.setAttribute("aria-label", box.getAttribute("data-remove") + " " + file.name);
      remove.textContent = "×";
      remove.addEventListener("click", function () { removePhoto(input, index); });
      figure.appendChild(img);
      figure.appendChild(remove);
      box.appendChild(figure);
    });
    box.hidden = !files.length;
  }

  function removePhoto(input, index) {
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file, i) { if (i !== index) kept.items.add(file); });
    input.files = kept.files;
    checkPhotos(input);
    showThumbs(input);
  }

  // The category is required: said next to the chips before anything is sent (the server checks again).
  function checkCategory(event) {
    var form = event.target;
    if (form.id !== "intake") return;
    var picker = form.querySelector("#category");
    if (!picker || form.querySelector("input[name=category]:checked")) return;
    event.preventDefault();
    var message = picker.querySelector(".error");
    if (!message) {
      message = document.createElement("p");
      message.className = "error";
      message.setAttribute("role", "alert");
      picker.appendChild(message);
    }
    message.textContent = picker.getAttribute("data-required");
    picker.scrollIntoView({ block: "center" });
  }

  function onChange(event) {
    var target = event.target;
    if (target.matches("input[type=file][data-max-bytes]")) {
      checkPhotos(target);
      showThumbs(target);
    }
    if (target.matches("#intake input[name=category]")) {
      var stale = document.querySelector("#category .error");
      if (stale) stale.remove();
    }
    if (target.matches("#intake select[name=building]")) filterUnits(target.form);
  }

  // Units of the chosen building only.
  function filterUnits(form) {
    var buildings = form.querySelector("select[name=building]");
    var unit = form.querySelector("select[name=unit]");
    if (!buildings || !unit) return;
    var building = buildings.value;
    Array.prototype.forEach.call(unit.options, function (option) {
      var owner = option.getAttribute("data-building");
      option.hidden = Boolean(owner && building && owner !== building);
    });
    if (unit.selectedOptions.length && unit.selectedOptions[0].hidden) unit.value = "";
  }

  // Browser geolocation fills lat/lng when asked (or at once if already allowed).
  function setUpLocate() {
    var button = document.getElementById("locate");
    if (!button) return;
    var form = button.form;
    var status = document.getElementById("locate-status");
    function locate() {
      if (!navigator.geolocation) {
        status.textContent = button.getAttribute("data-failed");
        return;
      }
      status.textContent = button.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(6);
        form.querySelector("input[name=lng]").value = position.coords.longitude.toFixed(6);
        status.textContent = button.getAttribute("data-found");
      }, function () {
        status.textContent = button.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    button.addEventListener("click", locate);
    if (navigator.permissions && !form.querySelector("input[name=lat]").value) {
      navigator.permissions.query({ name: "geolocation" }).then(function (result) {
        if (result.state === "granted") locate();
      }).catch(function () {});
    }
  }

  // htmx swaps nothing for a 5xx or 429 answer, nor when the network fails (base.html's
  // responseHandling): without a word the tap would look ignored, so say what happened.
  function tell(kind) {
    var box = document.getElementById("net-status");
    if (!box) return;
    box.textContent = box.getAttribute("data-" + kind);
    box.hidden = false;
  }

  function onResponseError(event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 503) tell("unavailable");
    else if (status === 429) tell("limited");
    else if (status >= 500) tell("failed");
    else tell("other");
  }

  function onSendError() {
    tell("offline");
  }

  // The next answer that arrives whole means the server is back: the message goes.
  function onAfterRequest(event) {
    var box = document.getElementById("net-status");
    if (box && event.detail.successful) box.hidden = true;
  }

  // Boards on a phone: one column at a time, picked with the switcher; the choice survives the board's polls.
  var shownColumn = {};

  function showColumn(board, state) {
    var columns = board.querySelectorAll(".column");
    if (!columns.length) return;
    var current = board.querySelector("#column-" + state) || board.querySelector(".column:not(.empty)") || columns[0];
    Array.prototype.forEach.call(columns, function (column) { column.classList.toggle("current", column === current); });
    Array.prototype.forEach.call(board.querySelectorAll(".column-switcher button"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-column") === current.id.slice(7)));
    });
    shownColumn[location.pathname] = current.id.slice(7);
  }

  function setUpBoards(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".board"), function (board) {
      if (!board.querySelector(".column-switcher")) return;
      board.classList.add("switched");
      showColumn(board, shownColumn[location.pathname]);
    });
  }

  // The menu closes when a tap lands anywhere else.
  function closeMenu(event) {
    var menu = document.querySelector("details.menu[open]");
    if (menu && !menu.contains(event.target)) menu.removeAttribute("open");
  }

  function onSwitch(event) {
    var button = event.target.closest(".column-switcher button[data-column]");
    if (!button) return;
    showColumn(button.closest(".board"), button.getAttribute("data-column"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("click", onSwitch);
    document.addEventListener("click", closeMenu);
    document.body.addEventListener("submit", checkCategory, true);
    document.body.addEventListener("htmx:afterSettle", function () { setUpBoards(); });
    setUpBoards();
    document.body.addEventListener("htmx:responseError", onResponseError);
    document.body.addEventListener("htmx:sendError", onSendError);
    document.body.addEventListener("htmx:afterRequest", onAfterRequest);
    document.body.addEventListener("click", confirmButtons, true);
    document.body.addEventListener("change", onChange);
    document.body.addEventListener("htmx:configRequest", conditionalPolls);
    document.body.addEventListener("htmx:beforeRequest", skipBusyPolls);
    var intake = document.getElementById("intake");
    if (intake) filterUnits(intake);
    setUpLocate();
  });
})();
