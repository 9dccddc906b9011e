// 使用我的位置: fills a form's lat and lon from the phone's position (WGS-84, as the stations
// service takes them). Without a script, or without permission, they are typed in.
(function () {
  "use strict";
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var form = button.form;
    var status = form.querySelector("[data-locate-status]");
    button.addEventListener("click", function () {
      if (!navigator.geolocation) {
        status.textContent = "此浏览器无法定位，请填写经纬度。";
        return;
      }
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          status.textContent = "已填入当前位置。";
        },
        function () {
          status.textContent = "无法获取位置（可能未授权），请填写经纬度。";
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  });
})();
