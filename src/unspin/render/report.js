(function () {
  "use strict";
  var body = document.body;
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      body.classList.toggle("hide-" + box.dataset.layer, !box.checked);
    });
  });
  function clearFocus() {
    document.querySelectorAll(".focus").forEach(function (el) { el.classList.remove("focus"); });
  }
  document.querySelectorAll("button.ev-link").forEach(function (btn) {
    btn.addEventListener("click", function () {
      clearFocus();
      var els = document.querySelectorAll("#article ." + btn.dataset.ev);
      els.forEach(function (el) { el.classList.add("focus"); });
      if (els.length) { els[0].scrollIntoView({behavior: "smooth", block: "center"}); }
    });
  });
  document.querySelectorAll("button.who").forEach(function (btn) {
    btn.addEventListener("click", function () {
      clearFocus();
      var id = btn.dataset.actor;
      var els = Array.prototype.filter.call(document.querySelectorAll("#article [data-speaker]"),
        function (el) { return el.dataset.speaker.split(" ").indexOf(id) >= 0; });
      els.forEach(function (el) { el.classList.add("focus"); });
      if (els.length) { els[0].scrollIntoView({behavior: "smooth", block: "center"}); }
    });
  });
  document.querySelectorAll("button.tech-filter").forEach(function (btn) {
    btn.addEventListener("click", function () {
      clearFocus();
      var name = btn.dataset.technique;
      var els = Array.prototype.filter.call(document.querySelectorAll("#article [data-technique]"),
        function (el) { return el.dataset.technique.split(" ").indexOf(name) >= 0; });
      els.forEach(function (el) { el.classList.add("focus"); });
      if (els.length) { els[0].scrollIntoView({behavior: "smooth", block: "center"}); }
    });
  });
})();
(function () {
  "use strict";
  var select = document.getElementById("voice-filter");
  if (!select) { return; }
  select.addEventListener("change", function () {
    var want = select.value;
    document.querySelectorAll("#article [data-voice]").forEach(function (el) {
      var voices = el.dataset.voice.split(" ");
      el.classList.toggle("voice-off", want !== "" && voices.indexOf(want) < 0);
    });
  });
})();
