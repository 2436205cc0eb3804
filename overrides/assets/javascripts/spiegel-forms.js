// Optional enhancement: tell the endpoint how long the form was open (bots submit instantly).
// Forms work the same without JavaScript; the endpoint then skips this check.
(function () {
  var start = Date.now();
  document.addEventListener("submit", function (event) {
    var field = event.target.querySelector && event.target.querySelector("input[name=_elapsed]");
    if (field) field.value = String(Date.now() - start);
  }, true);
})();
