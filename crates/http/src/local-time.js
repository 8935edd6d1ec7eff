// Shows an event's time in the viewer's own time zone. The page needs none of it: without
// script it already shows the time in the event's zone and in UTC. Only text is written
// (textContent), never markup.
(function () {
  "use strict";
  if (typeof Intl === "undefined" || typeof Intl.DateTimeFormat !== "function") {
    return;
  }
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short"
    });
  } catch (e) {
    return;
  }
  var nodes = document.querySelectorAll("[data-viewer-time]");
  for (var i = 0; i < nodes.length; i++) {
    var time = nodes[i].querySelector("time[datetime]");
    var label = nodes[i].querySelector("[data-label]");
    if (!time || !label) {
      continue;
    }
    var start = new Date(time.getAttribute("datetime"));
    if (isNaN(start.getTime())) {
      continue;
    }
    var endText = time.getAttribute("data-end");
    var end = endText ? new Date(endText) : null;
    var text;
    if (end && !isNaN(end.getTime()) && typeof format.formatRange === "function") {
      text = format.formatRange(start, end);
    } else {
      text = format.format(start);
    }
    label.textContent = "Your time:";
    time.textContent = text;
  }
})();
