// gridcase: register the service worker (/sw.js, whole-app scope) and ask it to keep the pages a grid
// worker needs offline. Imported by outbox.js.

// The worker controlling this page, once it is active (null where service workers are not available).
export function register(url) {
  if (!("serviceWorker" in navigator) || !url) return Promise.resolve(null);
  return navigator.serviceWorker.register(url, { scope: "/" })
    .then(function () { return navigator.serviceWorker.ready; })
    .catch(function () { return null; });
}

// Ask the worker to fetch and keep these pages; resolves with how many were kept.
export function keep(registration, urls) {
  if (!registration || !registration.active) return Promise.resolve(0);
  return new Promise(function (resolve) {
    var channel = new MessageChannel();
    var timer = setTimeout(function () { resolve(0); }, 30000);
    channel.port1.onmessage = function (event) {
      clearTimeout(timer);
      resolve((event.data && event.data.kept) || 0);
    };
    registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
  });
}

// Pages kept for one person are dropped when another signs in on the same tablet (or on sign-out).
export function forgetPages() {
  if (!("caches" in window)) return Promise.resolve();
  return caches.delete("gridcase-pages").catch(function () {});
}
