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

  // A form is sent once: a second tap while the next page loads would send it again (a case
  // submitted twice, a complaint counted twice). Scripts that send a form themselves prevent
  // the default first, and are left alone. (The server also applies a form once, by the
  // `form_id` every page form carries: sent again after 返回, it goes where the first went.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    // After this turn, so the button that sent the form is still sent with it.
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // The phone's position into a form's `lat` and `lon` (browsers report WGS-84, the datum the
  // stations service takes), saying on `status` how it goes; `otherwise` is what to do instead.
  window.gonghuiLocate = function (form, status, otherwise, then) {
    if (!navigator.geolocation) {
      status.textContent = "此浏览器无法定位，请" + otherwise + "。";
      return;
    }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lon.value = position.coords.longitude.toFixed(6);
        then();
      },
      function () {
        status.textContent = "无法获取位置（可能未授权），请" + otherwise + "。";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  };

  // A choice that rules out the same value among a form's checkboxes (the unit chosen to lead
  // a case is not also its co-handler): `<select data-excludes="co_unit_codes">`. Without a
  // script the server refuses the pair and says why.
  function applyExclusions(root) {
    root.querySelectorAll("select[data-excludes]").forEach(function (select) {
      var name = select.getAttribute("data-excludes");
      select.form.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
        var excluded = box.value === select.value;
        if (excluded) { box.checked = false; }
        box.disabled = excluded;
      });
    });
  }
  window.gonghuiApplyExclusions = applyExclusions;
  applyExclusions(document);
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-excludes]")) { applyExclusions(event.target.form); }
  });

  // How many messages are unread, beside 消息 in the nav: asked after the page shows, so no
  // page waits on notify (and without a script the messages page says it).
  var messages = document.querySelector('.site-nav a[href="/messages"]');
  if (messages) {
    fetch("/messages/unread", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (!found || !found.unread) { return; }
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.setAttribute("data-testid", "unread-badge");
        badge.textContent = found.unread >= 100 ? "99+" : String(found.unread);
        messages.setAttribute("aria-label", "消息（" + badge.textContent + " 条未读）");
        messages.appendChild(badge);
      })
      .catch(function () { /* no badge: the page itself still lists what is unread */ });
  }

  // Back to a page kept in memory: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    });
  });
})();
