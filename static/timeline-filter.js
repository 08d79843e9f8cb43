// Topic filter for the timeline: an enhancement only. Without JavaScript every event is listed.
(function () {
  "use strict";
  var box = document.querySelector("[data-topics]");
  if (!box) { return; }
  var select = box.querySelector("select");
  var status = box.querySelector("[role=status]");
  var events = Array.prototype.slice.call(document.querySelectorAll(".event[data-topic]"));
  var years = Array.prototype.slice.call(document.querySelectorAll("section.year"));
  function apply() {
    var topic = select.value;
    var shown = 0;
    events.forEach(function (event) {
      var visible = !topic || event.getAttribute("data-topic") === topic;
      event.hidden = !visible;
      if (visible) { shown += 1; }
    });
    years.forEach(function (year) {
      year.hidden = !year.querySelector(".event:not([hidden])");
    });
    status.textContent = shown + " / " + events.length;
  }
  select.addEventListener("change", apply);
  box.hidden = false;
}());
