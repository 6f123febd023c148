// Review pages: a live rubric score while judging, the lease given back when the reviewer
// leaves without deciding, reasons filtered as you type, images zoomed, and (on the review
// page, ``data-shortcuts``) keyboard shortcuts for decisions, judgments and submitting; they
// never fire while the reviewer types in a text field (Esc leaves it). The recorded score is always the server's
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

  // --- reasons: a list of checkboxes filtered as the reviewer types ----------------------

  function setUpReasons(form) {
    const box = form.querySelector("[data-reasons]");
    const filter = box && box.querySelector("[data-reason-filter]");
    if (!filter) return;
    const labels = Array.from(box.querySelectorAll("[data-reason]"));
    const none = box.querySelector("[data-reason-none]");
    const visible = () => labels.filter((label) => !label.hidden);
    const apply = () => {
      const words = filter.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      labels.forEach((label) => {
        const text = label.textContent.toLocaleLowerCase();
        label.hidden = !words.every((word) => text.includes(word));
        label.classList.remove("is-first");
      });
      box.querySelectorAll("[data-reason-group]").forEach((group) => {
        group.hidden = !group.querySelector("[data-reason]:not([hidden])");
      });
      const shown = visible();
      if (words.length && shown.length) shown[0].classList.add("is-first");
      if (none) none.hidden = shown.length > 0;
    };
    filter.addEventListener("input", apply);
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        // Enter ticks (or unticks) the first match instead of sending the form.
        event.preventDefault();
        const first = visible()[0];
        const input = first && first.querySelector("input");
        if (input && filter.value.trim()) {
          input.checked = !input.checked;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          filter.value = "";
          apply();
          // Back to the shortcuts: C for the comment, / for another reason.
          filter.blur();
        }
      } else if (event.key === "ArrowDown") {
        const first = visible()[0];
        if (first) {
          event.preventDefault();
          first.querySelector("input").focus();
        }
      }
    });
  }

  // --- zoom: the task's images open at full size in a dialog ----------------------------------

  function setUpZoom() {
    const dialog = document.querySelector("[data-zoom-dialog]");
    if (!dialog || typeof dialog.showModal !== "function") return null;
    const big = dialog.querySelector("[data-zoom-image]");
    const stage = big.parentElement;
    const open = (img) => {
      big.src = img.currentSrc || img.src;
      big.alt = img.alt;
      stage.classList.remove("is-actual");
      dialog.showModal();
    };
    big.addEventListener("click", () => stage.classList.toggle("is-actual"));
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
    const images = () => Array.from(document.querySelectorAll(".review-main .image-viewer img"));
    images().forEach((img) => {
      img.title = gettext("Click to zoom");
      img.addEventListener("click", () => open(img));
    });
    return () => {
      const first = images()[0];
      if (first) open(first);
    };
  }

  // --- keyboard: decisions, judgments and submitting without the mouse ---------------------

  const DECISION_KEYS = { a: "accept", r: "return", x: "reject" };

  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    const field = target.closest("input, textarea, select");
    if (!field) return false;
    if (field.tagName !== "INPUT") return true;
    return !["radio", "checkbox", "button", "submit", "reset"].includes(field.type);
  }

  function setUpShortcuts(form, zoom) {
    const criteria = Array.from(form.querySelectorAll("fieldset[data-criterion]"));
    const nextButton = form.querySelector("[data-default-submit]");
    const queueButton = form.querySelector("[data-queue-submit]");
    const filter = form.querySelector("[data-reason-filter]");
    const comment = form.querySelector("textarea[name=comment]");
    let current = -1;

    const show = (index) => {
      if (!criteria.length) return;
      current = Math.max(0, Math.min(criteria.length - 1, index));
      criteria.forEach((fieldset, i) => {
        fieldset.classList.toggle("is-current", i === current);
        if (i === current) fieldset.setAttribute("aria-current", "true");
        else fieldset.removeAttribute("aria-current");
      });
      criteria[current].scrollIntoView({ block: "nearest" });
    };
    const here = () => {
      if (current < 0) show(0);
      return criteria[current];
    };
    const pick = (input) => {
      if (!input) return false;
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    };
    const judge = (value) => {
      const fieldset = here();
      const radios = Array.from(fieldset.querySelectorAll('input[type="radio"]'));
      const binary = radios.some((radio) => radio.value === "met");
      let wanted = value;
      if (binary && value === "1") wanted = "met";
      if (binary && value === "0") wanted = "not_met";
      if (!pick(radios.find((radio) => radio.value === wanted))) return false;
      if (value !== "" && current < criteria.length - 1) show(current + 1);
      else show(current);
      return true;
    };
    const send = (button) => {
      if (!button) return;
      if (typeof form.requestSubmit === "function") form.requestSubmit(button);
      else button.click();
    };
    // Focus lands on the form so the first key works at once.
    criteria.forEach((fieldset, i) =>
      fieldset.addEventListener("focusin", () => {
        if (current !== i) show(i);
      })
    );

    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.altKey || event.metaKey || event.isComposing) return;
      if (document.querySelector("dialog[open]")) return;
      const key = event.key;
      if (key === "Enter" && event.ctrlKey) {
        event.preventDefault();
        send(event.shiftKey ? queueButton : nextButton);
        return;
      }
      if (key === "Escape" && typing(event.target)) {
        event.target.blur();
        return;
      }
      if (event.ctrlKey || typing(event.target)) return;
      const lower = key.length === 1 ? key.toLowerCase() : key;
      let handled = true;
      if (key === "Enter") {
        const on = event.target.closest && event.target.closest("button, a, summary");
        if (on) return; // Enter on a button or link does what it says
        send(event.shiftKey ? queueButton : nextButton);
      } else if (DECISION_KEYS[lower] && !event.shiftKey) {
        handled = pick(form.querySelector(`input[name="decision"][value="${DECISION_KEYS[lower]}"]`));
      } else if (criteria.length && (lower === "j" || key === "ArrowDown")) {
        show(current + 1);
      } else if (criteria.length && (lower === "k" || key === "ArrowUp")) {
        show(current < 0 ? 0 : current - 1);
      } else if (criteria.length && (lower === "y" || lower === "m")) {
        handled = judge("met");
      } else if (criteria.length && lower === "n") {
        handled = judge("not_met");
      } else if (criteria.length && /^[0-9]$/.test(key)) {
        handled = judge(key);
      } else if (criteria.length && lower === "u") {
        handled = judge("");
      } else if (criteria.length && lower === "e") {
        const evidence = here().querySelector(".evidence input");
        if (evidence) evidence.focus();
        else handled = false;
      } else if (key === "/" && filter) {
        filter.focus();
      } else if (lower === "c" && comment) {
        comment.focus();
      } else if (lower === "z" && zoom) {
        zoom();
      } else {
        handled = false;
      }
      if (handled) event.preventDefault();
    });
    form.dataset.shortcutsReady = "1";
  }

  // --- the decision panel: sticky beside the submission, never taller than what is left of
  // the window below its top, so its buttons (sticky at its bottom) are always in view.

  function setUpSide() {
    const side = document.querySelector(".review-side");
    if (!side) return;
    let queued = false;
    const fit = () => {
      queued = false;
      if (getComputedStyle(side).position !== "sticky") {
        side.style.removeProperty("max-height");
        return;
      }
      const top = Math.max(side.getBoundingClientRect().top, 0);
      side.style.maxHeight = `${Math.max(240, window.innerHeight - top - 12)}px`;
    };
    const later = () => {
      if (!queued) {
        queued = true;
        window.requestAnimationFrame(fit);
      }
    };
    window.addEventListener("scroll", later, { passive: true });
    window.addEventListener("resize", later);
    fit();
  }

  setUpSide();
  const zoom = setUpZoom();
  document.querySelectorAll("form[data-review-form]").forEach((form) => {
    setUpScore(form);
    setUpRelease(form);
    setUpReasons(form);
    if (form.hasAttribute("data-shortcuts")) setUpShortcuts(form, zoom);
  });
})();
