// The import page's progress bar: polls the import's status (GET /api/v1/imports/{id})
// while it runs, and reloads the page once it has ended, to show the report.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true") return;
  const url = box.dataset.statusUrl;
  const set = (id, value) => {
    const node = box.querySelector(`[data-testid="${id}"]`);
    if (node) node.textContent = value;
  };
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        const bar = box.querySelector("progress");
        bar.value = job.percent;
        bar.textContent = `${job.percent}%`;
        set("rows-read", job.rows_read);
        set("rows-written", job.rows_written);
        set("created", job.created);
        set("updated", job.updated);
        set("skipped", job.skipped);
        set("error-count", job.error_count);
        if (job.heartbeat_at) {
          // The worker's last beat, as the page first showed it: HH:MM:SS in UTC.
          const beat = box.querySelector('[data-testid="import-heartbeat"]');
          if (beat) {
            beat.dateTime = job.heartbeat_at;
            beat.textContent = new Date(job.heartbeat_at).toISOString().slice(11, 19);
            box.querySelector('[data-testid="import-heartbeat-line"]').hidden = false;
          }
        }
        if (["done", "failed", "cancelled"].includes(job.status)) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
