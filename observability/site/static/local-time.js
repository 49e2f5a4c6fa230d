// Shows every <time datetime="…Z"> also in the viewer's own time zone. The page is complete
// without it: the server already wrote each time in UTC (and in the rotation's zone).
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false, timeZoneName: "short"
  });
  var times = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i++) {
    var when = new Date(times[i].getAttribute("datetime"));
    if (isNaN(when.getTime())) continue;
    var local = document.createElement("span");
    local.className = "local-time";
    local.title = "your time zone: " + zone;
    local.textContent = format.format(when);
    times[i].insertAdjacentElement("afterend", local);
  }
  var label = document.querySelector("[data-viewer-zone]");
  if (label) label.textContent = zone;
})();
