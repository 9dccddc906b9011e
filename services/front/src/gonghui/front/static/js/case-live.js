// A case's page follows the case live: the server sends the re-rendered part on every event.
(function () {
  "use strict";
  var live = document.getElementById("case-live");
  var state = document.getElementById("live-state");
  if (!live || !window.EventSource) { return; }
  // On the work queue, what the unit may do next follows the case too.
  function refreshMoves() {
    var moves = document.getElementById("moves");
    if (!moves) { return; }
    fetch(moves.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var next = parse(html);
        // Re-rendering the forms would throw away what the person is typing: replace them only
        // when the moves they may make changed.
        if (formKeys(next) !== formKeys(moves)) { replaceKeepingTyped(moves, next); }
      })
      .catch(function () { /* the next event tries again */ });
  }
  function formKeys(root) {
    return Array.prototype.map.call(root.querySelectorAll("form[data-testid]"), function (form) {
      return form.getAttribute("data-testid");
    }).join(",");
  }
  function parse(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return holder;
  }
  // What the person typed, ticked or chose in a form survives the form being rendered again.
  function replaceKeepingTyped(container, next) {
    container.querySelectorAll("form[data-testid]").forEach(function (form) {
      var twin = next.querySelector("form[data-testid='" + form.getAttribute("data-testid") + "']");
      if (!twin) { return; }
      form.querySelectorAll("input[name]:not([type=hidden]):not([type=file]), textarea[name], select[name]")
        .forEach(function (field) {
          if (field.type === "radio" || field.type === "checkbox") {
            var choice = twin.querySelector(
              "[name='" + field.name + "'][value='" + field.value + "']");
            if (choice) { choice.checked = field.checked; }
          } else {
            var other = twin.querySelector("[name='" + field.name + "']");
            if (other && field.value) { other.value = field.value; }
          }
        });
    });
    container.replaceChildren.apply(container, Array.prototype.slice.call(next.childNodes));
    window.gonghuiApplyExclusions(container);
  }
  var source = new EventSource(live.getAttribute("data-events-url"));
  source.addEventListener("case", function (event) {
    replaceKeepingTyped(live, parse(event.data));
    live.setAttribute("data-updated", String(Date.now()));
    if (state) { state.textContent = "进度实时更新"; }
    refreshMoves();
  });
  source.addEventListener("closed", function (event) {
    if (state) { state.textContent = event.data; }
    source.close();
  });
  source.onerror = function () {
    // The browser reconnects by itself (with Last-Event-ID); say so meanwhile.
    if (state) { state.textContent = "连接中断，正在重新连接…"; }
  };
  window.addEventListener("pagehide", function () { source.close(); });
})();
