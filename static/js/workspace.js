// The trainer workspace: answer widgets, autosave, keyboard shortcuts, honest telemetry and
// submit. Plain JavaScript, no build step, no libraries.
//
// The page is rendered by the server (templates/tasks/workspace.html with the partials
// _display_blocks.html and _questions.html); this script only enhances it. The answer it
// collects has exactly the shapes tasks/answer_validation.py checks; the server validates
// every submit, so nothing here decides what a valid answer is, it only helps get there.
//
// Pages without #workspace-config (the template editor's preview, submission pages) get the
// audio player, the image viewer and live widgets, but nothing is saved or submitted there:
// call window.AnnotationWorkspace.enhance(element) after inserting such HTML.
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  // --- small helpers --------------------------------------------------------------------

  /** Length in Unicode code points, as Python counts a string (the validator's unit). */
  function cpLength(text) {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  // Mirrors tasks.answer_validation.count_words: every CJK ideograph is a word, other words
  // are whitespace-separated tokens with at least one letter or digit.
  const CJK_RE =
    /[\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2fa1f}\u{30000}-\u{323af}]/gu;
  const WORDLIKE_RE = /[\p{L}\p{N}]/u;
  function countWords(text) {
    let ideographs = 0;
    const spaced = text.replace(CJK_RE, function () {
      ideographs++;
      return " ";
    });
    return ideographs + spaced.split(/\s+/).filter((t) => t && WORDLIKE_RE.test(t)).length;
  }

  function formatTime(seconds) {
    if (!Number.isFinite(seconds)) return "–:––";
    const hundredths = Math.floor(seconds * 100 + 1e-6);
    const minutes = Math.floor(hundredths / 6000);
    const rest = (hundredths - minutes * 6000) / 100;
    return minutes + ":" + rest.toFixed(2).padStart(5, "0");
  }

  function newKey() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function isEmpty(value) {
    if (value === undefined || value === null) return true;
    if (typeof value === "string") return value.trim() === "";
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") return Object.keys(value).length === 0;
    return false;
  }

  // A count with the limits after it: "6 words (at least 3, at most 90)".
  function bounded(text, low, high) {
    if (low && high) return interpolate(gettext("%(count)s (at least %(min)s, at most %(max)s)"), { count: text, min: low, max: high }, true);
    if (low) return interpolate(gettext("%(count)s (at least %(min)s)"), { count: text, min: low }, true);
    if (high) return interpolate(gettext("%(count)s (at most %(max)s)"), { count: text, max: high }, true);
    return text;
  }
  // A list's count, as the span and region lists say it: "3 spans (at least 2) · at most 5".
  function listCount(text, min, max) {
    if (min) text = interpolate(gettext("%(count)s (at least %(min)s)"), { count: text, min: min }, true);
    if (max < 500) text = interpolate(gettext("%(count)s · at most %(max)s"), { count: text, max: max }, true);
    return text;
  }
  // Characters as a text question with "count": "characters" counts them, mirroring
  // tasks.answer_validation.count_characters: every code point except whitespace.
  function countCharacters(text) {
    let n = 0;
    for (const c of text) if (!/\s/.test(c)) n++;
    return n;
  }

  function clip(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function isTypingTarget(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable) return true;
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return !["radio", "checkbox", "button", "submit", "reset", "range", "file", "image"].includes(
      (el.type || "text").toLowerCase()
    );
  }

  // --- audio player ---------------------------------------------------------------------

  const players = new Map(); // audio block id -> player

  function setupPlayer(root, telemetry, onChange) {
    if (root.dataset.enhanced) return;
    const audio = root.querySelector("audio");
    const ui = root.querySelector(".player-ui");
    if (!audio || !ui) return;
    root.dataset.enhanced = "1";
    const id = root.dataset.audioId;
    const $ = (selector) => ui.querySelector(selector);
    const playLabel = $("[data-play-label]");
    const timeOut = $("[data-player-time]");
    const durationOut = $("[data-player-duration]");
    const seek = $("[data-player-seek]");
    const speed = $("[data-player-speed]");
    const regionOut = $("[data-player-region]");
    const regionBar = $("[data-player-region-bar]");
    const marksEl = $("[data-player-marks]");
    const progress = $("[data-player-progress]");
    const statusOut = $("[data-player-status]");
    const loopButton = $('[data-player="loop"]');

    audio.controls = false;
    ui.hidden = false;
    const record = (telemetry[id] = Object.assign(
      { played_seconds: 0, completed: false },
      telemetry[id] || {}
    ));
    if (typeof record.played_seconds !== "number") record.played_seconds = 0;

    const player = {
      id: id,
      root: root,
      audio: audio,
      start: null,
      end: null,
      loop: false,
      stopAt: null,
      lastTime: 0,
      seeking: false,
      dragging: false,
    };

    function duration() {
      return Number.isFinite(audio.duration) ? audio.duration : NaN;
    }
    function heard() {
      let total = 0;
      for (let i = 0; i < audio.played.length; i++) total += audio.played.end(i) - audio.played.start(i);
      return total;
    }
    function setStatus() {
      if (audio.error) {
        statusOut.textContent = gettext("Could not load the clip.");
        statusOut.dataset.state = "error";
      } else if (record.completed) {
        statusOut.textContent = gettext("Played to the end.");
        statusOut.dataset.state = "done";
      } else if (heard() > 0 && Number.isFinite(duration())) {
        statusOut.textContent = interpolate(
          gettext("Heard %(percent)s — play it to the end."),
          { percent: Math.min(100, Math.round((heard() / duration()) * 100)) + "%" },
          true
        );
        statusOut.dataset.state = "partial";
      } else {
        statusOut.textContent = gettext("Not played yet.");
        statusOut.dataset.state = "";
      }
    }
    function renderTime() {
      const t = audio.currentTime;
      timeOut.textContent = formatTime(t);
      if (!player.dragging) seek.value = String(t);
      const d = duration();
      progress.style.width = Number.isFinite(d) && d > 0 ? Math.min(100, (t / d) * 100) + "%" : "0";
    }
    function renderRegion() {
      const d = duration();
      if (player.start === null) {
        regionOut.textContent = gettext("not set");
      } else if (player.end === null) {
        regionOut.textContent = interpolate(gettext("from %(time)s"), { time: formatTime(player.start) }, true);
      } else {
        regionOut.textContent = formatTime(player.start) + " – " + formatTime(player.end);
      }
      if (Number.isFinite(d) && d > 0 && player.start !== null) {
        const end = player.end === null ? player.start : player.end;
        regionBar.hidden = false;
        regionBar.style.left = (player.start / d) * 100 + "%";
        regionBar.style.width = Math.max(0.5, ((end - player.start) / d) * 100) + "%";
      } else {
        regionBar.hidden = true;
      }
      root.dispatchEvent(new CustomEvent("regionchange", { detail: { start: player.start, end: player.end } }));
    }
    function completeIfHeard() {
      const d = duration();
      // Played to the end *by playing*: jumping to the end does not count.
      if (!record.completed && Number.isFinite(d) && d > 0 && heard() >= d * 0.95 - 0.05) {
        record.completed = true;
        onChange("completed", id);
        root.dispatchEvent(new CustomEvent("playbackcomplete", { bubbles: true, detail: { id: id } }));
      }
      setStatus();
    }
    function advance() {
      const t = audio.currentTime;
      if (!audio.paused && !player.seeking) {
        const delta = t - player.lastTime;
        if (delta > 0 && delta < 1.5 * Math.max(1, audio.playbackRate)) {
          record.played_seconds = Math.round((record.played_seconds + delta) * 1000) / 1000;
        }
      }
      player.lastTime = t;
      if (!audio.paused && player.stopAt !== null && t >= player.stopAt) {
        player.stopAt = null;
        audio.pause();
      } else if (!audio.paused && player.loop && player.start !== null && player.end !== null && t >= player.end) {
        audio.currentTime = player.start;
        player.lastTime = player.start;
      }
      renderTime();
    }
    function frame() {
      advance();
      if (!audio.paused) requestAnimationFrame(frame);
    }

    player.play = function () {
      const result = audio.play();
      if (result && result.catch) {
        result.catch(function (err) {
          statusOut.textContent = interpolate(gettext("The browser did not start playback (%(error)s). Press Play."), { error: err.name }, true);
        });
      }
    };
    player.toggle = function () {
      if (audio.paused) player.play();
      else audio.pause();
    };
    player.restart = function () {
      player.stopAt = null;
      audio.currentTime = 0;
      player.lastTime = 0;
      player.play();
    };
    player.nudge = function (seconds) {
      const d = duration();
      let t = audio.currentTime + seconds;
      if (Number.isFinite(d)) t = Math.min(t, d);
      audio.currentTime = Math.max(0, t);
      renderTime();
    };
    player.markStart = function () {
      player.start = Math.round(audio.currentTime * 1000) / 1000;
      if (player.end !== null && player.end <= player.start) player.end = null;
      renderRegion();
    };
    player.markEnd = function () {
      const t = Math.round(audio.currentTime * 1000) / 1000;
      if (player.start === null) player.start = 0;
      if (t === player.start) return;
      if (t < player.start) {
        player.end = player.start;
        player.start = t;
      } else {
        player.end = t;
      }
      renderRegion();
    };
    player.clearRegion = function () {
      player.start = player.end = null;
      player.setLoop(false);
      renderRegion();
    };
    player.setLoop = function (on) {
      player.loop = on;
      loopButton.setAttribute("aria-pressed", on ? "true" : "false");
    };
    player.region = function () {
      return player.start !== null && player.end !== null ? { start: player.start, end: player.end } : null;
    };
    player.playRange = function (start, end) {
      player.start = start;
      player.end = end;
      renderRegion();
      audio.currentTime = start;
      player.lastTime = start;
      player.stopAt = player.loop ? null : end;
      player.play();
    };
    player.setMarks = function (spans, tags) {
      // The waveform (static/js/waveform.js) draws the same spans as labelled regions
      // (player.marks for one set up after this, as on a restored draft).
      player.marks = { spans: spans, tags: tags || [] };
      root.dispatchEvent(new CustomEvent("markschange", { detail: player.marks }));
      const d = duration();
      marksEl.textContent = "";
      if (!Number.isFinite(d) || d <= 0) return;
      spans.forEach(function (span) {
        const mark = document.createElement("span");
        mark.className = "player-mark";
        mark.style.left = (span.start / d) * 100 + "%";
        mark.style.width = Math.max(0.4, ((span.end - span.start) / d) * 100) + "%";
        marksEl.appendChild(mark);
      });
    };
    player.playing = function () {
      return !audio.paused && !audio.ended;
    };
    // Used by the waveform: a stretch selected by dragging, a click that seeks. Seeking is
    // never credited as listening (advance() skips the jump), so telemetry stays honest.
    player.setRegion = function (start, end) {
      player.start = Math.round(Math.min(start, end) * 1000) / 1000;
      player.end = Math.round(Math.max(start, end) * 1000) / 1000;
      if (player.end === player.start) player.end = null;
      renderRegion();
    };
    player.seekTo = function (seconds) {
      const d = duration();
      audio.currentTime = Math.max(0, Number.isFinite(d) ? Math.min(seconds, d) : seconds);
      renderTime();
    };
    // < and > step through the speeds the menu offers.
    player.setSpeed = function (step) {
      const rates = Array.from(speed.options, (o) => Number(o.value));
      const at = rates.indexOf(audio.playbackRate);
      const next = rates[Math.max(0, Math.min(rates.length - 1, (at < 0 ? rates.indexOf(1) : at) + step))];
      speed.value = String(next);
      audio.playbackRate = next;
    };
    player.zoom = function () {}; // replaced by the waveform once it is drawn

    ui.addEventListener("click", function (event) {
      const button = event.target.closest("[data-player]");
      if (!button) return;
      const action = button.dataset.player;
      if (action === "toggle") player.toggle();
      else if (action === "restart") player.restart();
      else if (action === "back") player.nudge(-1);
      else if (action === "forward") player.nudge(1);
      else if (action === "mark-start") player.markStart();
      else if (action === "mark-end") player.markEnd();
      else if (action === "loop") player.setLoop(!player.loop);
      else if (action === "clear-region") player.clearRegion();
    });
    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value) || 1;
    });
    seek.addEventListener("pointerdown", () => (player.dragging = true));
    seek.addEventListener("pointerup", () => (player.dragging = false));
    seek.addEventListener("input", function () {
      audio.currentTime = Number(seek.value) || 0;
      timeOut.textContent = formatTime(audio.currentTime);
    });
    seek.addEventListener("change", () => (player.dragging = false));

    audio.addEventListener("play", function () {
      playLabel.textContent = gettext("Pause");
      root.classList.add("is-playing");
      player.lastTime = audio.currentTime;
      requestAnimationFrame(frame);
      onChange("activity");
    });
    audio.addEventListener("pause", function () {
      playLabel.textContent = gettext("Play");
      root.classList.remove("is-playing");
      advance();
      setStatus();
      onChange("played");
    });
    audio.addEventListener("timeupdate", function () {
      if (audio.paused) renderTime();
      else advance();
    });
    audio.addEventListener("seeking", () => (player.seeking = true));
    audio.addEventListener("seeked", function () {
      player.seeking = false;
      player.lastTime = audio.currentTime;
      renderTime();
    });
    audio.addEventListener("ended", function () {
      advance();
      completeIfHeard();
      if (player.loop) {
        // Looping the whole clip, or a region that runs to its very end.
        audio.currentTime = player.start === null || player.end === null ? 0 : player.start;
        player.play();
      }
    });
    function onDuration() {
      const d = duration();
      durationOut.textContent = formatTime(d);
      if (Number.isFinite(d)) {
        seek.max = String(d);
        record.duration = Math.round(d * 1000) / 1000;
      }
      renderRegion();
    }
    audio.addEventListener("loadedmetadata", onDuration);
    audio.addEventListener("durationchange", onDuration);
    audio.addEventListener("error", setStatus);
    if (audio.readyState >= 1) onDuration();
    setStatus();
    players.set(id, player);
    root.annotationPlayer = player;
    root.dispatchEvent(new CustomEvent("playerready", { bubbles: true, detail: { player: player } }));
  }

  // --- image viewer: zoom and pan ---------------------------------------------------------

  function setupImage(figure) {
    if (figure.dataset.enhanced) return;
    figure.dataset.enhanced = "1";
    const stage = figure.querySelector("[data-image-stage]");
    const img = stage.querySelector("img");
    const tools = figure.querySelector(".image-tools");
    const level = figure.querySelector("[data-zoom-level]");
    tools.hidden = false;
    figure.classList.add("is-enhanced");
    let scale = 1;
    let fitScale = 1;
    let x = 0;
    let y = 0;
    let atFit = true;

    function size() {
      return { w: stage.clientWidth, h: stage.clientHeight, iw: img.naturalWidth || 1, ih: img.naturalHeight || 1 };
    }
    function clamp() {
      const s = size();
      const w = s.iw * scale;
      const h = s.ih * scale;
      x = w <= s.w ? (s.w - w) / 2 : Math.min(0, Math.max(s.w - w, x));
      y = h <= s.h ? (s.h - h) / 2 : Math.min(0, Math.max(s.h - h, y));
    }
    function apply() {
      clamp();
      img.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
      level.textContent = Math.round(scale * 100) + "%";
      stage.classList.toggle("can-pan", scale > fitScale + 1e-3);
    }
    function fit() {
      const s = size();
      fitScale = Math.min(s.w / s.iw, s.h / s.ih);
      scale = fitScale;
      atFit = true;
      apply();
    }
    function zoomAt(factor, cx, cy) {
      const s = size();
      if (cx === undefined) {
        cx = s.w / 2;
        cy = s.h / 2;
      }
      const next = Math.min(8, Math.max(Math.min(fitScale, 1) * 0.5, scale * factor));
      x = cx - (cx - x) * (next / scale);
      y = cy - (cy - y) * (next / scale);
      scale = next;
      atFit = false;
      apply();
    }
    function actual() {
      const s = size();
      zoomAt(1 / scale, s.w / 2, s.h / 2);
    }
    tools.addEventListener("click", function (event) {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      const what = button.dataset.zoom;
      if (what === "in") zoomAt(1.25);
      else if (what === "out") zoomAt(0.8);
      else if (what === "fit") fit();
      else if (what === "actual") actual();
    });
    stage.addEventListener(
      "wheel",
      function (event) {
        if (!(event.ctrlKey || event.metaKey || scale > fitScale + 1e-3)) return;
        event.preventDefault();
        const box = stage.getBoundingClientRect();
        zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - box.left, event.clientY - box.top);
      },
      { passive: false }
    );
    let drag = null;
    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      drag = { px: event.clientX, py: event.clientY, x: x, y: y };
      stage.setPointerCapture(event.pointerId);
      stage.classList.add("is-dragging");
    });
    stage.addEventListener("pointermove", function (event) {
      if (!drag) return;
      x = drag.x + event.clientX - drag.px;
      y = drag.y + event.clientY - drag.py;
      atFit = false;
      apply();
    });
    function endDrag() {
      drag = null;
      stage.classList.remove("is-dragging");
    }
    stage.addEventListener("pointerup", endDrag);
    stage.addEventListener("pointercancel", endDrag);
    stage.addEventListener("dblclick", function (event) {
      const box = stage.getBoundingClientRect();
      if (scale > fitScale + 1e-3) fit();
      else zoomAt(2, event.clientX - box.left, event.clientY - box.top);
    });
    stage.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const step = 40;
      const keys = {
        "+": () => zoomAt(1.25),
        "=": () => zoomAt(1.25),
        "-": () => zoomAt(0.8),
        0: fit,
        1: actual,
        ArrowLeft: () => { x += step; apply(); },
        ArrowRight: () => { x -= step; apply(); },
        ArrowUp: () => { y += step; apply(); },
        ArrowDown: () => { y -= step; apply(); },
      };
      const act = keys[event.key];
      if (!act) return;
      event.preventDefault();
      event.stopPropagation();
      act();
    });
    if (img.complete && img.naturalWidth) fit();
    img.addEventListener("load", fit);
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (atFit) fit();
        else apply();
      }).observe(stage);
    }
  }

  // --- question widgets -----------------------------------------------------------------
  //
  // Each widget knows how to read its answer (get: undefined when unanswered) and restore it
  // (set), and, where it has them, what number keys pick (pick).

  function radioWidget(section, parse) {
    const inputs = Array.from(section.querySelectorAll('input[type="radio"][data-key]'));
    return {
      get: function () {
        const checked = inputs.find((input) => input.checked);
        return checked ? parse(checked.value) : undefined;
      },
      set: function (value) {
        inputs.forEach((input) => (input.checked = value !== undefined && value !== null && parse(input.value) === value));
      },
      pick: function (key) {
        const input = inputs.find((i) => i.dataset.key === key);
        if (!input || input.disabled) return false;
        input.checked = true;
        input.focus({ preventScroll: true });
        return "advance";
      },
    };
  }

  function multiChoiceWidget(section) {
    const inputs = Array.from(section.querySelectorAll('input[type="checkbox"]'));
    return {
      get: () => inputs.filter((i) => i.checked).map((i) => i.value),
      set: function (value) {
        const chosen = Array.isArray(value) ? value : [];
        inputs.forEach((i) => (i.checked = chosen.includes(i.value)));
      },
      pick: function (key) {
        const input = inputs.find((i) => i.dataset.key === key);
        if (!input) return false;
        input.checked = !input.checked;
        input.focus({ preventScroll: true });
        return true;
      },
    };
  }

  function pairwiseWidget(section) {
    const choices = Array.from(section.querySelectorAll("input[data-pair]"));
    const box = section.querySelector("[data-strength]");
    const levels = box ? Array.from(box.querySelectorAll('input[type="radio"]')) : [];
    const note = box ? box.querySelector("[data-strength-note]") : null;
    const maxA = box ? -Number(box.dataset.strengthA) : 0;
    const maxB = box ? Number(box.dataset.strengthB) : 0;

    function choice() {
      const checked = choices.find((i) => i.checked);
      return checked ? checked.value : null;
    }
    function sync() {
      if (!box) return;
      const c = choice();
      const top = c === "A" ? maxA : c === "B" ? maxB : 0;
      levels.forEach(function (input) {
        const usable = Number(input.value) <= top;
        input.disabled = !usable;
        if (!usable) input.checked = false;
      });
      box.classList.toggle("is-disabled", top === 0);
      note.textContent =
        c === null
          ? gettext("Choose which is better first.")
          : c === "tie"
            ? gettext("A tie needs no strength.")
            : interpolate(gettext("How much better is %(choice)s?"), { choice: c === "A" ? "A" : "B" }, true);
    }
    section.addEventListener("change", sync);
    const widget = {
      get: function () {
        const c = choice();
        if (c === null) return undefined;
        if (!box) return { choice: c };
        if (c === "tie") return { choice: c, strength: 0 };
        const level = levels.find((i) => i.checked);
        if (!level) return { choice: c };
        return { choice: c, strength: (c === "A" ? -1 : 1) * Number(level.value) };
      },
      set: function (value) {
        const c = value && typeof value === "object" ? value.choice : null;
        choices.forEach((i) => (i.checked = i.value === c));
        sync();
        const strength = value && typeof value.strength === "number" ? Math.abs(value.strength) : 0;
        levels.forEach((i) => (i.checked = !i.disabled && Number(i.value) === strength));
      },
      pickPair: function (letter) {
        const input = choices.find((i) => i.dataset.pair === letter);
        if (!input) return false;
        input.checked = true;
        sync();
        input.focus({ preventScroll: true });
        return !box || letter === "t" ? "advance" : true;
      },
      pick: function (key) {
        if (!box) return false;
        const input = levels.find((i) => i.dataset.key === key);
        if (!input || input.disabled) return false;
        input.checked = true;
        input.focus({ preventScroll: true });
        return "advance";
      },
    };
    sync();
    return widget;
  }

  function rankingWidget(section) {
    const list = section.querySelector(".rank-items");
    const selects = Array.from(section.querySelectorAll("select[data-item]"));
    const allowTies = list.dataset.allowTies === "true";
    selects.forEach((s) => (s.dataset.prev = s.value));
    section.addEventListener("change", function (event) {
      const select = event.target.closest("select[data-item]");
      if (!select) return;
      // Without ties a rank belongs to one item: taking it gives the other item your old rank.
      if (!allowTies && select.value) {
        selects.forEach(function (other) {
          if (other !== select && other.value === select.value) {
            other.value = select.dataset.prev || "";
            other.dataset.prev = other.value;
          }
        });
      }
      select.dataset.prev = select.value;
    });
    section.addEventListener("click", function (event) {
      if (!event.target.closest('[data-action="clear-ranking"]')) return;
      selects.forEach((s) => (s.value = s.dataset.prev = ""));
      section.dispatchEvent(new Event("change", { bubbles: true }));
    });
    return {
      get: function () {
        const ranks = {};
        let any = false;
        selects.forEach(function (s) {
          if (s.value) {
            ranks[s.dataset.item] = Number(s.value);
            any = true;
          }
        });
        return any ? ranks : undefined;
      },
      set: function (value) {
        selects.forEach(function (s) {
          const rank = value && typeof value === "object" ? value[s.dataset.item] : null;
          s.value = rank === null || rank === undefined ? "" : String(rank);
          s.dataset.prev = s.value;
        });
      },
      pick: function (key) {
        const select = selects.find((s) => s.dataset.key === key);
        if (!select) return false;
        if (select.value) return true;
        const used = new Set(selects.map((s) => Number(s.value)).filter(Boolean));
        let next = 1;
        while (used.has(next)) next++;
        if (next > selects.length) return true;
        select.value = select.dataset.prev = String(next);
        // The last item left can only take the last rank.
        const left = selects.filter((s) => !s.value);
        if (!allowTies && left.length === 1) left[0].value = left[0].dataset.prev = String(selects.length);
        return selects.every((s) => s.value) ? "advance" : true;
      },
    };
  }

  function textWidget(section, q) {
    const input = section.querySelector(".text-answer");
    const counter = section.querySelector("[data-counter]");
    const limit = (name) => (!counter.dataset[name] ? null : Number(counter.dataset[name]));
    const minWords = limit("minWords");
    const maxWords = limit("maxWords");
    const minChars = limit("minChars");
    const maxChars = limit("maxChars");
    // Limits stated in characters (Chinese text, docs/templates.md): the count is of
    // characters only, whitespace left out, and words are not mentioned at all.
    const inCharacters = (counter.dataset.count || (q && q.count)) === "characters";
    const wordsText = (n) => interpolate(ngettext("%(count)s word", "%(count)s words", n), { count: n }, true);
    const charsText = (n) => interpolate(ngettext("%(count)s character", "%(count)s characters", n), { count: n }, true);
    function update() {
      const text = input.value.trim();
      const chars = inCharacters ? countCharacters(text) : cpLength(text);
      const words = countWords(text);
      const parts = [];
      let state = text ? "ok" : "";
      if (!inCharacters) {
        parts.push(bounded(wordsText(words), minWords, maxWords));
        if (maxWords !== null && words > maxWords) state = "over";
        else if (minWords !== null && words < minWords && state !== "over") state = text ? "under" : "";
      }
      parts.push(bounded(charsText(chars), minChars, maxChars));
      if (maxChars !== null && chars > maxChars) state = "over";
      else if (minChars !== null && chars < minChars && state !== "over" && text) state = "under";
      counter.textContent = parts.join(" · ");
      counter.dataset.state = state;
      // The bare first count, for the long layout's outline (workspace_outline.js).
      counter.dataset.summary = inCharacters ? charsText(chars) : wordsText(words);
    }
    input.addEventListener("input", update);
    return {
      input: input,
      get: () => (input.value.trim() ? input.value : undefined),
      set: function (value) {
        input.value = typeof value === "string" ? value : "";
        update();
      },
      refresh: update,
    };
  }

  function spansWidget(section, q, changed) {
    const listEl = section.querySelector("[data-span-list]");
    const rowTemplate = section.querySelector("template[data-span-row]");
    const message = section.querySelector("[data-span-message]");
    const countEl = section.querySelector("[data-list-count]");
    const target = section.querySelector("[data-span-target]");
    const audioBox = section.querySelector("[data-span-audio]");
    const min = Number(section.dataset.min || 0);
    const max = Number(section.dataset.max || 500);
    let spans = [];
    let original = "";

    if (target) {
      try {
        original = JSON.parse('"' + target.dataset.text + '"');
      } catch (err) {
        original = target.textContent;
      }
    }
    // Offsets are code points (Python indices); the DOM counts UTF-16 units.
    function toUnits(cp) {
      let units = 0;
      for (let n = 0; n < cp && units < original.length; n++) {
        const c = original.charCodeAt(units);
        units += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      }
      return units;
    }
    function renderTarget() {
      if (!target) return;
      const bounds = new Set([0, original.length]);
      const ranges = spans.map((s) => ({ a: toUnits(s.start), b: toUnits(s.end), tag: s.tag }));
      ranges.forEach((r) => {
        bounds.add(r.a);
        bounds.add(r.b);
      });
      const points = Array.from(bounds).sort((a, b) => a - b);
      const fragment = document.createDocumentFragment();
      for (let i = 0; i < points.length - 1; i++) {
        const a = points[i];
        const b = points[i + 1];
        const piece = original.slice(a, b);
        const tags = ranges.filter((r) => r.a <= a && r.b >= b).map((r) => r.tag);
        if (tags.length) {
          const mark = document.createElement("mark");
          mark.className = "span-mark" + (tags.length > 1 ? " is-overlap" : "");
          mark.title = tags.join(", ");
          mark.textContent = piece;
          fragment.appendChild(mark);
        } else {
          fragment.appendChild(document.createTextNode(piece));
        }
      }
      target.textContent = "";
      target.appendChild(fragment);
    }
    function player() {
      return audioBox ? players.get(audioBox.dataset.spanAudio) : null;
    }
    function say(text) {
      message.textContent = text;
    }
    function where(span) {
      if (target) {
        const a = toUnits(span.start);
        const b = toUnits(span.end);
        return interpolate(gettext("“%(text)s” (characters %(start)s–%(end)s)"), { text: clip(original.slice(a, b), 80), start: span.start, end: span.end }, true);
      }
      return formatTime(span.start) + " – " + formatTime(span.end);
    }
    function renderList() {
      listEl.textContent = "";
      spans.forEach(function (span, index) {
        const row = rowTemplate.content.firstElementChild.cloneNode(true);
        row.dataset.index = String(index);
        row.querySelector("[data-where]").textContent = where(span);
        const tag = row.querySelector('[data-field="tag"]');
        tag.value = span.tag;
        tag.setAttribute("aria-label", interpolate(gettext("Tag of span %(number)s"), { number: index + 1 }, true));
        const comment = row.querySelector('[data-field="comment"]');
        comment.value = span.comment || "";
        comment.setAttribute("aria-label", interpolate(gettext("Comment on span %(number)s"), { number: index + 1 }, true));
        const play = row.querySelector('[data-action="span-play"]');
        if (audioBox && player()) {
          play.hidden = false;
          row.querySelector('[data-action="span-loop"]').hidden = false;
          row.dataset.tagIndex = String(q.tags.indexOf(span.tag));
        }
        listEl.appendChild(row);
      });
      countEl.textContent = listCount(
        interpolate(ngettext("%(count)s span", "%(count)s spans", spans.length), { count: spans.length }, true),
        min,
        max
      );
      renderTarget();
      const p = player();
      if (p) p.setMarks(spans, q.tags);
    }
    function add(tag) {
      let start;
      let end;
      if (target) {
        const picked = selectionOffsets();
        if (!picked) {
          say(gettext("Select some text in the passage first."));
          return false;
        }
        start = picked.start;
        end = picked.end;
      } else {
        const p = player();
        const region = p ? p.region() : null;
        if (!region) {
          say(gettext("Set a start and an end first ([ and ] while the clip plays)."));
          return false;
        }
        start = region.start;
        end = region.end;
      }
      if (spans.some((s) => s.start === start && s.end === end && s.tag === tag)) {
        say(gettext("That stretch already has this tag."));
        return false;
      }
      if (spans.length >= max) {
        say(interpolate(ngettext("At most %(max)s span.", "At most %(max)s spans.", max), { max: max }, true));
        return false;
      }
      const span = { start: start, end: end, tag: tag, comment: "" };
      spans.push(span);
      spans.sort((a, b) => a.start - b.start || a.end - b.end);
      if (target) window.getSelection().removeAllRanges();
      renderList();
      if (target) {
        const text = clip(original.slice(toUnits(start), toUnits(end)), 80);
        say(interpolate(gettext("Marked “%(text)s” (characters %(start)s–%(end)s) as “%(tag)s”."), { text: text, start: start, end: end, tag: tag }, true));
      } else {
        say(interpolate(gettext("Marked %(start)s – %(end)s as “%(tag)s”."), { start: formatTime(start), end: formatTime(end), tag: tag }, true));
      }
      changed();
      if (audioBox) {
        // Straight into the new span's comment, so what is typed next is the note (shortcuts
        // never fire in a text box); Escape leaves it.
        const row = listEl.children[spans.indexOf(span)];
        const comment = row.querySelector('[data-field="comment"]');
        comment.focus({ preventScroll: true });
        // Into the middle of the questions panel, clear of its sticky submit bar; the page
        // itself (and the docked player) does not move.
        const panel = section.closest(".task-questions");
        if (panel && panel.scrollHeight > panel.clientHeight) {
          const box = row.getBoundingClientRect();
          const view = panel.getBoundingClientRect();
          panel.scrollTop += box.top + box.height / 2 - (view.top + panel.clientHeight / 2);
        } else {
          row.scrollIntoView({ block: "nearest" });
        }
      }
      return true;
    }
    function selectionOffsets() {
      const selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
      const range = selection.getRangeAt(0);
      if (!target.contains(range.startContainer) || !target.contains(range.endContainer)) return null;
      const before = document.createRange();
      before.selectNodeContents(target);
      before.setEnd(range.startContainer, range.startOffset);
      let a = before.toString().length;
      let b = a + range.toString().length;
      while (a < b && /\s/.test(original[a])) a++;
      while (b > a && /\s/.test(original[b - 1])) b--;
      if (a >= b) return null;
      const start = cpLength(original.slice(0, a));
      return { start: start, end: start + cpLength(original.slice(a, b)) };
    }

    section.addEventListener("click", function (event) {
      const tagButton = event.target.closest("[data-tag]");
      if (tagButton) {
        add(tagButton.dataset.tag);
        return;
      }
      const row = event.target.closest(".span-row");
      const action = event.target.closest("[data-action]");
      if (!action) return;
      const p = player();
      if (action.dataset.action === "span-start" && p) p.markStart();
      else if (action.dataset.action === "span-end" && p) p.markEnd();
      else if (row && action.dataset.action === "remove-span") {
        const index = Number(row.dataset.index);
        spans.splice(index, 1);
        renderList();
        const rows = listEl.querySelectorAll(".span-row");
        const next = rows[Math.min(index, rows.length - 1)];
        (next ? next.querySelector('[data-action="remove-span"]') : section).focus();
        say(gettext("Span removed."));
        changed();
      } else if (row && (action.dataset.action === "span-play" || action.dataset.action === "span-loop") && p) {
        const span = spans[Number(row.dataset.index)];
        p.setLoop(action.dataset.action === "span-loop");
        p.playRange(span.start, span.end);
      }
    });
    function edit(event) {
      const row = event.target.closest(".span-row");
      const field = event.target.dataset.field;
      if (!row || !field) return;
      spans[Number(row.dataset.index)][field] = event.target.value;
      const p = player();
      if (p && (field === "tag" || event.type === "change")) {
        row.dataset.tagIndex = String(q.tags.indexOf(spans[Number(row.dataset.index)].tag));
        p.setMarks(spans, q.tags);
      }
    }
    listEl.addEventListener("input", edit);
    listEl.addEventListener("change", edit);
    if (audioBox) {
      const out = section.querySelector("[data-span-region]");
      const hook = function () {
        const p = player();
        if (!p) {
          section.querySelectorAll("[data-action='span-start'], [data-action='span-end'], [data-tag]").forEach((b) => (b.disabled = true));
          out.textContent = gettext("the clip is not available");
          return;
        }
        p.audio.addEventListener("durationchange", () => p.setMarks(spans, q.tags));
        p.root.addEventListener("regionchange", function (event) {
          const d = event.detail;
          out.textContent =
            d.start === null
              ? gettext("nothing yet")
              : d.end === null
                ? interpolate(gettext("from %(time)s (set the end)"), { time: formatTime(d.start) }, true)
                : formatTime(d.start) + " – " + formatTime(d.end);
          // A stretch just selected (on the waveform too): the number keys now tag it.
          if (d.start !== null && d.end !== null) section.dispatchEvent(new CustomEvent("claimcurrent", { bubbles: true }));
        });
        // The waveform: a span's region clicked (show its row) or its edges dragged.
        p.root.addEventListener("spanpick", function (event) {
          const row = listEl.children[event.detail.index];
          if (!row) return;
          listEl.querySelectorAll(".is-picked").forEach((r) => r.classList.remove("is-picked"));
          row.classList.add("is-picked");
          row.scrollIntoView({ block: "nearest" });
        });
        p.root.addEventListener("spanedit", function (event) {
          const span = spans[event.detail.index];
          if (!span) return;
          span.start = event.detail.start;
          span.end = event.detail.end;
          spans.sort((a, b) => a.start - b.start || a.end - b.end);
          renderList();
          say(interpolate(gettext("Moved to %(where)s."), { where: where(span) }, true));
          changed();
        });
      };
      // Players are set up before widgets (see enhance), so this runs with the player ready.
      hook();
    }
    renderList();
    return {
      get: () => spans.map((s) => ({ start: s.start, end: s.end, tag: s.tag, comment: s.comment || "" })),
      set: function (value) {
        spans = Array.isArray(value)
          ? value
              .filter((s) => s && typeof s === "object" && typeof s.start === "number" && typeof s.end === "number")
              .map((s) => ({ start: s.start, end: s.end, tag: String(s.tag || q.tags[0]), comment: String(s.comment || "") }))
          : [];
        renderList();
      },
      pick: function (key) {
        const button = section.querySelector('[data-tag][data-key="' + key + '"]');
        if (!button || button.disabled) return false;
        add(button.dataset.tag);
        return true;
      },
      player: player,
    };
  }

  const ROW_FIELDS = {
    citations: ["identifier", "title", "why", "support"],
    rubric_items: ["criterion", "points", "citation", "rationale"],
  };

  function rowsWidget(section, q, changed) {
    const rowsEl = section.querySelector("[data-rows]");
    const template = section.querySelector("template[data-row-template]");
    const countEl = section.querySelector("[data-list-count]");
    const fields = ROW_FIELDS[q.type];
    const min = Number(section.dataset.min || 0);
    const max = Number(section.dataset.max || 500);
    const counted = (n) =>
      interpolate(
        q.type === "citations"
          ? ngettext("%(count)s source", "%(count)s sources", n)
          : ngettext("%(count)s criterion", "%(count)s criteria", n),
        { count: n },
        true
      );

    function rows() {
      return Array.from(rowsEl.children);
    }
    function read(row) {
      const item = {};
      fields.forEach(function (name) {
        const input = row.querySelector('[data-field="' + name + '"]');
        if (name === "points") {
          const raw = input.value.trim();
          item.points = raw === "" || !Number.isFinite(Number(raw)) ? null : Number(raw);
        } else {
          item[name] = input.value;
        }
      });
      return item;
    }
    function blank(item) {
      return fields.every((name) => item[name] === null || item[name] === undefined || String(item[name]).trim() === "");
    }
    function renumber() {
      rows().forEach((row, i) => (row.querySelector("[data-row-number]").textContent = String(i + 1)));
      const items = rows().map(read).filter((item) => !blank(item));
      let text = bounded(counted(items.length), min, max < 500 ? max : null);
      if (q.type === "rubric_items") {
        const plus = items.reduce((sum, i) => sum + (i.points > 0 ? i.points : 0), 0);
        const minus = items.reduce((sum, i) => sum + (i.points < 0 ? i.points : 0), 0);
        text = interpolate(gettext("%(count)s · +%(plus)s / −%(minus)s points"), { count: text, plus: plus, minus: Math.abs(minus) }, true);
      }
      countEl.textContent = text;
      countEl.dataset.state = items.length < min || items.length > max ? "under" : "ok";
    }
    function addRow(item) {
      const row = template.content.firstElementChild.cloneNode(true);
      rowsEl.appendChild(row);
      if (item) {
        fields.forEach(function (name) {
          const input = row.querySelector('[data-field="' + name + '"]');
          const value = item[name];
          if (value === null || value === undefined) return;
          if (input.tagName === "SELECT") ensureOption(input, String(value));
          input.value = String(value);
          if (name === "identifier") input.dataset.prev = input.value.trim();
        });
      }
      renumber();
      return row;
    }
    section.addEventListener("click", function (event) {
      const action = event.target.closest("[data-action]");
      if (!action) return;
      if (action.dataset.action === "add-row") {
        const row = addRow(null);
        if (q.type === "rubric_items") widget.refreshCitations && widget.refreshCitations();
        row.querySelector("[data-field]").focus();
        changed();
      } else if (action.dataset.action === "remove-row") {
        const row = action.closest(".row");
        const index = rows().indexOf(row);
        row.remove();
        renumber();
        const next = rows()[Math.min(index, rows().length - 1)];
        (next ? rowEntry(next) : section.querySelector('[data-action="add-row"]')).focus();
        changed();
      }
    });
    section.addEventListener("input", renumber);
    // Enter in a one-line field moves on to the next field instead of submitting.
    section.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      const input = event.target;
      if (input.tagName !== "INPUT" || !input.dataset.field) return;
      event.preventDefault();
      event.stopPropagation();
      const all = Array.from(section.querySelectorAll("[data-field], [data-action='add-row']"));
      const next = all[all.indexOf(input) + 1];
      if (next) next.focus();
    });
    const widget = {
      get: () => rows().map(read).filter((item) => !blank(item)),
      set: function (value) {
        rowsEl.textContent = "";
        (Array.isArray(value) ? value : []).forEach((item) => item && typeof item === "object" && addRow(item));
        if (!rows().length) addRow(null);
        renumber();
      },
      identifiers: function () {
        const seen = [];
        rows().forEach(function (row) {
          const id = row.querySelector('[data-field="identifier"]').value.trim();
          const title = row.querySelector('[data-field="title"]').value.trim();
          if (id && !seen.some((s) => s.id === id)) seen.push({ id: id, title: title });
        });
        return seen;
      },
      rows: rows,
    };
    addRow(null);
    return widget;
  }

  // A row folded to its summary line (the long layout, workspace_outline.js) is entered
  // through that line; its fields are not focusable while folded.
  function rowEntry(row) {
    const summary = row.querySelector("[data-row-summary]");
    return summary && !summary.hidden ? summary : row.querySelector("[data-field]");
  }

  function ensureOption(select, value) {
    if (!value || Array.from(select.options).some((o) => o.value === value)) return;
    const option = document.createElement("option");
    option.value = value;
    option.textContent = interpolate(gettext("%(value)s (not in your sources)"), { value: value }, true);
    select.appendChild(option);
  }

  // Rubric criteria cite one of the identifiers typed in the linked citations question.
  function linkCitations(rubric, citations) {
    function refresh() {
      const sources = citations.identifiers();
      rubric.rows().forEach(function (row) {
        const select = row.querySelector('select[data-field="citation"]');
        if (!select) return;
        const current = select.value;
        while (select.options.length > 1) select.remove(1);
        sources.forEach(function (source) {
          const option = document.createElement("option");
          option.value = source.id;
          // Trainers recognise a source by its title (authors first), not by its DOI; the
          // identifier stands in only until a title is typed.
          option.textContent = source.title ? clip(source.title, 110) : source.id;
          option.title = source.id;
          select.appendChild(option);
        });
        ensureOption(select, current);
        select.value = current;
      });
    }
    rubric.refreshCitations = refresh;
    citations.section.addEventListener("input", function (event) {
      const field = event.target.dataset.field;
      if (field === "identifier") {
        // Renaming a source keeps the criteria that cite it pointing at it.
        const before = event.target.dataset.prev || "";
        const after = event.target.value.trim();
        event.target.dataset.prev = after;
        refresh();
        if (before && before !== after) {
          rubric.rows().forEach(function (row) {
            const select = row.querySelector('select[data-field="citation"]');
            if (select && select.value === before) {
              ensureOption(select, after);
              select.value = after;
            }
          });
          refresh();
        }
      } else if (field === "title") {
        refresh();
      }
    });
    citations.section.addEventListener("click", (event) => event.target.closest("[data-action]") && refresh());
    refresh();
  }

  // --- the questions form ----------------------------------------------------------------

  function buildQuestions(root, definition, hooks) {
    const container = root.querySelector("[data-questions]");
    if (!container || container.dataset.enhanced) return null;
    container.dataset.enhanced = "1";
    const byId = {};
    const definitionById = {};
    ((definition && definition.questions) || []).forEach((q) => (definitionById[q.id] = q));
    const widgets = [];
    Array.from(container.querySelectorAll(".question[data-qid]")).forEach(function (section) {
      const id = section.dataset.qid;
      const q = definitionById[id] || { id: id, type: section.dataset.type, tags: [] };
      const changed = () => hooks.changed(widget);
      let widget;
      switch (q.type) {
        case "single_choice":
          widget = radioWidget(section, (v) => v);
          break;
        case "rating":
          widget = radioWidget(section, (v) => Number(v));
          break;
        case "multi_choice":
          widget = multiChoiceWidget(section);
          break;
        case "pairwise":
          widget = pairwiseWidget(section);
          break;
        case "ranking":
          widget = rankingWidget(section);
          break;
        case "text":
          widget = textWidget(section, q);
          break;
        case "spans":
          widget = spansWidget(section, q, changed);
          break;
        case "citations":
        case "rubric_items":
          widget = rowsWidget(section, q, changed);
          break;
        case "boxes":
          // Drawn on the task's image by static/js/image_regions.js (loaded before this file).
          if (!window.ImageRegions) return;
          widget = window.ImageRegions.widget(section, q, changed, root);
          break;
        default:
          return;
      }
      widget.q = q;
      widget.id = id;
      widget.section = section;
      widget.shown = true;
      widget.errors = section.querySelector("[data-errors]");
      widgets.push(widget);
      byId[id] = widget;
      section.addEventListener("input", changed);
      section.addEventListener("change", changed);
    });
    widgets.forEach(function (w) {
      if (w.q.type === "rubric_items" && w.q.citations_question && byId[w.q.citations_question]) {
        linkCitations(w, byId[w.q.citations_question]);
      }
    });

    function shownBy(q, answers) {
      const condition = q.show_if;
      if (!condition) return true;
      if (!(condition.question in answers)) return false;
      let answer = answers[condition.question];
      const wanted = "equals" in condition ? [condition.equals] : condition.in || [];
      const type = byId[condition.question] ? byId[condition.question].q.type : "";
      if (type === "multi_choice") return wanted.some((v) => answer.includes(v));
      if (type === "pairwise") answer = answer.choice;
      return wanted.some((v) => v === answer);
    }

    // show_if, as tasks.answer_validation.question_shown decides it: a condition on a hidden
    // or unanswered question does not hold, so hiding cascades.
    function collect() {
      const answers = {};
      let number = 0;
      widgets.forEach(function (w) {
        const shown = shownBy(w.q, answers);
        if (shown !== w.shown) {
          w.shown = shown;
          w.section.hidden = !shown;
        }
        if (!shown) return;
        // Number the questions a trainer can see, 1, 2, 3, with no gap where one is hidden.
        number += 1;
        const badge = w.section.querySelector(".q-num");
        if (badge && badge.textContent !== String(number)) badge.textContent = String(number);
        const value = w.get();
        if (!isEmpty(value)) answers[w.id] = value;
      });
      return answers;
    }

    return { widgets: widgets, byId: byId, collect: collect, container: container };
  }

  function restore(form, answer) {
    if (!answer || typeof answer !== "object") return;
    // In question order, so citations exist before the rubric criteria that cite them.
    form.widgets.forEach(function (w) {
      if (w.id in answer) w.set(answer[w.id]);
      if (w.refreshCitations) w.refreshCitations();
    });
  }

  // --- enhance any page: players, images, live widgets (no saving) -------------------------

  function enhanceStatic(root, definition) {
    const audioTelemetry = {};
    root.querySelectorAll(".audio-player[data-audio-id]").forEach((el) => setupPlayer(el, audioTelemetry, function () {}));
    root.querySelectorAll(".image-viewer").forEach(setupImage);
    const form = buildQuestions(root, definition, { changed: () => form && form.collect() });
    if (!form) return;
    form.collect();
    gatePlayback(form, audioTelemetry);
    root.addEventListener("playbackcomplete", () => gatePlayback(form, audioTelemetry));
  }

  function gatePlayback(form, audioTelemetry) {
    form.widgets.forEach(function (w) {
      const clipId = w.q.require_full_playback || w.section.dataset.requiresPlayback;
      if (w.q.type !== "rating" || !clipId) return;
      const done = Boolean(audioTelemetry[clipId] && audioTelemetry[clipId].completed);
      w.section.querySelectorAll('input[type="radio"]').forEach((input) => (input.disabled = !done));
      const hint = w.section.querySelector("[data-playback-hint]");
      if (hint) hint.hidden = done;
      w.section.classList.toggle("is-locked", !done);
    });
  }

  // --- the workspace ---------------------------------------------------------------------

  function workspace(config) {
    const page = document.querySelector(".ws-page");
    // While the server's work gate refuses (the guidelines notice is up), nothing answers,
    // saves or submits: the server would refuse it all the same (tasks.services.eligibility).
    // Read live, so the page unblocks the moment the attribute goes.
    const blocked = () => page.hasAttribute("data-work-blocked");
    const formEl = document.getElementById("answer-form");
    const submitButton = document.getElementById("submit-button");
    const submitStatus = document.getElementById("submit-status");
    const formErrors = document.getElementById("form-errors");
    const saveStatus = document.getElementById("save-status");
    // The copy in this browser, the log-in in place, fresh CSRF tokens (workspace_recovery.js):
    // what the page starts from is this browser's copy when it is newer than the server's.
    const recovery = window.WorkspaceRecovery.start(config);
    const initial = recovery.initial || {};
    const initialTelemetry = initial.telemetry || {};

    // Telemetry: carried over from the draft (or the submission being revised), so time and
    // playback already spent on this answer are not lost on a reload.
    const telemetry = {
      active_seconds: Number(initialTelemetry.active_seconds) || 0,
      fields: JSON.parse(JSON.stringify(initialTelemetry.fields || {})),
      audio: JSON.parse(JSON.stringify(initialTelemetry.audio || {})),
    };

    let form = null;
    let current = null;
    let submitting = false;
    let done = false;
    let submitKey = null;

    document.querySelectorAll(".audio-player[data-audio-id]").forEach(function (el) {
      setupPlayer(el, telemetry.audio, function (what) {
        if (what === "completed") {
          gatePlayback(form, telemetry.audio);
          markDirty();
        } else if (what === "played") {
          markDirty();
        }
        touch();
      });
    });
    document.querySelectorAll(".image-viewer").forEach(setupImage);

    form = buildQuestions(page, config.definition, {
      changed: function (w) {
        // A textarea also fires "change" when it loses focus: only a new value counts.
        const value = JSON.stringify(w.get());
        if (value === w.last) return;
        w.last = value;
        clearErrors(w);
        form.collect();
        markDirty();
      },
    });
    restore(form, initial.answer);
    form.widgets.forEach(function (w) {
      if (w.refresh) w.refresh();
      w.last = JSON.stringify(w.get());
    });
    form.collect();
    gatePlayback(form, telemetry.audio);

    // ---- active time: the page is visible and there was input (or playback) in the last minute
    let lastActivity = performance.now();
    let lastTick = performance.now();
    let lastSavedActive = telemetry.active_seconds;
    function touch() {
      lastActivity = performance.now();
    }
    ["keydown", "pointerdown", "pointermove", "wheel", "input", "focusin", "touchstart"].forEach((type) =>
      document.addEventListener(type, touch, { passive: true, capture: true })
    );
    window.addEventListener("scroll", touch, { passive: true, capture: true });
    setInterval(function () {
      const now = performance.now();
      const elapsed = Math.min(now - lastTick, 5000);
      lastTick = now;
      const playing = Array.from(players.values()).some((p) => p.playing());
      if (document.visibilityState === "visible" && (now - lastActivity < 60000 || playing)) {
        telemetry.active_seconds += elapsed / 1000;
        if (telemetry.active_seconds - lastSavedActive >= 60) markDirty();
      }
    }, 1000);

    // ---- typed and pasted characters per text-like question
    const TEXT_LIKE = new Set(["text", "spans", "citations", "rubric_items"]);
    function counts(target) {
      const section = target && target.closest ? target.closest(".question[data-qid]") : null;
      const w = section ? form.byId[section.dataset.qid] : null;
      if (!w || !TEXT_LIKE.has(w.q.type)) return null;
      const entry = (telemetry.fields[w.id] = telemetry.fields[w.id] || { typed: 0, pasted: 0 });
      entry.typed = Number(entry.typed) || 0;
      entry.pasted = Number(entry.pasted) || 0;
      return entry;
    }
    formEl.addEventListener("input", function (event) {
      const entry = counts(event.target);
      if (!entry) return;
      const type = event.inputType || "";
      if (type === "insertText" && event.data) entry.typed += cpLength(event.data);
      else if (type === "insertLineBreak" || type === "insertParagraph") entry.typed += 1;
    });
    formEl.addEventListener("compositionend", function (event) {
      const entry = counts(event.target);
      if (entry && event.data) entry.typed += cpLength(event.data);
    });
    formEl.addEventListener("paste", function (event) {
      const entry = counts(event.target);
      const text = event.clipboardData ? event.clipboardData.getData("text") : "";
      if (entry && text) entry.pasted += cpLength(text);
    });
    formEl.addEventListener("drop", function (event) {
      const entry = counts(event.target);
      const text = event.dataTransfer ? event.dataTransfer.getData("text") : "";
      if (entry && text) entry.pasted += cpLength(text);
    });

    function telemetrySnapshot() {
      const audio = {};
      Object.keys(telemetry.audio).forEach(function (id) {
        const a = telemetry.audio[id];
        const entry = { played_seconds: Math.round((Number(a.played_seconds) || 0) * 1000) / 1000, completed: a.completed === true };
        if (Number.isFinite(a.duration)) entry.duration = a.duration;
        audio[id] = entry;
      });
      return {
        active_seconds: Math.round(telemetry.active_seconds * 10) / 10,
        fields: telemetry.fields,
        audio: audio,
      };
    }

    // ---- autosave
    // The CSRF token is read when a request is made (a log-in rotates it), never kept.
    const headers = recovery.headers();
    Object.defineProperty(headers, "X-CSRFToken", { enumerable: true, get: () => recovery.headers()["X-CSRFToken"] });
    const save = { dirty: false, timer: null, firstDirty: 0, inflight: null, again: false, failures: 0, retry: null };

    function setSaveStatus(state, text) {
      saveStatus.dataset.state = state;
      saveStatus.textContent = text;
      if (state === "saved") saveStatus.title = interpolate(gettext("Last saved at %(time)s"), { time: new Date().toLocaleTimeString() }, true);
    }
    function markDirty() {
      if (!done) recovery.changed(); // kept in this browser at once, whatever the server does
      if (done || !config.draftUrl || blocked()) return;
      save.dirty = true;
      const now = Date.now();
      if (!save.firstDirty) save.firstDirty = now;
      clearTimeout(save.timer);
      // Debounced by a second, but never more than five seconds behind while typing on.
      save.timer = setTimeout(flush, now - save.firstDirty > 5000 ? 0 : 1000);
    }
    async function readError(response) {
      try {
        const body = await response.json();
        return body && typeof body === "object" ? body : {};
      } catch (err) {
        return {};
      }
    }
    function flush() {
      clearTimeout(save.timer);
      save.timer = null;
      if (done || submitting) return Promise.resolve();
      if (save.inflight) {
        save.again = true;
        return save.inflight;
      }
      if (!save.dirty) return Promise.resolve();
      save.dirty = false;
      save.firstDirty = 0;
      clearTimeout(save.retry);
      setSaveStatus("saving", gettext("Saving…"));
      const snapshot = telemetrySnapshot();
      // Based on the draft revision this page knows; a 409 (saved elsewhere meanwhile) keeps
      // the newer copy and offers this one, an ended session asks to log in again.
      save.inflight = recovery
        .saveDraft({ answer: form.collect(), telemetry: snapshot })
        .then(function (result) {
          if (result.ok) {
            save.failures = 0;
            lastSavedActive = snapshot.active_seconds;
            setSaveStatus(save.dirty ? "saving" : "saved", save.dirty ? gettext("Saving…") : gettext("Saved"));
            return;
          }
          if (result.retry) throw new Error("retry");
          if (result.conflict) return; // the choice is the trainer's (the note under the heading)
          save.dirty = true;
          if (result.auth) setSaveStatus("local", gettext("Not saved — log in to save (kept in this browser)"));
          else
            setSaveStatus(
              "error",
              interpolate(gettext("Not saved — %(problem)s (kept in this browser)"), { problem: result.problem.detail || gettext("error") }, true)
            );
        })
        .catch(function () {
          save.dirty = true;
          save.failures += 1;
          if (!recovery.isOffline()) setSaveStatus("retrying", gettext("Not saved — retrying (kept in this browser)"));
          save.retry = setTimeout(flush, Math.min(30000, 1000 * 2 ** save.failures));
        })
        .finally(function () {
          save.inflight = null;
          if (save.again) {
            save.again = false;
            flush();
          }
        });
      return save.inflight;
    }
    let lastBeacon = 0;
    function flushOnLeave() {
      recovery.keepNow(); // whatever becomes of a request now, this browser has the latest copy
      if (done || submitting || !config.draftUrl || blocked()) return;
      // Nothing new since the last save but a few seconds of time: no request.
      if (!save.dirty && telemetry.active_seconds - lastSavedActive < 5) return;
      const now = Date.now();
      if (now - lastBeacon < 1000) return;
      lastBeacon = now;
      // keepalive lets the request outlive the page (up to 64 kB of body).
      recovery.saveDraft({ answer: form.collect(), telemetry: telemetrySnapshot() }, { keepalive: true }).catch(function () {});
      lastSavedActive = telemetry.active_seconds;
      save.dirty = false;
      clearTimeout(save.timer);
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") flushOnLeave();
    });
    window.addEventListener("pagehide", flushOnLeave);
    recovery.attach({
      snapshot: () => ({ answer: form.collect(), telemetry: telemetrySnapshot() }),
      // Another copy of the answer into the form (the trainer's choice, or the newer saved
      // one): questions it leaves out are emptied, and none of this counts as a change.
      apply: function (answer) {
        form.widgets.forEach((w) => !(w.id in answer) && w.set(undefined));
        restore(form, answer);
        form.widgets.forEach(function (w) {
          if (w.refresh) w.refresh();
          w.last = JSON.stringify(w.get());
        });
        form.collect();
      },
      markDirty: markDirty,
      setStatus: setSaveStatus,
      retryNow: function () {
        clearTimeout(save.retry);
        save.failures = 0;
        flush();
      },
    });
    window.addEventListener("beforeunload", function (event) {
      const unsaved = save.dirty && saveStatus.dataset.state !== "saved";
      flushOnLeave();
      if (unsaved && (saveStatus.dataset.state === "retrying" || saveStatus.dataset.state === "error")) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    // ---- errors from the server, next to each question
    function clearErrors(w) {
      const list = w ? [w] : form.widgets;
      list.forEach(function (item) {
        item.errors.hidden = true;
        item.errors.textContent = "";
        item.section.classList.remove("has-error");
        item.section.removeAttribute("aria-invalid");
      });
      if (!w) {
        formErrors.hidden = true;
        formErrors.textContent = "";
      }
    }
    function showErrors(detail, fields, retry) {
      clearErrors();
      const general = [];
      const linked = [];
      Object.keys(fields || {}).forEach(function (key) {
        const messages = [].concat(fields[key]).map(String);
        const w = form.byId[key];
        if (w && w.shown) {
          messages.forEach(function (message) {
            const li = document.createElement("li");
            li.textContent = message;
            w.errors.appendChild(li);
          });
          w.errors.hidden = false;
          w.section.classList.add("has-error");
          w.section.setAttribute("aria-invalid", "true");
          linked.push({ w: w, message: messages[0] });
        } else {
          messages.forEach((m) => general.push(key && key !== "answer" ? interpolate(gettext("%(question)s: %(message)s"), { question: key, message: m }, true) : m));
        }
      });
      const heading = document.createElement("p");
      heading.className = "form-errors-title";
      heading.textContent = detail || gettext("Your answer was not accepted.");
      formErrors.appendChild(heading);
      if (general.length || linked.length) {
        const ul = document.createElement("ul");
        general.forEach(function (m) {
          const li = document.createElement("li");
          li.textContent = m;
          ul.appendChild(li);
        });
        linked.forEach(function (item) {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = "#" + item.w.section.id;
          a.textContent = clip(item.w.q.prompt || item.w.id, 60);
          a.addEventListener("click", function (event) {
            event.preventDefault();
            focusQuestion(item.w);
          });
          // "question: message" in the catalog's order, the question's part a link.
          const format = gettext("%(question)s: %(message)s");
          const at = format.indexOf("%(question)s");
          const after = interpolate(format.slice(at + "%(question)s".length), { message: item.message }, true);
          if (at > 0) li.appendChild(document.createTextNode(interpolate(format.slice(0, at), { message: item.message }, true)));
          li.appendChild(a);
          li.appendChild(document.createTextNode(after));
          ul.appendChild(li);
        });
        formErrors.appendChild(ul);
      }
      if (retry) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "primary small";
        button.textContent = gettext("Try again");
        button.addEventListener("click", submit);
        formErrors.appendChild(button);
      }
      formErrors.hidden = false;
      formErrors.focus();
    }

    // ---- submit
    function setBusy(busy, label) {
      submitting = busy;
      submitButton.disabled = busy;
      submitButton.setAttribute("aria-busy", busy ? "true" : "false");
      submitStatus.textContent = label || "";
    }
    async function submit() {
      if (submitting || done || blocked()) return;
      setBusy(true, gettext("Submitting…"));
      clearTimeout(save.timer);
      clearTimeout(save.retry);
      if (save.inflight) await save.inflight.catch(() => {});
      // One key per click, kept for a retry of the same click: the server then answers with
      // the submission it already made instead of refusing or making a second one.
      if (!submitKey) submitKey = newKey();
      const payload = { answer: form.collect(), telemetry: telemetrySnapshot() };
      if (config.submitMethod === "POST") payload.idempotency_key = submitKey;
      recovery.keepNow();
      let response;
      try {
        // An ended session opens the log-in dialog; the submit is then sent again.
        response = await recovery.request(config.submitUrl, { method: config.submitMethod, body: JSON.stringify(payload) }, "always");
      } catch (err) {
        setBusy(false, "");
        showErrors(gettext("Offline: nothing was submitted yet. Everything you typed is saved in this browser; submit again when you are back online."), {}, true);
        markDirty();
        return;
      }
      if (response.ok) {
        recovery.finished();
        done = true;
        submitStatus.textContent = config.mode === "revise" ? gettext("Revision saved. Opening it…") : gettext("Submitted. Opening the next task…");
        setSaveStatus("saved", gettext("Submitted"));
        window.location.assign(config.nextUrl);
        return;
      }
      const problem = await readError(response);
      setBusy(false, "");
      if (recovery.isAuthFailure(response)) {
        showErrors(
          interpolate(
            gettext("You are not logged in as %(username)s, so nothing was submitted. Everything you typed is kept in this browser: log in, then submit again."),
            { username: config.username },
            true
          ),
          {},
          true
        );
        return;
      }
      if (response.status >= 500) {
        showErrors(interpolate(gettext("The server had a problem (%(status)s). Your draft is kept; try again."), { status: response.status }, true), {}, true);
        markDirty();
        return;
      }
      submitKey = null;
      showErrors(problem.detail || interpolate(gettext("Submitting failed (%(status)s)."), { status: response.status }, true), problem.fields || {}, false);
      save.dirty = true;
      flush();
    }
    formEl.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });

    // ---- the hold on the task: renewed while the trainer is active, released by a skip
    const leaseNotice = document.getElementById("lease-notice");
    if (config.renewUrl) {
      setInterval(async function () {
        if (done || performance.now() - lastActivity > 120000) return;
        try {
          const response = await fetch(config.renewUrl, { method: "POST", headers: headers, credentials: "same-origin" });
          if (response.status === 409 && leaseNotice) {
            leaseNotice.hidden = false;
            leaseNotice.textContent = gettext(
              "Your hold on this task ran out. You can still submit while the task needs an answer; your draft is kept either way."
            );
          }
        } catch (err) {
          /* offline: the next renewal tries again; the draft is saved separately */
        }
      }, 60000);
    }
    // The skip question is a page dialog, not window.prompt: it can be styled, read by a screen
    // reader, and typed in without the browser's own chrome; Escape or "Keep working" cancels.
    function askSkipReason() {
      const dialog = document.getElementById("skip-dialog");
      if (!dialog || typeof dialog.showModal !== "function") {
        return Promise.resolve(window.confirm(gettext("Skip this task? You will not be given it again.")) ? "" : null);
      }
      const reasonField = dialog.querySelector("textarea");
      reasonField.value = "";
      dialog.returnValue = "";
      return new Promise(function (resolve) {
        dialog.addEventListener(
          "close",
          function () {
            resolve(dialog.returnValue === "skip" ? reasonField.value.trim() : null);
            if (skipButton) skipButton.focus({ preventScroll: true });
          },
          { once: true }
        );
        dialog.showModal();
        reasonField.focus();
      });
    }
    async function skip() {
      if (!config.skipUrl || submitting || done) return;
      const reason = await askSkipReason();
      if (reason === null) return;
      setBusy(true, gettext("Skipping…"));
      try {
        const response = await fetch(config.skipUrl, {
          method: "POST",
          headers: headers,
          body: JSON.stringify({ reason: reason }),
          credentials: "same-origin",
        });
        if (response.ok) {
          done = true;
          clearTimeout(save.timer);
          window.location.assign(config.nextUrl);
          return;
        }
        const problem = await readError(response);
        setBusy(false, "");
        showErrors(problem.detail || interpolate(gettext("Skipping failed (%(status)s)."), { status: response.status }, true), {}, false);
      } catch (err) {
        setBusy(false, "");
        showErrors(gettext("Could not reach the server to skip; try again."), {}, true);
      }
    }
    const skipButton = document.getElementById("skip-button");
    if (skipButton) skipButton.addEventListener("click", skip);

    // ---- the current question and the keyboard
    function widgetOf(el) {
      const section = el && el.closest ? el.closest(".question[data-qid]") : null;
      return section ? form.byId[section.dataset.qid] : null;
    }
    function setCurrent(w) {
      if (current === w) return;
      if (current) current.section.classList.remove("is-current");
      current = w;
      if (w) w.section.classList.add("is-current");
    }
    function visible() {
      return form.widgets.filter((w) => w.shown);
    }
    function focusQuestion(w) {
      setCurrent(w);
      const target = w.input || w.section;
      target.focus({ preventScroll: true });
      w.section.scrollIntoView({ block: "nearest" });
    }
    function move(step) {
      const list = visible();
      if (!list.length) return;
      const index = current ? list.indexOf(current) : -1;
      const next = list[index + step];
      if (next) focusQuestion(next);
      else if (step > 0) submitButton.focus();
    }
    form.container.addEventListener("focusin", function (event) {
      const w = widgetOf(event.target);
      if (w) setCurrent(w);
    });
    form.container.addEventListener("pointerdown", function (event) {
      const w = widgetOf(event.target);
      if (w) setCurrent(w);
    });
    // A stretch selected on the waveform (outside the form) makes its spans question current.
    form.container.addEventListener("claimcurrent", function (event) {
      const w = widgetOf(event.target);
      if (w) setCurrent(w);
    });
    function playerFor(w) {
      if (w) {
        const id = w.q.require_full_playback || (w.q.type === "spans" && w.q.target && w.q.target.block);
        if (id && players.get(id)) return players.get(id);
      }
      return players.values().next().value || null;
    }
    function firstUnanswered() {
      const answers = form.collect();
      return visible().find((w) => !(w.id in answers)) || visible()[0] || null;
    }
    function lockedMessage(w) {
      const hint = w.section.querySelector("[data-playback-hint]");
      if (!hint) return;
      hint.classList.remove("flash");
      void hint.offsetWidth; // restart the animation
      hint.classList.add("flash");
    }

    document.addEventListener("keydown", function (event) {
      // Behind the notice every key keeps its native meaning (Tab, Enter on its button).
      if (event.defaultPrevented || event.isComposing || done || blocked()) return;
      const target = event.target;
      const typing = isTypingTarget(target);
      // A dialog (skip, log in again) has its own keys; nothing behind it answers.
      if (target.closest && target.closest("dialog")) return;
      if (event.key === "Enter") {
        if ((event.ctrlKey || event.metaKey) && !event.altKey) {
          event.preventDefault();
          submit();
          return;
        }
        if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
        // Native Enter keeps its meaning on buttons, links and the like; one-line fields inside
        // repeatable rows and span comments never submit by accident.
        if (target.closest && target.closest("textarea, button, a, summary, select, [data-field], .player-ui, [data-image-stage], [contenteditable]")) return;
        if (typing && !formEl.contains(target)) return;
        event.preventDefault();
        submit();
        return;
      }
      if (event.key === "Escape" && typing && formEl.contains(target)) {
        const w = widgetOf(target);
        if (w) {
          event.preventDefault();
          w.section.focus({ preventScroll: true });
        }
        return;
      }
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest && target.closest("[data-image-stage]")) return;
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      let w = current && current.shown ? current : null;

      if (/^[0-9]$/.test(key)) {
        w = w || firstUnanswered();
        if (!w || !w.pick) return;
        if (w.section.classList.contains("is-locked")) {
          event.preventDefault();
          lockedMessage(w);
          return;
        }
        const result = w.pick(key);
        if (!result) return;
        event.preventDefault();
        setCurrent(w);
        w.section.dispatchEvent(new Event("change", { bubbles: true }));
        if (result === "advance") move(1);
        return;
      }
      if (/^[a-z]$/.test(key)) {
        // Choices keyed by their own letters (an exam's A-D); the server keys them so only
        // when no other shortcut on the page uses those letters (tasks.presentation).
        const lettered = w && w.pick ? w : firstUnanswered();
        if (lettered && lettered.pick && lettered.section.querySelector('[data-key="' + key + '"]')) {
          if (lettered.section.classList.contains("is-locked")) {
            event.preventDefault();
            lockedMessage(lettered);
            return;
          }
          const result = lettered.pick(key);
          if (result) {
            event.preventDefault();
            setCurrent(lettered);
            lettered.section.dispatchEvent(new Event("change", { bubbles: true }));
            if (result === "advance") move(1);
            return;
          }
        }
      }
      if (key === "a" || key === "b" || key === "t") {
        const pair = w && w.q.type === "pairwise" ? w : visible().find((item) => item.q.type === "pairwise");
        if (!pair) return;
        const result = pair.pickPair(key);
        if (!result) return;
        event.preventDefault();
        setCurrent(pair);
        pair.section.dispatchEvent(new Event("change", { bubbles: true }));
        if (result === "advance") move(1);
        return;
      }
      if (key === "s" && config.skipUrl) {
        event.preventDefault();
        skip();
        return;
      }
      if (key === "j" || key === "k") {
        event.preventDefault();
        if (!current) focusQuestion(firstUnanswered() || visible()[0]);
        else move(key === "j" ? 1 : -1);
        return;
      }
      const player = playerFor(w);
      if (!player) return;
      const actions = {
        p: player.toggle,
        r: player.restart,
        ",": () => player.nudge(-1),
        ".": () => player.nudge(1),
        "[": player.markStart,
        "]": player.markEnd,
        l: () => player.setLoop(!player.loop),
        "<": () => player.setSpeed(-1),
        ">": () => player.setSpeed(1),
        "+": () => player.zoom(1),
        "=": () => player.zoom(1),
        "-": () => player.zoom(-1),
      };
      if (actions[key]) {
        event.preventDefault();
        actions[key]();
      }
    });

    // Remember whether the trainer folded the instructions away, per project.
    const instructions = document.querySelector("[data-instructions]");
    if (instructions) {
      const storageKey = "workspace.instructions." + config.projectId + "." + config.templateVersion;
      try {
        if (localStorage.getItem(storageKey) === "closed") instructions.open = false;
        instructions.addEventListener("toggle", () => localStorage.setItem(storageKey, instructions.open ? "open" : "closed"));
      } catch (err) {
        /* storage may be disabled; the default (open) is fine */
      }
    }

    // Beside the task, the questions panel sticks in view; size it to the visible part of the
    // window so the submit button is always on screen, however far the page is scrolled.
    const panel = document.querySelector(".ws-page .task-questions");
    let fitQueued = false;
    function fitPanel() {
      fitQueued = false;
      if (getComputedStyle(panel).position !== "sticky") {
        panel.style.maxHeight = "";
        return;
      }
      const top = Math.max(panel.getBoundingClientRect().top, 0);
      panel.style.maxHeight = Math.max(240, window.innerHeight - top - 12) + "px";
    }
    function queueFit() {
      if (!fitQueued) {
        fitQueued = true;
        requestAnimationFrame(fitPanel);
      }
    }
    if (panel) {
      window.addEventListener("scroll", queueFit, { passive: true });
      window.addEventListener("resize", queueFit);
      fitPanel();
    }

    if (config.mode === "revise" && !config.restoredDraft) setSaveStatus("idle", gettext("Editing your submission"));
    setCurrent(firstUnanswered());
    // Exposed for tests and debugging: the answer exactly as it would be sent, and a way to
    // stop saving (a test ending must not leave a draft request in flight).
    window.AnnotationWorkspace.current = {
      answer: () => form.collect(),
      telemetry: telemetrySnapshot,
      flush: flush,
      stop: function () {
        done = true;
        clearTimeout(save.timer);
        clearTimeout(save.retry);
        return save.inflight || Promise.resolve();
      },
    };
  }

  window.AnnotationWorkspace = {
    enhance: function (root) {
      const definitionEl = root.querySelector("#preview-definition");
      let definition = null;
      try {
        definition = definitionEl ? JSON.parse(definitionEl.textContent) : null;
      } catch (err) {
        definition = null;
      }
      enhanceStatic(root, definition);
    },
  };

  function start() {
    const configEl = document.getElementById("workspace-config");
    if (configEl) workspace(JSON.parse(configEl.textContent));
    else window.AnnotationWorkspace.enhance(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
