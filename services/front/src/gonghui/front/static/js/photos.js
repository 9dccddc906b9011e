// Photos chosen on a phone are shrunk to 1600 px JPEGs before upload: smaller, and drawing them
// on a canvas drops their EXIF (where and when they were taken). The server strips it as well.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.85;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap) {
        resolve(file);
        return;
      }
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", QUALITY);
      }, function () { resolve(file); });
    });
  }

  // Delegated, so that forms drawn again after a live update are covered too.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-photos]")) { return; }
    (function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length || !window.DataTransfer) { return; }
      var form = input.form;
      var button = form && form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      Promise.all(files.map(shrink)).then(function (shrunk) {
        var transfer = new DataTransfer();
        shrunk.forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;
        if (button) { button.disabled = false; }
      });
    })();
  });
})();
