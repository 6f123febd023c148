// The workspace header's "time on this task" (templates/tasks/workspace.html).
//
// It shows the very number the workspace records with the answer (workspace.js's
// telemetry.active_seconds, read through window.AnnotationWorkspace.current.telemetry),
// never a clock of its own: what the trainer sees is what is recorded. So it stops when
// the workspace stops counting (the tab hidden, or no input or playback for a minute), and
// it includes the time of earlier visits and revisions carried over in the draft.
(function () {
  "use strict";

  const POLL_MS = 500;
  const RUNNING_WITHIN_MS = 2500; // the workspace adds its time once a second

  function format(total) {
    const seconds = Math.max(0, Math.floor(total));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  function start() {
    const timer = document.getElementById("work-timer");
    const value = document.getElementById("work-timer-value");
    if (!timer || !value) return;
    const paused = timer.querySelector(".work-timer-paused");
    let initial = 0;
    try {
      const config = JSON.parse(document.getElementById("workspace-config").textContent);
      initial = Number(((config.initial || {}).telemetry || {}).active_seconds) || 0;
    } catch (err) {
      initial = 0;
    }

    function recorded() {
      const api = window.AnnotationWorkspace && window.AnnotationWorkspace.current;
      if (!api || typeof api.telemetry !== "function") return initial;
      return Number(api.telemetry().active_seconds) || 0;
    }

    let last = recorded();
    let changedAt = -Infinity;
    function show() {
      const seconds = recorded();
      const now = performance.now();
      if (seconds !== last) {
        changedAt = now;
        last = seconds;
      }
      const running = now - changedAt < RUNNING_WITHIN_MS;
      const text = format(seconds);
      if (value.textContent !== text) {
        value.textContent = text;
        value.setAttribute("datetime", "PT" + Math.floor(seconds) + "S");
      }
      timer.dataset.state = running ? "running" : "paused";
      if (paused) paused.hidden = running;
    }
    show();
    setInterval(show, POLL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
