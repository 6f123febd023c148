// The waveform of an audio clip: drawn from its decoded samples (Web Audio API), with a
// stretch selected by dragging, zoom, the tagged spans shown as labelled regions and a
// spectrogram on request. Plain JavaScript, no library, no build step.
//
// Why not wavesurfer.js (BSD-3, and fine otherwise): its renderer writes an inline <style>
// into a shadow root, which the site's policy (style-src 'self', no nonce) blocks; allowing
// it would mean a nonce on every workspace response. Everything here styles through
// static/css/waveform.css and positions through the CSSOM, which the policy allows.
//
// The <audio> element stays the only thing that plays: the waveform seeks it and reads its
// time, so the listening record (static/js/workspace.js, setupPlayer) is the same as
// without it. Where the clip cannot be fetched for drawing (another site without CORS, a
// policy that refuses it, a clip too long) the waveform says so and the player works as
// before.
//
// In the workspace, workspace.js announces each player ("playerready") and this draws the
// A-B selection and the spans it reports ("regionchange", "markschange"); a drag here
// sets the selection (player.setRegion), a click seeks, a region clicked or resized is
// reported back ("spanpick", "spanedit"). Elsewhere (submission and review pages) the
// waveform is read-only over the native player, with the answer's spans from
// <script id="audio-regions" type="application/json">{"<clip id>": {"tags", "spans"}}</script>
// (tasks.audio_regions).
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const LIMITS = { bytes: 80 * 1024 * 1024, seconds: 20 * 60 };
  const DECODE_RATE = 22050; // enough for speech up to 11 kHz, half the memory of 44.1k
  const RULER = 16; // px of time ruler above the drawing (and in waveform.css)
  const DRAG_PX = 4; // a smaller movement is a click
  const EDGE_PX = 6; // grab distance of a region's edge
  const MAX_PX_PER_SECOND = 2000;
  const FFT_SIZE = 512;
  const MAX_COLUMNS = 12000; // spectrogram columns for the whole clip

  function formatTime(seconds) {
    if (!Number.isFinite(seconds)) return "–:––";
    const hundredths = Math.floor(seconds * 100 + 1e-6);
    const minutes = Math.floor(hundredths / 6000);
    const rest = (hundredths - minutes * 6000) / 100;
    return minutes + ":" + rest.toFixed(2).padStart(5, "0");
  }

  function el(tag, className, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    Object.keys(attrs || {}).forEach((name) => node.setAttribute(name, attrs[name]));
    return node;
  }

  function cssVar(node, name, fallback) {
    const value = getComputedStyle(node).getPropertyValue(name).trim();
    return value || fallback;
  }

  // --- decoding -----------------------------------------------------------------------------

  async function decode(url) {
    const Offline = window.OfflineAudioContext || window.webkitOfflineAudioContext;
    if (!Offline || !window.fetch) throw new Error(gettext("this browser cannot decode audio"));
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (err) {
      // Offline, or another site without CORS for us (or not in connect-src).
      throw new Error(gettext("the clip's server does not let this page read it"));
    }
    if (!response.ok) throw new Error(interpolate(gettext("the server answered %(status)s"), { status: response.status }, true));
    const length = Number(response.headers.get("Content-Length"));
    if (length > LIMITS.bytes) throw new Error(gettext("the clip is too large to draw"));
    const bytes = await response.arrayBuffer();
    if (bytes.byteLength > LIMITS.bytes) throw new Error(gettext("the clip is too large to draw"));
    const buffer = await new Offline(1, 1, DECODE_RATE).decodeAudioData(bytes);
    if (buffer.duration > LIMITS.seconds) {
      throw new Error(interpolate(gettext("the clip is longer than %(minutes)s minutes"), { minutes: LIMITS.seconds / 60 }, true));
    }
    // One channel: the mean of all of them.
    const mono = new Float32Array(buffer.length);
    for (let c = 0; c < buffer.numberOfChannels; c++) {
      const data = buffer.getChannelData(c);
      for (let i = 0; i < data.length; i++) mono[i] += data[i] / buffer.numberOfChannels;
    }
    return { samples: mono, rate: buffer.sampleRate, duration: buffer.duration };
  }

  // Min and max per block of 64 samples, so a whole long clip draws without reading every sample.
  const BLOCK = 64;
  function blockPeaks(samples) {
    const n = Math.ceil(samples.length / BLOCK);
    const min = new Float32Array(n);
    const max = new Float32Array(n);
    let peak = 0;
    for (let b = 0; b < n; b++) {
      let lo = Infinity;
      let hi = -Infinity;
      const end = Math.min(samples.length, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) {
        const v = samples[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[b] = lo;
      max[b] = hi;
      peak = Math.max(peak, Math.abs(lo), Math.abs(hi));
    }
    return { min: min, max: max, peak: peak || 1 };
  }

  // --- spectrogram ----------------------------------------------------------------------------

  function fftTables(n) {
    const bits = Math.log2(n);
    const reverse = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r = (r << 1) | ((i >> b) & 1);
      reverse[i] = r;
    }
    const cos = new Float32Array(n / 2);
    const sin = new Float32Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    const hann = new Float32Array(n);
    for (let i = 0; i < n; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    return { n: n, reverse: reverse, cos: cos, sin: sin, hann: hann };
  }

  // In-place radix-2 FFT of (re, im).
  function fft(re, im, t) {
    const n = t.n;
    for (let i = 0; i < n; i++) {
      const j = t.reverse[i];
      if (j > i) {
        let x = re[i];
        re[i] = re[j];
        re[j] = x;
        x = im[i];
        im[i] = im[j];
        im[j] = x;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = t.cos[k * step];
          const wi = t.sin[k * step];
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }

  // viridis, from dark (quiet) to yellow (loud)
  const STOPS = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const PALETTE = (function () {
    const lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const x = (i / 255) * (STOPS.length - 1);
      const k = Math.min(STOPS.length - 2, Math.floor(x));
      const f = x - k;
      for (let c = 0; c < 3; c++) lut[i * 3 + c] = STOPS[k][c] + (STOPS[k + 1][c] - STOPS[k][c]) * f;
    }
    return lut;
  })();

  // The whole clip's spectrogram as an image (one column per hop, low frequencies at the
  // bottom), computed in slices so a long clip never freezes the page.
  function spectrogram(audio, done) {
    const t = fftTables(FFT_SIZE);
    const bins = FFT_SIZE / 2;
    const hop = Math.max(FFT_SIZE / 4, Math.ceil(audio.samples.length / MAX_COLUMNS));
    const columns = Math.max(1, Math.ceil(audio.samples.length / hop));
    const levels = new Float32Array(columns * bins);
    const re = new Float32Array(FFT_SIZE);
    const im = new Float32Array(FFT_SIZE);
    let loudest = -Infinity;
    let column = 0;
    function slice() {
      const until = Math.min(columns, column + 400);
      for (; column < until; column++) {
        const offset = column * hop - FFT_SIZE / 2;
        for (let i = 0; i < FFT_SIZE; i++) {
          const s = audio.samples[offset + i];
          re[i] = s === undefined ? 0 : s * t.hann[i];
          im[i] = 0;
        }
        fft(re, im, t);
        for (let b = 0; b < bins; b++) {
          const db = 10 * Math.log10(re[b] * re[b] + im[b] * im[b] + 1e-12);
          levels[column * bins + b] = db;
          if (db > loudest) loudest = db;
        }
      }
      if (column < columns) {
        setTimeout(slice, 0);
        return;
      }
      const canvas = el("canvas");
      canvas.width = columns;
      canvas.height = bins;
      const context = canvas.getContext("2d");
      const image = context.createImageData(columns, bins);
      const range = 80; // dB shown below the loudest bin
      for (let x = 0; x < columns; x++) {
        for (let b = 0; b < bins; b++) {
          const v = Math.max(0, Math.min(255, Math.round(((levels[x * bins + b] - loudest + range) / range) * 255)));
          const p = ((bins - 1 - b) * columns + x) * 4;
          image.data[p] = PALETTE[v * 3];
          image.data[p + 1] = PALETTE[v * 3 + 1];
          image.data[p + 2] = PALETTE[v * 3 + 2];
          image.data[p + 3] = 255;
        }
      }
      context.putImageData(image, 0, 0);
      done({ canvas: canvas, hop: hop, columns: columns, nyquist: audio.rate / 2 });
    }
    setTimeout(slice, 0);
  }

  // --- the widget -----------------------------------------------------------------------------

  function niceStep(pxPerSecond) {
    const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
    return steps.find((s) => s * pxPerSecond >= 64) || 600;
  }

  function tickLabel(seconds, step) {
    const digits = step < 0.1 ? 2 : step < 1 ? 1 : 0;
    const minutes = Math.floor(seconds / 60 + 1e-9);
    const rest = seconds - minutes * 60;
    const text = rest.toFixed(digits);
    return minutes ? minutes + ":" + (rest < 10 ? "0" : "") + text : text + " s";
  }

  // Spans that overlap get label lanes, so no label hides another.
  function lanes(spans) {
    const ends = [];
    return spans.map(function (span) {
      let lane = ends.findIndex((end) => end <= span.start);
      if (lane < 0) lane = ends.length;
      ends[lane] = span.end;
      return Math.min(lane, 3);
    });
  }

  function attach(root, player) {
    if (root.waveform) return;
    const audio = root.querySelector("audio");
    const src = audio && (audio.currentSrc || audio.getAttribute("src"));
    if (!src) return;
    const readOnly = !player;

    // Markup: the drawing (a canvas under a scrolling layer that holds the playhead, the
    // selection and the regions) and a line for notes; the tools go on the block's label
    // line, which is empty space otherwise (every pixel counts at 1366x768).
    const box = el("div", "wf" + (readOnly ? " is-read-only" : ""), { "data-waveform": "" });
    const bar = el("div", "wf-tools");
    const zoomGroup = el("span", "wf-zoom", { role: "group", "aria-label": gettext("Zoom the waveform") });
    const zoomOut = el("button", "small", { type: "button", "data-wf": "zoom-out", "aria-label": gettext("Zoom out"), title: gettext("Zoom out (−)"), "aria-keyshortcuts": "-" });
    zoomOut.textContent = "−";
    const zoomLevel = el("output", "wf-zoom-level", { "data-wf-zoom": "" });
    zoomLevel.textContent = "100%";
    const zoomIn = el("button", "small", { type: "button", "data-wf": "zoom-in", "aria-label": gettext("Zoom in"), title: gettext("Zoom in (+)"), "aria-keyshortcuts": "+" });
    zoomIn.textContent = "+";
    const zoomFit = el("button", "small", { type: "button", "data-wf": "fit" });
    zoomFit.textContent = gettext("Fit");
    zoomGroup.append(zoomOut, zoomLevel, zoomIn, zoomFit);
    const viewButton = el("button", "small wf-view-toggle", { type: "button", "data-wf": "view", "aria-pressed": "false" });
    viewButton.textContent = gettext("Spectrogram");
    const note = el("p", "wf-note", { "data-wf-note": "", role: "status" });
    note.textContent = gettext("Drawing the waveform…");
    bar.append(zoomGroup, viewButton);
    const view = el("div", "wf-view", {
      "data-wf-view": "",
      tabindex: "0",
      role: "group",
      "aria-roledescription": gettext("waveform"),
      "aria-label": readOnly
        ? gettext("Waveform: click to move the playhead, click a region to play it")
        : gettext("Waveform: drag to select a stretch, click to move the playhead, arrow keys to nudge it"),
    });
    const canvas = el("canvas", "wf-canvas", { "aria-hidden": "true" });
    const scroller = el("div", "wf-scroll");
    const content = el("div", "wf-content");
    const played = el("div", "wf-played");
    const regionsEl = el("div", "wf-regions");
    const selection = el("div", "wf-selection", { hidden: "" });
    selection.append(el("span", "wf-edge", { "data-edge": "start" }), el("span", "wf-edge", { "data-edge": "end" }));
    const cursor = el("div", "wf-cursor");
    content.append(played, regionsEl, selection, cursor);
    scroller.append(content);
    view.append(canvas, scroller);
    box.append(view, note);
    view.hidden = true;
    bar.hidden = true;

    if (readOnly) {
      audio.after(box);
    } else {
      const timeline = root.querySelector(".player-timeline");
      timeline.parentNode.insertBefore(box, timeline);
    }
    const block = root.closest(".block");
    if (block && root.parentNode === block) {
      block.insertBefore(bar, root);
      block.classList.add("has-wf-tools");
    } else {
      box.insertBefore(bar, view);
    }

    const state = {
      clip: null,
      peaks: null,
      pxPerSecond: 0,
      fit: true,
      mode: "wave",
      spectrum: null,
      spectrumPending: false,
      selection: null,
      spans: [],
      tags: [],
      drag: null,
      following: false,
    };
    root.waveform = state;

    function width() {
      return scroller.clientWidth;
    }
    function duration() {
      return state.clip ? state.clip.duration : NaN;
    }
    function fitScale() {
      return width() / Math.max(duration(), 0.01);
    }
    function x(seconds) {
      return seconds * state.pxPerSecond;
    }
    function timeAt(clientX) {
      const box = scroller.getBoundingClientRect();
      const t = (clientX - box.left + scroller.scrollLeft) / state.pxPerSecond;
      return Math.max(0, Math.min(duration(), t));
    }
    function now() {
      return audio.currentTime || 0;
    }

    // ---- drawing
    function draw() {
      if (!state.clip) return;
      const ratio = window.devicePixelRatio || 1;
      const w = width();
      const h = view.clientHeight;
      if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
        canvas.width = Math.round(w * ratio);
        canvas.height = Math.round(h * ratio);
      }
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      const g = canvas.getContext("2d");
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, w, h);
      const left = scroller.scrollLeft / state.pxPerSecond;
      const bodyTop = RULER;
      const bodyHeight = h - RULER - (scroller.offsetHeight - scroller.clientHeight);
      if (state.mode === "spectrum" && state.spectrum) drawSpectrum(g, left, w, bodyTop, bodyHeight);
      else drawWave(g, left, w, bodyTop, bodyHeight);
      drawRuler(g, left, w);
    }

    function drawWave(g, left, w, top, height) {
      const clip = state.clip;
      const peaks = state.peaks;
      const mid = top + height / 2;
      const scale = (height / 2) * 0.92 / peaks.peak;
      g.fillStyle = cssVar(view, "--wf-wave", "#3d6f9e");
      g.strokeStyle = cssVar(view, "--wf-axis", "#c9d3dd");
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(0, mid + 0.5);
      g.lineTo(w, mid + 0.5);
      g.stroke();
      const perPixel = clip.rate / state.pxPerSecond;
      for (let px = 0; px < w; px++) {
        const from = Math.floor((left + px / state.pxPerSecond) * clip.rate);
        const to = Math.max(from + 1, Math.floor(from + perPixel));
        if (from >= clip.samples.length) break;
        let lo = Infinity;
        let hi = -Infinity;
        if (perPixel > BLOCK * 2) {
          const end = Math.min(peaks.min.length, Math.ceil(to / BLOCK));
          for (let b = Math.floor(from / BLOCK); b < end; b++) {
            if (peaks.min[b] < lo) lo = peaks.min[b];
            if (peaks.max[b] > hi) hi = peaks.max[b];
          }
        } else {
          const end = Math.min(clip.samples.length, to);
          for (let i = from; i < end; i++) {
            const v = clip.samples[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
        if (lo === Infinity) continue;
        const y1 = mid - hi * scale;
        const y2 = mid - lo * scale;
        g.fillRect(px, y1, 1, Math.max(1, y2 - y1));
      }
    }

    function drawSpectrum(g, left, w, top, height) {
      const s = state.spectrum;
      const columnsPerSecond = state.clip.rate / s.hop;
      const sx = left * columnsPerSecond;
      const sw = (w / state.pxPerSecond) * columnsPerSecond;
      g.imageSmoothingEnabled = true;
      g.drawImage(s.canvas, sx, 0, sw, s.canvas.height, 0, top, w, height);
      // kHz marks on the left
      // kHz marks on the right (region labels sit top left)
      g.font = "10px ui-monospace, monospace";
      g.fillStyle = "rgba(255,255,255,.85)";
      g.textBaseline = "middle";
      g.textAlign = "right";
      for (let khz = 2; khz * 1000 < s.nyquist; khz += 2) {
        const y = top + height - (khz * 1000 / s.nyquist) * height;
        if (y < top + 8) break;
        g.fillRect(w - 6, y, 6, 1);
        g.fillText(khz + " kHz", w - 9, y);
      }
      g.textAlign = "left";
    }

    function drawRuler(g, left, w) {
      const step = niceStep(state.pxPerSecond);
      g.fillStyle = cssVar(view, "--wf-ruler-bg", "#f3f6f9");
      g.fillRect(0, 0, w, RULER);
      g.fillStyle = cssVar(view, "--wf-ruler", "#57606a");
      g.font = "10px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
      g.textBaseline = "top";
      const first = Math.ceil(left / step - 1e-9) * step;
      for (let t = first; t <= left + w / state.pxPerSecond && t <= duration() + 1e-9; t += step) {
        const px = Math.round((t - left) * state.pxPerSecond);
        g.fillRect(px, RULER - 5, 1, 5);
        g.fillText(tickLabel(Math.round(t * 1000) / 1000, step), px + 3, 2);
      }
    }

    // ---- what lies over the drawing
    function place(node, start, end) {
      node.style.left = x(start) + "px";
      node.style.width = Math.max(2, x(end) - x(start)) + "px";
    }
    function renderOverlay() {
      if (!state.clip) return;
      content.style.width = Math.max(width(), Math.ceil(x(duration()))) + "px";
      renderCursor();
      const sel = state.selection;
      if (sel && sel.start !== null && sel.end !== null) {
        selection.hidden = false;
        place(selection, sel.start, sel.end);
      } else if (sel && sel.start !== null) {
        selection.hidden = false;
        place(selection, sel.start, sel.start);
      } else {
        selection.hidden = true;
      }
      selection.classList.toggle("is-open", Boolean(sel && sel.start !== null && sel.end === null));
      renderRegions();
    }
    function renderCursor() {
      const t = now();
      cursor.style.left = x(t) + "px";
      played.style.width = x(t) + "px";
    }
    function renderRegions() {
      regionsEl.textContent = "";
      const lane = lanes(state.spans);
      state.spans.forEach(function (span, index) {
        const region = el("div", "wf-region", { "data-index": String(index), "data-tag-index": String(state.tags.indexOf(span.tag)) });
        place(region, span.start, span.end);
        region.title = span.tag + " · " + formatTime(span.start) + " – " + formatTime(span.end) + (span.comment ? "\n" + span.comment : "");
        const label = el("span", "wf-region-label", { "data-lane": String(lane[index]) });
        // In the workspace the label shows the tag's number key too.
        const key = state.tags.indexOf(span.tag);
        label.textContent = (!readOnly && key >= 0 && key < 9 ? key + 1 + " " : "") + span.tag;
        region.append(label);
        if (!readOnly) region.append(el("span", "wf-edge", { "data-edge": "start" }), el("span", "wf-edge", { "data-edge": "end" }));
        regionsEl.append(region);
      });
    }

    function follow() {
      // While playing, keep the playhead on screen when zoomed in (a page at a time).
      const px = x(now());
      const w = width();
      if (px < scroller.scrollLeft || px > scroller.scrollLeft + w - 8) scroller.scrollLeft = Math.max(0, px - w * 0.1);
    }
    function frame() {
      renderCursor();
      if (!state.fit && !state.drag) follow();
      if (!audio.paused) requestAnimationFrame(frame);
    }

    // ---- zoom
    function setZoom(pxPerSecond, anchorTime, anchorX) {
      if (!state.clip) return false;
      const fit = fitScale();
      const next = Math.max(fit, Math.min(MAX_PX_PER_SECOND, pxPerSecond));
      state.fit = next <= fit * 1.0001;
      state.pxPerSecond = state.fit ? fit : next;
      content.style.width = Math.max(width(), Math.ceil(x(duration()))) + "px";
      if (anchorTime !== undefined) scroller.scrollLeft = Math.max(0, x(anchorTime) - anchorX);
      zoomLevel.textContent = Math.round((state.pxPerSecond / fit) * 100) + "%";
      zoomOut.disabled = state.fit;
      zoomIn.disabled = state.pxPerSecond >= MAX_PX_PER_SECOND;
      renderOverlay();
      draw();
      return true;
    }
    function zoom(direction) {
      if (!state.clip) return false;
      // Keep the playhead where it is on screen (or centre it if it is off screen).
      const t = now();
      let at = x(t) - scroller.scrollLeft;
      if (at < 0 || at > width()) at = width() / 2;
      return setZoom(state.pxPerSecond * (direction > 0 ? 2 : 0.5), t, at);
    }
    zoomIn.addEventListener("click", () => zoom(1));
    zoomOut.addEventListener("click", () => zoom(-1));
    zoomFit.addEventListener("click", () => setZoom(0, 0, 0));
    view.addEventListener(
      "wheel",
      function (event) {
        if (!(event.ctrlKey || event.metaKey) || !state.clip) return;
        event.preventDefault();
        const box = scroller.getBoundingClientRect();
        const t = timeAt(event.clientX);
        setZoom(state.pxPerSecond * (event.deltaY < 0 ? 1.25 : 0.8), t, event.clientX - box.left);
      },
      { passive: false }
    );

    // ---- the spectrogram, computed the first time it is asked for
    viewButton.addEventListener("click", function () {
      const on = state.mode !== "spectrum";
      state.mode = on ? "spectrum" : "wave";
      viewButton.setAttribute("aria-pressed", on ? "true" : "false");
      view.classList.toggle("is-spectrum", on);
      if (on && !state.spectrum && !state.spectrumPending) {
        state.spectrumPending = true;
        note.textContent = gettext("Computing the spectrogram…");
        spectrogram(state.clip, function (result) {
          state.spectrum = result;
          state.spectrumPending = false;
          note.textContent = "";
          draw();
        });
      }
      draw();
    });

    // ---- pointer: drag to select, click to seek, a region's edges to resize it
    function seek(t) {
      if (player) player.seekTo(t);
      else audio.currentTime = t;
      renderCursor();
    }
    content.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || !state.clip) return;
      event.preventDefault();
      view.focus({ preventScroll: true });
      const edge = event.target.closest("[data-edge]");
      const region = event.target.closest(".wf-region");
      const t = timeAt(event.clientX);
      state.drag = { x: event.clientX, t: t, moved: false, edge: null, index: null, region: region };
      if (edge && !readOnly) {
        state.drag.edge = edge.dataset.edge;
        if (region) state.drag.index = Number(region.dataset.index);
      }
      content.setPointerCapture(event.pointerId);
    });
    content.addEventListener("pointermove", function (event) {
      const drag = state.drag;
      if (!drag) return;
      if (!drag.moved && Math.abs(event.clientX - drag.x) < DRAG_PX) return;
      drag.moved = true;
      const box = scroller.getBoundingClientRect();
      if (event.clientX > box.right - 16) scroller.scrollLeft += 12;
      else if (event.clientX < box.left + 16) scroller.scrollLeft -= 12;
      const t = timeAt(event.clientX);
      if (drag.index !== null) {
        // resizing a tagged span: shown live, reported when let go
        const span = state.spans[drag.index];
        const other = drag.edge === "start" ? span.end : span.start;
        drag.preview = { start: Math.min(t, other), end: Math.max(t, other) };
        place(regionsEl.children[drag.index], drag.preview.start, drag.preview.end);
      } else if (drag.edge && state.selection && state.selection.end !== null) {
        const other = drag.edge === "start" ? state.selection.end : state.selection.start;
        setSelection(Math.min(t, other), Math.max(t, other));
      } else if (!readOnly) {
        setSelection(Math.min(drag.t, t), Math.max(drag.t, t));
      }
    });
    function endDrag(event) {
      const drag = state.drag;
      if (!drag) return;
      state.drag = null;
      if (event.type === "pointercancel") return renderOverlay();
      const round = (v) => Math.round(v * 1000) / 1000;
      if (drag.index !== null && drag.moved) {
        if (drag.preview && drag.preview.end - drag.preview.start > 0.001) {
          root.dispatchEvent(new CustomEvent("spanedit", { detail: { index: drag.index, start: round(drag.preview.start), end: round(drag.preview.end) } }));
        } else {
          renderOverlay();
        }
        return;
      }
      if (drag.moved) {
        // A new stretch (or one resized): the playhead goes to its start, so P plays it.
        if (state.selection && state.selection.end !== null) seek(state.selection.start);
        return;
      }
      if (drag.region) {
        const index = Number(drag.region.dataset.index);
        const span = state.spans[index];
        if (readOnly) {
          playOnce(span.start, span.end);
        } else {
          player.setRegion(span.start, span.end);
          seek(span.start);
          root.dispatchEvent(new CustomEvent("spanpick", { detail: { index: index } }));
        }
        return;
      }
      seek(drag.t);
    }
    content.addEventListener("pointerup", endDrag);
    content.addEventListener("pointercancel", endDrag);

    function setSelection(start, end) {
      if (player) player.setRegion(start, end); // comes back as "regionchange"
      else {
        state.selection = { start: start, end: end };
        renderOverlay();
      }
    }

    // Read-only pages: a region clicked plays once, the native player does the rest.
    let stopAt = null;
    function playOnce(start, end) {
      audio.currentTime = start;
      stopAt = end;
      const result = audio.play();
      if (result && result.catch) result.catch(function () {});
    }
    audio.addEventListener("timeupdate", function () {
      if (stopAt !== null && audio.currentTime >= stopAt) {
        stopAt = null;
        audio.pause();
      }
      if (audio.paused) renderCursor();
    });
    audio.addEventListener("seeked", function () {
      renderCursor();
      if (!state.fit && audio.paused) follow();
    });
    audio.addEventListener("play", () => requestAnimationFrame(frame));
    audio.addEventListener("pause", function () {
      stopAt = stopAt !== null && audio.currentTime < stopAt ? stopAt : null;
      renderCursor();
    });

    // ---- keys while the waveform has focus (the page-wide keys live in workspace.js)
    view.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || !state.clip) return;
      const step = event.shiftKey ? 1 : 0.1;
      const keys = {
        ArrowLeft: () => seek(Math.max(0, now() - step)),
        ArrowRight: () => seek(Math.min(duration(), now() + step)),
        Home: () => seek(0),
        End: () => seek(duration()),
      };
      if (readOnly) {
        // In the workspace these are page-wide keys (workspace.js); here only the waveform's.
        keys["+"] = keys["="] = () => zoom(1);
        keys["-"] = () => zoom(-1);
      }
      keys[" "] = () => (player ? player.toggle() : audio.paused ? audio.play() : audio.pause());
      const act = keys[event.key];
      if (!act) return;
      event.preventDefault();
      act();
    });

    scroller.addEventListener("scroll", draw, { passive: true });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (!state.clip) return;
        if (state.fit) state.pxPerSecond = fitScale();
        setZoom(state.pxPerSecond);
      }).observe(view);
    }

    // ---- the workspace's player tells us its selection and its spans
    if (player) {
      root.addEventListener("regionchange", function (event) {
        state.selection = { start: event.detail.start, end: event.detail.end };
        renderOverlay();
      });
      const setMarks = function (marks) {
        state.spans = marks.spans.map((s) => ({ start: s.start, end: s.end, tag: s.tag, comment: s.comment || "" }));
        state.tags = marks.tags || [];
        renderOverlay();
      };
      root.addEventListener("markschange", (event) => setMarks(event.detail));
      // What the player had before this was set up (a restored draft's spans, a selection).
      if (player.marks) setMarks(player.marks);
      player.zoom = zoom;
      state.selection = { start: player.start, end: player.end };
    } else {
      const regions = readRegions()[root.dataset.audioId] || { spans: [], tags: [] };
      state.spans = regions.spans;
      state.tags = regions.tags;
    }

    decode(src).then(
      function (clip) {
        state.clip = clip;
        state.peaks = blockPeaks(clip.samples);
        view.hidden = false;
        bar.hidden = false;
        note.textContent = "";
        box.classList.add("is-ready");
        setZoom(0);
        root.dispatchEvent(new CustomEvent("waveformready", { bubbles: true }));
      },
      function (error) {
        // The player works as it did before; only the drawing is missing. (A clip that does
        // not load at all is the player's to report.)
        box.classList.add("is-unavailable");
        if (audio.error) note.textContent = "";
        else {
          note.textContent = interpolate(
            gettext("No waveform (%(reason)s); the player works as usual."),
            { reason: error && error.message ? error.message : gettext("the clip could not be read") },
            true
          );
        }
        audio.addEventListener("error", () => (note.textContent = ""));
      }
    );
  }

  function readRegions() {
    const script = document.getElementById("audio-regions");
    if (!script) return {};
    try {
      const parsed = JSON.parse(script.textContent);
      const out = {};
      Object.keys(parsed || {}).forEach(function (clip) {
        const entry = parsed[clip] || {};
        out[clip] = {
          tags: Array.isArray(entry.tags) ? entry.tags : [],
          spans: (Array.isArray(entry.spans) ? entry.spans : []).filter(
            (s) => s && typeof s.start === "number" && typeof s.end === "number"
          ),
        };
      });
      return out;
    } catch (err) {
      return {};
    }
  }

  function attachAll(scope) {
    scope.querySelectorAll(".audio-player").forEach(function (root) {
      if (root.annotationPlayer) attach(root, root.annotationPlayer);
    });
  }

  // Players set up later (the template editor's preview) announce themselves.
  document.addEventListener("playerready", (event) => attach(event.target, event.detail.player));

  function start() {
    attachAll(document);
    // Pages without workspace.js (submission and review pages): read-only over the native
    // player. Where workspace.js runs, its players announce themselves instead.
    if (window.AnnotationWorkspace) return;
    document.querySelectorAll(".audio-player").forEach(function (root) {
      if (!root.waveform) attach(root, null);
    });
  }
  window.AnnotationWaveform = { attach: attach };
  // After every deferred script ran, whichever order the page loads them in.
  if (document.readyState === "complete") start();
  else {
    document.addEventListener("DOMContentLoaded", start);
    window.addEventListener("load", start);
  }
})();
