// 使用我的位置 on a form: the phone's position into its lat and lon. Without a script, or
// without permission, they are typed in.
(function () {
  "use strict";
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var status = button.form.querySelector("[data-locate-status]");
    button.addEventListener("click", function () {
      window.gonghuiLocate(button.form, status, "填写经纬度", function () {
        status.textContent = "已填入当前位置。";
      });
    });
  });
})();
