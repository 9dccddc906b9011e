// Shared by every page: fetch() with this browser's CSRF token, and small helpers.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // A fetch() that carries the CSRF token and asks for JSON; pages use it for their writes.
  window.gonghuiFetch = function (url, options) {
    options = options || {};
    options.headers = Object.assign(
      { "X-CSRF-Token": csrf, Accept: "application/json" },
      options.headers || {}
    );
    options.credentials = "same-origin";
    return fetch(url, options);
  };
})();
