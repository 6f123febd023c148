// Tells the server the browser's time zone, so figures about "today" (a trainer's
// submissions since midnight) follow the trainer's own day: the `tz` cookie, read by
// annotation_platform/time_zones.py. Only the zone's name (e.g. "Europe/Berlin") is kept.
(function () {
  "use strict";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (err) {
    return;
  }
  if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  const current = document.cookie.split("; ").find((c) => c.indexOf("tz=") === 0);
  if (current === "tz=" + zone) return;
  document.cookie =
    "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
})();
