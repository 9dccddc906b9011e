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
        if (html !== null) { moves.innerHTML = html; }
      })
      .catch(function () { /* the next event tries again */ });
  }
  var source = new EventSource(live.getAttribute("data-events-url"));
  source.addEventListener("case", function (event) {
    live.innerHTML = event.data;
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
