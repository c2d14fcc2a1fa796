// gridcase outbox: what a grid worker records without a signal is kept in the browser (IndexedDB) and sent
// when the connection returns or the app is next opened, in order, each item once.
//
// Exactly once rests on the server's intake key (workflows/service.py recorded_intake/open_case): every item
// keeps the key it was given when recorded, and sending it again — a retry after a lost answer, a second tab —
// gets back the case the first send created. A lock (Web Locks) keeps two tabs from sending at the same time.
// Items are of a kind (KINDS): a case today; another kind (a visit) adds its own entry.
import { forgetPages, keep, register } from "./sw-register.js";

var script = document.querySelector("script[data-outbox]");
var CONFIG = {
  user: script.getAttribute("data-user") || "",
  session: script.getAttribute("data-session"),
  outbox: script.getAttribute("data-outbox"),
  sw: script.getAttribute("data-sw"),
  maxSide: parseInt(script.getAttribute("data-max-side"), 10) || 2560,
  maxBytes: parseInt(script.getAttribute("data-max-bytes"), 10) || 10485760,
};
var OPEN = ["waiting", "sending"];
var SENT_KEPT_DAYS = 7; // a sent item stays listed (number and link) this long; its case is on the server
var KEEP_EVERY = 10 * 60 * 1000; // how often the pages kept offline are refreshed while online

// ---- storage ------------------------------------------------------------------------------------

var dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open("gridcase", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  return dbPromise;
}

function store(mode, work) {
  return db().then(function (database) {
    return new Promise(function (resolve, reject) {
      var tx = database.transaction("outbox", mode);
      var result = work(tx.objectStore("outbox"));
      tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  });
}

function all() {
  return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
    return (items || []).sort(function (a, b) { return a.id - b.id; });
  });
}

function get(id) { return store("readonly", function (s) { return s.get(id); }); }
function put(item) { return store("readwrite", function (s) { return s.put(item); }).then(function (id) { changed(); return id; }); }

// Sent items older than a week leave the list; waiting and refused ones never do.
function prune() {
  var before = Date.now() - SENT_KEPT_DAYS * 86400000;
  return store("readwrite", function (s) {
    s.getAll().onsuccess = function (event) {
      event.target.result.forEach(function (item) {
        if (item.status === "sent" && item.sentAt && Date.parse(item.sentAt) < before) s.delete(item.id);
      });
    };
  }).catch(function () {});
}

// The signed-in person's items (on a shared tablet the others' stay until they sign in again).
function mine() {
  return all().then(function (items) {
    return items.filter(function (item) { return CONFIG.user && item.user === CONFIG.user; });
  });
}

// ---- kinds ------------------------------------------------------------------------------------------

// What each kind of item sends: the form's fields and photos, to the form's own address.
var KINDS = {
  "case": {
    body: function (item) {
      var body = new FormData();
      item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.set("intake_key", item.key);
      (item.photos || []).forEach(function (photo) { body.append(photo.field, photo.blob, photo.name); });
      return body;
    },
  },
};

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  var bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}

// ---- sending ------------------------------------------------------------------------------------

var channel = "BroadcastChannel" in window ? new BroadcastChannel("gridcase-outbox") : null;
var listeners = [];

function changed() {
  if (channel) channel.postMessage("changed");
  listeners.forEach(function (listener) { listener(); });
}

function locked(work) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request("gridcase-outbox", work);
  return work();
}

function isJson(response) {
  return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
}

// Who is signed in and a fresh CSRF token, or null (signed out, or no connection).
function session() {
  return fetch(CONFIG.session, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      return response.ok && isJson(response) ? response.json() : null;
    })
    .catch(function () { return null; });
}

// Send one item; resolves true to go on with the next one, false to stop (no connection, server trouble).
function sendOne(item, token) {
  item.status = "sending";
  item.attempts = (item.attempts || 0) + 1;
  return put(item).then(function () {
    return fetch(item.url, {
      method: "POST", body: KINDS[item.kind].body(item), credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    });
  }).then(function (response) {
    var answer = isJson(response) ? response.json().catch(function () { return null; }) : Promise.resolve(null);
    return answer.then(function (data) {
      if (response.status === 201 && data && data.number) {
        item.status = "sent";
        item.number = data.number;
        item.link = data.url;
        item.sentAt = new Date().toISOString();
        item.photos = []; // recorded on the server: the copies on the tablet are no longer needed
        item.reason = null;
        item.errors = null;
        return put(item).then(function () { return true; });
      }
      if (data && data.errors && response.status >= 400 && response.status < 500 && response.status !== 429) {
        return refuse(item, response.status, data.message, data.errors);
      }
      if (response.status === 403 || response.status === 404 || response.status === 413) {
        return refuse(item, response.status, null, null);
      }
      item.status = "waiting"; // 5xx, 429, an expired session: try again later, in the same order
      return put(item).then(function () { return false; });
    });
  }, function () {
    item.status = "waiting";
    return put(item).then(function () { return false; });
  });
}

function refuse(item, status, message, errors) {
  item.status = "refused";
  item.httpStatus = status;
  item.reason = message;
  item.errors = errors;
  return put(item).then(function () { return true; });
}

var running = null;
var again = false;

// Send the waiting items of the signed-in person, oldest first. Safe to call often and from every tab;
// a call while a round is under way asks for one more round after it (an item saved meanwhile).
export function sync() {
  if (running) {
    again = true;
    return running;
  }
  if (!CONFIG.user || !navigator.onLine) return Promise.resolve();
  again = false;
  running = mine().then(function (items) {
    if (!items.some(function (item) { return OPEN.indexOf(item.status) >= 0; })) return null;
    return locked(function () {
      return session().then(function (current) {
        if (!current || String(current.user) !== CONFIG.user) return null;
        return mine().then(function (fresh) {
          var queue = fresh.filter(function (item) { return OPEN.indexOf(item.status) >= 0; });
          var next = function (i) {
            if (i >= queue.length) return null;
            // Read again under the lock: another tab may have sent it a moment ago.
            return get(queue[i].id).then(function (item) {
              if (!item || OPEN.indexOf(item.status) < 0) return next(i + 1);
              return sendOne(item, current.csrf).then(function (goOn) { return goOn ? next(i + 1) : null; });
            });
          };
          return next(0);
        });
      });
    });
  }).catch(function () { return null; }).then(function () {
    running = null;
    if (again) return sync();
    return null;
  });
  return running;
}

// ---- recording --------------------------------------------------------------------------------------

// A photo made smaller on the tablet: the longest side within the server's limit, JPEG, under its size limit.
function shrink(file) {
  if (!window.createImageBitmap) return Promise.resolve(file);
  return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
    var scale = Math.min(1, CONFIG.maxSide / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    var encode = function (quality) {
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); }).then(function (blob) {
        if (blob && blob.size > CONFIG.maxBytes && quality > 0.4) return encode(quality - 0.15);
        return blob || file;
      });
    };
    return encode(0.85);
  }, function () {
    return file; // not decodable here: sent as it is, and the server says why it refuses it
  });
}

function jpegName(name) {
  return (name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
}

// The form's fields (text, choices) and photos (made smaller), as an outbox item of kind "case".
function capture(form) {
  var fields = [];
  var files = [];
  Array.prototype.forEach.call(form.elements, function (element) {
    if (!element.name || element.disabled || element.name === "csrf_token" || element.name === "intake_key") return;
    if (element.type === "file") {
      Array.prototype.forEach.call(element.files || [], function (file) { files.push({ field: element.name, file: file }); });
    } else if (element.type === "radio" || element.type === "checkbox") {
      if (element.checked) fields.push([element.name, element.value]);
    } else if (element.tagName !== "BUTTON" && element.type !== "submit") {
      fields.push([element.name, element.value]);
    }
  });
  return Promise.all(files.map(function (entry) {
    return shrink(entry.file).then(function (blob) {
      return { field: entry.field, name: blob === entry.file ? entry.file.name : jpegName(entry.file.name), blob: blob };
    });
  })).then(function (photos) {
    var chosen = form.querySelector("input[name=category]:checked");
    var heading = document.querySelector("h1 small");
    return {
      fields: fields, photos: photos,
      summary: {
        title: (form.elements.title && form.elements.title.value) || "",
        category: chosen ? chosen.parentElement.textContent.trim() : "",
        grid: heading ? heading.textContent.trim() : "",
      },
    };
  });
}

function note(form, text) {
  var box = document.getElementById("outbox-note");
  if (!box) return;
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "center" });
}

function fill(form, item) {
  Array.prototype.forEach.call(form.querySelectorAll("input[type=radio], input[type=checkbox]"), function (input) {
    input.checked = false;
  });
  item.fields.forEach(function (pair) {
    var elements = form.querySelectorAll('[name="' + pair[0] + '"]');
    Array.prototype.forEach.call(elements, function (element) {
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.value === pair[1]) element.checked = true;
      } else if (element.type !== "file") {
        element.value = pair[1];
      }
    });
  });
  form.querySelectorAll("details").forEach(function (details) {
    if (details.querySelector("input:checked")) details.open = true;
  });
}

// The new-case form: offline, the case goes to the outbox; opened from the outbox (#outbox=<id>), the
// refused item is corrected and queued again with the key it always had.
function setUpForm(form) {
  var box = document.getElementById("outbox-note");
  var match = /^#outbox=(\d+)$/.exec(location.hash);
  var correcting = null;
  var keyField = form.querySelector("input[name=intake_key]");
  // A form page may be a copy kept offline, shown more than once: each showing gets a key of its own.
  if (keyField && !document.querySelector(".error.banner")) keyField.value = newKey();
  if (match && CONFIG.user) {
    get(parseInt(match[1], 10)).then(function (item) {
      if (!item || item.user !== CONFIG.user || item.status !== "refused") return;
      correcting = item;
      fill(form, item);
      note(form, box.getAttribute("data-correcting").replace("{n}", (item.photos || []).length) +
        (item.reason ? " " + item.reason : ""));
    });
  }
  form.addEventListener("submit", function (event) {
    if (!correcting && navigator.onLine) return; // online: the ordinary form post
    if (!CONFIG.user) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    capture(form).then(function (captured) {
      var item = correcting || { kind: "case", user: CONFIG.user, key: newKey(), created: new Date().toISOString() };
      if (correcting && correcting.httpStatus === 409) item.key = newKey(); // its key belongs to someone else's case
      item.url = form.action;
      item.fields = captured.fields;
      item.photos = (correcting ? (correcting.photos || []) : []).concat(captured.photos);
      item.summary = captured.summary;
      item.status = "waiting";
      item.reason = null;
      item.errors = null;
      return put(item);
    }).then(function () {
      if (correcting) {
        sync();
        location.assign(CONFIG.outbox);
        return;
      }
      form.reset();
      if (keyField) keyField.value = newKey();
      Array.prototype.forEach.call(form.querySelectorAll(".photo-count"), function (count) { count.textContent = ""; });
      note(form, box.getAttribute("data-saved"));
      if (button) button.disabled = false;
      sync();
    }).catch(function () {
      note(form, box.getAttribute("data-failed"));
      if (button) button.disabled = false;
    });
  });
}

// ---- showing ------------------------------------------------------------------------------------

// The header's outbox entry carries the number of items not yet sent.
function showCount() {
  var link = document.querySelector('a.outbox-link[href="' + CONFIG.outbox + '"]');
  if (!link || !CONFIG.user) return Promise.resolve();
  return mine().then(function (items) {
    var waiting = items.filter(function (item) { return item.status !== "sent"; }).length;
    var badge = link.querySelector(".outbox-count");
    if (badge && !waiting) badge.remove();
    if (!badge && waiting) {
      badge = document.createElement("span");
      badge.className = "count outbox-count";
      link.appendChild(badge);
    }
    if (waiting) badge.textContent = String(waiting);
    link.setAttribute("data-waiting", String(waiting));
  }).catch(function () {});
}

function element(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

// The outbox page: every item of the signed-in person with its status.
function showList(list) {
  return mine().then(function (items) {
    var labels = list.dataset;
    list.textContent = "";
    document.getElementById("outbox-empty").hidden = items.length > 0;
    items.forEach(function (item) {
      var li = element("li", "card outbox-item status-" + item.status);
      li.id = "outbox-item-" + item.id;
      li.setAttribute("data-status", item.status);
      var head = element("div", "card-head");
      var tone = { sent: " suspended", refused: " urgent" }[item.status] || "";
      head.appendChild(element("span", "badge status" + tone, labels[item.status] || item.status));
      head.appendChild(element("strong", "", item.summary.title || item.summary.category || labels.untitled));
      if (item.summary.grid) head.appendChild(element("span", "muted", item.summary.grid));
      head.appendChild(element("span", "muted", new Date(item.created).toLocaleString()));
      li.appendChild(head);
      if (item.status !== "sent" && item.photos && item.photos.length) {
        li.appendChild(element("p", "muted", labels.photos.replace("{n}", item.photos.length)));
      }
      if (item.status === "sent") {
        var done = element("p", "sent");
        done.appendChild(document.createTextNode(labels.number + " "));
        var link = element("a", "number", item.number);
        link.href = item.link;
        done.appendChild(link);
        li.appendChild(done);
      }
      if (item.status === "refused") {
        var reason = item.reason || labels["refused-" + item.httpStatus] || labels.refusedOther;
        li.appendChild(element("p", "error reason", reason));
        Object.keys(item.errors || {}).forEach(function (field) {
          var text = item.errors[field];
          if (text && text !== reason) li.appendChild(element("p", "error", text));
        });
        var fix = element("a", "button primary correct", labels.correct);
        var scoped = item.httpStatus === 403 || item.httpStatus === 404;
        fix.href = (scoped ? labels.newCase : item.url) + "#outbox=" + item.id;
        li.appendChild(fix);
      }
      list.appendChild(li);
    });
  }).catch(function () {});
}

function setUpOutboxPage(list) {
  var refresh = function () { showList(list); };
  listeners.push(refresh);
  refresh();
  var button = document.getElementById("outbox-send");
  if (button) button.addEventListener("click", function () { sync(); });
}

// ---- start ------------------------------------------------------------------------------------------

function keepPages(registration) {
  if (!registration || !CONFIG.user || !navigator.onLine) return Promise.resolve(0);
  var last = parseInt(localStorage.getItem("gridcase-kept-at") || "0", 10);
  if (localStorage.getItem("gridcase-kept-for") === CONFIG.user && Date.now() - last < KEEP_EVERY) {
    return Promise.resolve(0);
  }
  return session().then(function (current) {
    if (!current) return 0;
    return keep(registration, current.keep).then(function (kept) {
      if (kept === current.keep.length) {
        localStorage.setItem("gridcase-kept-at", String(Date.now()));
        localStorage.setItem("gridcase-kept-for", CONFIG.user);
      }
      return kept;
    });
  });
}

// The same tablet, another person (or nobody): the pages kept for the last one go.
function checkPerson() {
  var last = localStorage.getItem("gridcase-person");
  if (last !== null && last !== CONFIG.user) {
    localStorage.removeItem("gridcase-kept-at");
    forgetPages();
  }
  localStorage.setItem("gridcase-person", CONFIG.user);
}

var ready = register(CONFIG.sw);

// For the browser tests and the pages: send now, keep pages now, read the items.
window.gridcaseOutbox = {
  sync: sync,
  items: mine,
  keep: function () {
    localStorage.removeItem("gridcase-kept-at");
    return ready.then(keepPages);
  },
  ready: ready,
};

checkPerson();
prune();
if (channel) channel.onmessage = function () { listeners.forEach(function (listener) { listener(); }); };
listeners.push(showCount);
showCount();
var form = document.getElementById("intake");
if (form && document.getElementById("outbox-note")) setUpForm(form);
var list = document.getElementById("outbox-list");
if (list) setUpOutboxPage(list);
window.addEventListener("online", function () { sync(); });
document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") sync(); });
setInterval(function () { sync(); }, 30000);
sync();
ready.then(keepPages);
