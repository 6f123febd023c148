// Review pages: a live rubric score while judging, and the lease given back when the
// reviewer leaves without deciding. The recorded score is always the server's
// (rubrics.scoring); this one only mirrors the healthbench and rar formulas as you click.
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const RAR_WEIGHTS = { essential: 1.0, important: 0.7, optional: 0.3 };
  const RAR_PITFALL = -0.9;

  function achievement(fieldset) {
    const picked = fieldset.querySelector('input[type="radio"]:checked');
    if (!picked || picked.value === "") return null;
    if (picked.value === "met") return 1;
    if (picked.value === "not_met") return 0;
    const levels = Array.from(fieldset.querySelectorAll('input[type="radio"]'))
      .map((input) => input.value)
      .filter((value) => value !== "")
      .map(Number);
    const low = Math.min(...levels);
    const high = Math.max(...levels);
    return high > low ? (Number(picked.value) - low) / (high - low) : 0;
  }

  function liveScore(box) {
    const method = box.dataset.method;
    const exclude = box.dataset.missing === "exclude";
    let possible = 0;
    let achieved = 0;
    let judged = 0;
    let total = 0;
    box.querySelectorAll("fieldset[data-criterion]").forEach((fieldset) => {
      total += 1;
      let c = achievement(fieldset);
      if (c === null) {
        if (exclude) return;
        c = 0;
      } else {
        judged += 1;
      }
      const pitfall = fieldset.dataset.pitfall === "1";
      const weight =
        method === "rar"
          ? pitfall
            ? RAR_PITFALL
            : RAR_WEIGHTS[fieldset.dataset.importance] ?? RAR_WEIGHTS.important
          : Number(fieldset.dataset.points);
      if (!pitfall && weight > 0) possible += weight;
      achieved += weight * c;
    });
    if (possible <= 0) return { text: gettext("No score yet: nothing positive is counted."), judged, total };
    const score = Math.min(1, Math.max(0, achieved / possible));
    const text = interpolate(
      gettext("Score so far: %(score)s (%(judged)s of %(total)s criteria judged)"),
      { score: score.toFixed(2), judged: judged, total: total },
      true
    );
    return { text, judged, total };
  }

  function setUpScore(form) {
    const box = form.querySelector("[data-method]");
    const out = form.querySelector("[data-testid='live-score']");
    if (!box || !out || box.dataset.live !== "1") return;
    const update = () => {
      out.textContent = liveScore(box).text;
      out.hidden = false;
    };
    box.addEventListener("change", update);
    update();
  }

  function setUpRelease(form) {
    const url = form.dataset.releaseUrl;
    if (!url || !navigator.sendBeacon) return;
    let submitting = false;
    document.querySelectorAll("form").forEach((any) =>
      any.addEventListener("submit", () => {
        submitting = true;
      })
    );
    window.addEventListener("pagehide", () => {
      if (submitting) return;
      const body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      body.append("quiet", "1");
      navigator.sendBeacon(url, body);
    });
  }

  document.querySelectorAll("form[data-review-form]").forEach((form) => {
    setUpScore(form);
    setUpRelease(form);
  });
})();
