// Boxes and points on an image: the "boxes" question's widget, and the same regions drawn
// read-only over the image on review and submission pages. Plain JavaScript, no build step.
//
// Regions are kept as fractions of the image's width and height (0 to 1), the shape
// tasks/answer_validation.py checks, together with the image's own size in pixels (the
// server never opens the image). A layer over the image's stage draws them; it reads the
// image's on-screen box whenever the image viewer (setupImage in workspace.js) zooms or pans,
// so regions stay on their spot at any zoom without this file knowing the viewer's state.
//
// workspace.js builds the widget (window.ImageRegions.widget) for each boxes question, so this
// file loads before it. Pages without workspace.js (review, submission) get the read-only
// overlay of every [data-region-overlay] element (tasks.presentation.answer_rows).
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const DIGITS = 6;
  const MIN_DRAG_PX = 4; // a shorter drag is a click: it selects, or sets a point
  const STEP_PX = 5; // an arrow key moves the crosshair this far on screen; Shift: ten times

  function round(value) {
    const f = 10 ** DIGITS;
    return Math.round(value * f) / f;
  }
  function clamp01(value) {
    return Math.min(1, Math.max(0, value));
  }
  function isTypingTarget(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return !["radio", "checkbox", "button", "submit", "reset", "range"].includes((el.type || "text").toLowerCase());
  }
  function whole(value) {
    return Math.abs(value - Math.round(value)) < 0.005 ? String(Math.round(value)) : value.toFixed(1);
  }

  // --- a layer over an image's stage ------------------------------------------------------

  function makeLayer(stage, img, className) {
    const layer = document.createElement("div");
    layer.className = "region-layer " + className;
    stage.classList.add("has-regions");
    stage.appendChild(layer);
    const listeners = [];
    let queued = false;

    // The image's box in the layer's coordinates (the layer covers the stage's padding box).
    function geometry() {
      const s = stage.getBoundingClientRect();
      const i = img.getBoundingClientRect();
      if (!i.width || !i.height) return null;
      return { left: i.left - s.left - stage.clientLeft, top: i.top - s.top - stage.clientTop, width: i.width, height: i.height };
    }
    function notify() {
      queued = false;
      listeners.forEach((fn) => fn());
    }
    function queue() {
      if (queued) return;
      queued = true;
      requestAnimationFrame(notify);
    }
    new MutationObserver(queue).observe(img, { attributes: true, attributeFilter: ["style", "width", "height"] });
    if (window.ResizeObserver) {
      const resize = new ResizeObserver(queue);
      resize.observe(stage);
      resize.observe(img);
    }
    img.addEventListener("load", queue);
    window.addEventListener("resize", queue);
    return {
      el: layer,
      geometry: geometry,
      onMove: (fn) => listeners.push(fn),
      refresh: queue,
      toImage: function (clientX, clientY) {
        const i = img.getBoundingClientRect();
        return { x: clamp01((clientX - i.left) / i.width), y: clamp01((clientY - i.top) / i.height) };
      },
    };
  }

  // One element per region, placed from the image's on-screen box. ``bounds`` (the layer's
  // size) moves a box's tag off an edge that would cut it.
  function placeRegion(el, region, g, bounds) {
    const left = g.left + region.x * g.width;
    const top = g.top + region.y * g.height;
    el.style.left = left + "px";
    el.style.top = top + "px";
    if (region.shape !== "box") return;
    el.style.width = Math.max(1, region.w * g.width) + "px";
    el.style.height = Math.max(1, region.h * g.height) + "px";
    const tag = el.querySelector(".region-tag");
    if (!bounds || !tag) return;
    el.classList.toggle("tag-end", left + tag.offsetWidth > bounds.width);
    el.classList.toggle("tag-inside", top - tag.offsetHeight < 0);
  }
  function boundsOf(layer) {
    return { width: layer.el.clientWidth, height: layer.el.clientHeight };
  }

  function regionElement(region, number, name, colour) {
    const el = document.createElement("div");
    el.className = "region region-" + region.shape + (colour === null ? " is-unlabelled" : " region-c" + colour);
    const tag = document.createElement("span");
    tag.className = "region-tag";
    tag.textContent = number + (name ? " " + name : "");
    el.appendChild(tag);
    return el;
  }

  // --- read-only overlays (review and submission pages) --------------------------------------

  function showOverlays(root) {
    (root || document).querySelectorAll("[data-region-overlay]").forEach(function (source) {
      if (source.dataset.drawn) return;
      let data;
      try {
        data = JSON.parse(source.dataset.regionOverlay || "null");
      } catch (err) {
        return;
      }
      if (!data || !Array.isArray(data.regions)) return;
      const stage = document.querySelector('.block--image[data-block-index="' + data.block + '"] [data-image-stage]');
      const img = stage ? stage.querySelector("img") : null;
      if (!img) return;
      source.dataset.drawn = "1";
      const layer = makeLayer(stage, img, "is-readonly");
      layer.el.dataset.question = data.question;
      layer.el.setAttribute("aria-hidden", "true"); // the answer lists the same regions as text
      const elements = data.regions.map(function (region) {
        const el = regionElement(region, region.n, region.label, Number(region.colour) || 0);
        if (region.note) el.title = region.n + ". " + region.label + ": " + region.note;
        layer.el.appendChild(el);
        return { el: el, region: region };
      });
      function render() {
        const g = layer.geometry();
        if (!g) return;
        const bounds = boundsOf(layer);
        elements.forEach((item) => placeRegion(item.el, item.region, g, bounds));
      }
      layer.onMove(render);
      render();
    });
  }

  // --- the question widget -----------------------------------------------------------------

  const widgets = [];

  function widget(section, q, changed, root) {
    const box = section.querySelector("[data-regions]");
    const listEl = section.querySelector("[data-region-list]");
    const rowTemplate = section.querySelector("template[data-region-row]");
    const message = section.querySelector("[data-region-message]");
    const countEl = section.querySelector("[data-list-count]");
    const toolButtons = Array.from(section.querySelectorAll("[data-region-tool]"));
    const shapes = (box.dataset.shapes || "box").split(" ");
    const min = Number(section.dataset.min || 0);
    const max = Number(section.dataset.max || 500);
    const labels = Array.from(section.querySelectorAll("[data-region-label]")).map(function (button, index) {
      const name = button.querySelector("[data-label-name]");
      return { value: button.dataset.regionLabel, key: button.dataset.key, name: name ? name.textContent : button.textContent, colour: index % 8 };
    });
    const stage = (root || document).querySelector('.block--image[data-block-index="' + box.dataset.imageBlock + '"] [data-image-stage]');
    const img = stage ? stage.querySelector("img") : null;

    let regions = [];
    let selected = -1;
    let tool = "box";
    let cross = { x: 0.5, y: 0.5 };
    let anchor = null; // where a box drawn with the keyboard starts
    let drag = null;
    let savedSize = null; // the size a restored answer reported, until the image loads

    function say(text) {
      message.textContent = text;
    }
    function labelOf(value) {
      return labels.find((l) => l.value === value) || null;
    }
    function size() {
      if (img && img.naturalWidth && img.naturalHeight) return { width: img.naturalWidth, height: img.naturalHeight };
      return savedSize;
    }
    // "Box at 120, 40, 200 × 80 px"; in percent until the image's size is known.
    function where(region) {
      const s = size();
      const box = region.shape === "box";
      if (!s) {
        const pct = (v) => (v * 100).toFixed(1) + "%";
        const values = { x: pct(region.x), y: pct(region.y), w: box ? pct(region.w) : "", h: box ? pct(region.h) : "" };
        return interpolate(box ? gettext("Box at %(x)s, %(y)s, %(w)s × %(h)s") : gettext("Point at %(x)s, %(y)s"), values, true);
      }
      const px = (v, side) => whole(v * side);
      const values = { x: px(region.x, s.width), y: px(region.y, s.height), w: box ? px(region.w, s.width) : "", h: box ? px(region.h, s.height) : "" };
      return interpolate(box ? gettext("Box at %(x)s, %(y)s, %(w)s × %(h)s px") : gettext("Point at %(x)s, %(y)s px"), values, true);
    }

    // ---- the layer over the image
    let layer = null;
    const drawn = [];
    let draftEl = null;
    let crossH = null;
    let crossV = null;
    if (stage && img) {
      layer = makeLayer(stage, img, "is-drawing");
      layer.el.tabIndex = 0;
      layer.el.setAttribute("role", "application");
      layer.el.setAttribute(
        "aria-label",
        interpolate(
          shapes.includes("point")
            ? gettext("Drawing area for “%(question)s”: arrow keys aim (Shift: further), Enter starts and ends a box, P sets a point, a number labels the region, Delete removes it, Escape leaves")
            : gettext("Drawing area for “%(question)s”: arrow keys aim (Shift: further), Enter starts and ends a box, a number labels the region, Delete removes it, Escape leaves"),
          { question: q.prompt || q.id },
          true
        )
      );
      layer.el.dataset.question = q.id;
      draftEl = document.createElement("div");
      draftEl.className = "region region-draft";
      draftEl.hidden = true;
      crossH = document.createElement("div");
      crossH.className = "region-cross region-cross-h";
      crossV = document.createElement("div");
      crossV.className = "region-cross region-cross-v";
      layer.el.append(draftEl, crossH, crossV);
      layer.onMove(render);
    } else {
      box.classList.add("is-unavailable");
      toolButtons.forEach((b) => (b.disabled = true));
      section.querySelectorAll("[data-region-label], [data-action='region-draw']").forEach((b) => (b.disabled = true));
      say(gettext("The image is not shown here, so there is nothing to draw on."));
    }

    function render() {
      if (!layer) return;
      const g = layer.geometry();
      const bounds = boundsOf(layer);
      while (drawn.length > regions.length) drawn.pop().remove();
      regions.forEach(function (region, index) {
        const label = labelOf(region.label);
        const key = region.shape + "|" + (label ? label.value : "") + "|" + (index + 1);
        if (!drawn[index] || drawn[index].dataset.key !== key) {
          const el = regionElement(region, index + 1, label ? label.name : "", label ? label.colour : null);
          el.dataset.key = key;
          if (drawn[index]) drawn[index].replaceWith(el);
          else layer.el.insertBefore(el, draftEl);
          drawn[index] = el;
        }
        drawn[index].classList.toggle("is-selected", index === selected);
        if (g) placeRegion(drawn[index], region, g, bounds);
      });
      const from = drag ? drag.start : anchor;
      const to = drag ? drag.now : cross;
      draftEl.hidden = !(from && to && (drag ? tool === "box" : true));
      if (!draftEl.hidden && g) {
        placeRegion(draftEl, { shape: "box", x: Math.min(from.x, to.x), y: Math.min(from.y, to.y), w: Math.abs(to.x - from.x), h: Math.abs(to.y - from.y) }, g);
      }
      if (g) {
        crossH.style.left = g.left + "px";
        crossH.style.width = g.width + "px";
        crossH.style.top = g.top + cross.y * g.height + "px";
        crossV.style.top = g.top + "px";
        crossV.style.height = g.height + "px";
        crossV.style.left = g.left + cross.x * g.width + "px";
      }
    }

    function renderList() {
      listEl.textContent = "";
      regions.forEach(function (region, index) {
        const row = rowTemplate.content.firstElementChild.cloneNode(true);
        const label = labelOf(region.label);
        row.dataset.index = String(index);
        row.classList.toggle("is-selected", index === selected);
        row.classList.add(label ? "region-c" + label.colour : "is-unlabelled");
        row.querySelector("[data-action='select-region']").textContent = index + 1 + ". " + where(region);
        const select = row.querySelector('[data-field="label"]');
        select.value = region.label || "";
        select.setAttribute("aria-label", interpolate(gettext("Label of region %(number)s"), { number: index + 1 }, true));
        const note = row.querySelector('[data-field="note"]');
        note.value = region.note || "";
        note.setAttribute("aria-label", interpolate(gettext("Note on region %(number)s"), { number: index + 1 }, true));
        row.querySelector("[data-action='remove-region']").setAttribute("aria-label", interpolate(gettext("Delete region %(number)s"), { number: index + 1 }, true));
        listEl.appendChild(row);
      });
      let count = interpolate(ngettext("%(count)s region", "%(count)s regions", regions.length), { count: regions.length }, true);
      if (min) count = interpolate(gettext("%(count)s (at least %(min)s)"), { count: count, min: min }, true);
      if (max < 500) count = interpolate(gettext("%(count)s · at most %(max)s"), { count: count, max: max }, true);
      countEl.textContent = count;
      countEl.dataset.state = regions.length < min || regions.length > max ? "under" : "ok";
    }
    function refresh() {
      renderList();
      render();
    }
    function select(index) {
      selected = index;
      listEl.querySelectorAll(".region-row").forEach((row) => row.classList.toggle("is-selected", Number(row.dataset.index) === index));
      render();
    }
    function noteOf(index) {
      const row = listEl.querySelector('.region-row[data-index="' + index + '"]');
      return row ? row.querySelector('[data-field="note"]') : null;
    }
    function backToImage() {
      if (layer) layer.el.focus({ preventScroll: true });
      else section.focus({ preventScroll: true });
    }

    function add(region) {
      if (regions.length >= max) {
        say(interpolate(ngettext("At most %(max)s region here.", "At most %(max)s regions here.", max), { max: max }, true));
        return;
      }
      region.label = labels.length === 1 ? labels[0].value : null;
      region.note = "";
      regions.push(region);
      selected = regions.length - 1;
      refresh();
      changed();
      const n = regions.length;
      if (labels.length === 1) {
        setLabel(n - 1, labels[0].value);
      } else {
        const values = { number: n, keys: labels.map((l) => l.key).filter(Boolean).join(", ") };
        say(
          interpolate(
            region.shape === "box"
              ? gettext("Box %(number)s drawn: press its label’s number (%(keys)s) or click a label.")
              : gettext("Point %(number)s drawn: press its label’s number (%(keys)s) or click a label."),
            values,
            true
          )
        );
      }
    }
    function addBox(a, b) {
      const x = round(Math.min(a.x, b.x));
      const y = round(Math.min(a.y, b.y));
      // Rounded inside the image: x + w never passes its right edge.
      const w = Math.min(round(Math.abs(b.x - a.x)), round(1 - x));
      const h = Math.min(round(Math.abs(b.y - a.y)), round(1 - y));
      if (w <= 0 || h <= 0) {
        say(gettext("That box has no area; move the crosshair before ending it."));
        return;
      }
      add({ shape: "box", x: x, y: y, w: w, h: h });
    }
    function addPoint(at) {
      if (!shapes.includes("point")) {
        say(gettext("This question takes boxes only."));
        return;
      }
      add({ shape: "point", x: round(at.x), y: round(at.y) });
    }
    // Labelling a region moves on to its note: the one thing left to say about it.
    function setLabel(index, value) {
      regions[index].label = value;
      selected = index;
      refresh();
      changed();
      const label = labelOf(value);
      const note = noteOf(index);
      say(
        interpolate(
          gettext("Region %(number)s: %(label)s. Type a note if it helps, then Enter to go back to the image."),
          { number: index + 1, label: label ? label.name : value },
          true
        )
      );
      if (note) note.focus({ preventScroll: false });
    }
    function remove(index) {
      regions.splice(index, 1);
      if (selected >= regions.length) selected = regions.length - 1;
      refresh();
      changed();
      say(interpolate(gettext("Region %(number)s deleted."), { number: index + 1 }, true));
    }
    function hit(point) {
      const g = layer.geometry();
      if (!g) return -1;
      const slack = 6; // screen pixels around a point or a thin box's edge
      let best = -1;
      let bestArea = Infinity;
      regions.forEach(function (r, index) {
        const sx = slack / g.width;
        const sy = slack / g.height;
        const w = r.shape === "box" ? r.w : 0;
        const h = r.shape === "box" ? r.h : 0;
        if (point.x >= r.x - sx && point.x <= r.x + w + sx && point.y >= r.y - sy && point.y <= r.y + h + sy && w * h <= bestArea) {
          best = index;
          bestArea = w * h;
        }
      });
      return best;
    }

    // ---- the crosshair, for drawing with the keyboard
    function ensureVisible() {
      // Zoomed in, the crosshair may leave the visible part of the image: pan the viewer with
      // the arrow keys its stage already understands, until the crosshair is back in view.
      if (!stage.closest(".is-enhanced")) return;
      for (let i = 0; i < 60; i++) {
        const g = layer.geometry();
        if (!g) return;
        const cx = g.left + cross.x * g.width;
        const cy = g.top + cross.y * g.height;
        const margin = 16;
        let key = null;
        if (cx < margin) key = "ArrowLeft";
        else if (cx > stage.clientWidth - margin) key = "ArrowRight";
        else if (cy < margin) key = "ArrowUp";
        else if (cy > stage.clientHeight - margin) key = "ArrowDown";
        if (!key) return;
        stage.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true, cancelable: true }));
        const after = layer.geometry();
        if (after && after.left === g.left && after.top === g.top) return; // at the edge
      }
    }
    function moveCross(dx, dy) {
      const g = layer.geometry();
      if (!g) return;
      cross = { x: clamp01(cross.x + dx / g.width), y: clamp01(cross.y + dy / g.height) };
      ensureVisible();
      render();
    }
    function crossInView() {
      const g = layer.geometry();
      if (!g) return;
      const cx = g.left + cross.x * g.width;
      const cy = g.top + cross.y * g.height;
      if (cx < 0 || cy < 0 || cx > stage.clientWidth || cy > stage.clientHeight) {
        // Aim at the middle of what is shown.
        cross = {
          x: clamp01((stage.clientWidth / 2 - g.left) / g.width),
          y: clamp01((stage.clientHeight / 2 - g.top) / g.height),
        };
      }
    }
    // Nothing can be drawn on an image that did not load (a missing file, a broken link).
    function loaded() {
      if (img.naturalWidth && layer.geometry()) return true;
      say(img.complete ? gettext("The image could not be loaded, so nothing can be drawn on it.") : gettext("The image is still loading…"));
      return false;
    }
    function startDrawing() {
      if (!layer) return;
      stage.scrollIntoView({ block: "nearest" });
      layer.el.focus({ preventScroll: true });
    }

    function setTool(name) {
      tool = name;
      toolButtons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.regionTool === name ? "true" : "false"));
      if (!layer) return;
      layer.el.classList.toggle("is-panning", name === "pan");
      layer.el.classList.toggle("is-drawing", name !== "pan");
    }

    if (layer) {
      const el = layer.el;
      el.addEventListener("focus", function () {
        crossInView();
        el.classList.add("is-aiming");
        render();
        if (!anchor) {
          say(
            shapes.includes("point")
              ? gettext("Arrows aim, Enter starts a box, P sets a point; Escape leaves.")
              : gettext("Arrows aim, Enter starts a box; Escape leaves.")
          );
        }
      });
      el.addEventListener("blur", function () {
        el.classList.remove("is-aiming");
      });
      el.addEventListener("pointerdown", function (event) {
        if (event.button !== 0 || tool === "pan") return;
        event.stopPropagation(); // the viewer would pan the image
        event.preventDefault();
        el.focus({ preventScroll: true });
        if (!loaded()) return;
        const at = layer.toImage(event.clientX, event.clientY);
        drag = { start: at, now: at, sx: event.clientX, sy: event.clientY };
        el.setPointerCapture(event.pointerId);
      });
      el.addEventListener("pointermove", function (event) {
        if (!drag) return;
        drag.now = layer.toImage(event.clientX, event.clientY);
        render();
      });
      el.addEventListener("pointerup", function (event) {
        if (!drag) return;
        const d = drag;
        drag = null;
        const dx = Math.abs(event.clientX - d.sx);
        const dy = Math.abs(event.clientY - d.sy);
        if (dx < MIN_DRAG_PX && dy < MIN_DRAG_PX) {
          const index = hit(d.start);
          if (tool === "point") addPoint(d.start);
          else if (index >= 0) {
            select(index);
            say(interpolate(gettext("Region %(number)s selected: a number changes its label, Delete removes it."), { number: index + 1 }, true));
          } else say(gettext("Drag to draw a box."));
        } else if (tool === "box") {
          if (dx < MIN_DRAG_PX || dy < MIN_DRAG_PX) say(gettext("Too thin for a box: drag across and down."));
          else addBox(d.start, d.now);
        }
        cross = d.now;
        render();
      });
      el.addEventListener("pointercancel", function () {
        drag = null;
        render();
      });
      el.addEventListener("dblclick", (event) => event.stopPropagation()); // no zoom while drawing
      el.addEventListener("keydown", function (event) {
        // Ctrl+Enter still submits (workspace.js); zoom keys (+ − 0) reach the viewer.
        if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
        const key = event.key;
        const step = event.shiftKey ? STEP_PX * 10 : STEP_PX;
        const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
        let handled = true;
        if ((moves[key] || key === "Enter" || key === " " || key === "p" || key === "P") && !loaded()) {
          // nothing to aim at: loaded() said why
        } else if (moves[key]) {
          moveCross(moves[key][0], moves[key][1]);
        } else if (key === "Enter" || key === " ") {
          if (anchor) {
            const from = anchor;
            anchor = null;
            addBox(from, cross);
            render();
          } else {
            anchor = { x: cross.x, y: cross.y };
            render();
            say(gettext("Box started: aim at the opposite corner, then Enter. Escape cancels."));
          }
        } else if (key === "p" || key === "P") {
          anchor = null;
          addPoint(cross);
        } else if (key === "Delete" || key === "Backspace") {
          if (selected >= 0) remove(selected);
          else say(gettext("Nothing selected to delete."));
        } else if (key === "Escape") {
          if (anchor) {
            anchor = null;
            render();
            say(gettext("Box cancelled."));
          } else {
            section.focus({ preventScroll: true });
          }
        } else if (labels.some((l) => l.key && l.key === key)) {
          if (selected < 0) say(gettext("Draw a box first: Enter starts it."));
          else setLabel(selected, labels.find((l) => l.key === key).value);
        } else {
          handled = false;
        }
        if (handled) {
          event.preventDefault();
          event.stopPropagation();
        }
      });
    }

    section.addEventListener("click", function (event) {
      const toolButton = event.target.closest("[data-region-tool]");
      if (toolButton) {
        setTool(toolButton.dataset.regionTool);
        return;
      }
      const labelButton = event.target.closest("[data-region-label]");
      if (labelButton) {
        if (selected < 0) say(gettext("Draw a box first, then choose its label."));
        else setLabel(selected, labelButton.dataset.regionLabel);
        return;
      }
      const action = event.target.closest("[data-action]");
      if (!action) return;
      const row = action.closest(".region-row");
      if (action.dataset.action === "region-draw") startDrawing();
      else if (row && action.dataset.action === "select-region") select(Number(row.dataset.index));
      else if (row && action.dataset.action === "remove-region") {
        const index = Number(row.dataset.index);
        remove(index);
        const rows = listEl.querySelectorAll(".region-row");
        const next = rows[Math.min(index, rows.length - 1)];
        (next ? next.querySelector("[data-action='remove-region']") : section).focus();
      }
    });
    listEl.addEventListener("focusin", function (event) {
      const row = event.target.closest(".region-row");
      if (row && Number(row.dataset.index) !== selected) select(Number(row.dataset.index));
    });
    function edit(event) {
      const row = event.target.closest(".region-row");
      const field = event.target.dataset.field;
      if (!row || !field) return;
      const region = regions[Number(row.dataset.index)];
      if (field === "note") region.note = event.target.value;
      else if (field === "label") {
        region.label = event.target.value || null;
        const label = labelOf(region.label);
        row.classList.remove("is-unlabelled", ...labels.map((l) => "region-c" + l.colour));
        row.classList.add(label ? "region-c" + label.colour : "is-unlabelled");
        render();
      }
    }
    listEl.addEventListener("input", edit);
    listEl.addEventListener("change", edit);
    // Enter or Escape in a note goes back to the image, to draw the next region.
    listEl.addEventListener("keydown", function (event) {
      if (event.target.dataset.field !== "note" || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
      if (event.key !== "Enter" && event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      backToImage();
    });

    refresh();
    // No ``input``: moving to this question (J/K) focuses the question, where Enter still
    // submits; D (or the button) enters the drawing area, where Enter draws.
    const self = {
      drawable: Boolean(layer),
      get: function () {
        if (!regions.length) return undefined;
        const s = size();
        return {
          image: s ? { width: s.width, height: s.height } : null,
          regions: regions.map(function (r) {
            const item = { shape: r.shape, label: r.label || null, x: r.x, y: r.y };
            if (r.shape === "box") {
              item.w = r.w;
              item.h = r.h;
            }
            item.note = r.note || "";
            return item;
          }),
        };
      },
      set: function (value) {
        const image = value && typeof value === "object" ? value.image : null;
        savedSize = image && image.width > 0 && image.height > 0 ? { width: image.width, height: image.height } : null;
        const items = value && Array.isArray(value.regions) ? value.regions : [];
        regions = items
          .filter((r) => r && typeof r === "object" && typeof r.x === "number" && typeof r.y === "number")
          .map(function (r) {
            const shape = r.shape === "point" ? "point" : "box";
            const region = { shape: shape, label: typeof r.label === "string" ? r.label : null, x: r.x, y: r.y, note: typeof r.note === "string" ? r.note : "" };
            if (shape === "box") {
              region.w = Number(r.w) || 0;
              region.h = Number(r.h) || 0;
            }
            return region;
          });
        selected = -1;
        anchor = null;
        refresh();
      },
      // A number key while this question is current (focus outside the image) labels the
      // selected region, or the last one still without a label.
      pick: function (key) {
        const label = labels.find((l) => l.key === key);
        if (!label || !layer) return false;
        let index = selected;
        if (index < 0) {
          for (let i = regions.length - 1; i >= 0; i--) if (!regions[i].label) { index = i; break; }
        }
        if (index < 0) {
          say(gettext("Draw a box first: press D."));
          return true;
        }
        setLabel(index, label.value);
        return true;
      },
      startDrawing: startDrawing,
      section: section,
    };
    widgets.push(self);
    if (img) img.addEventListener("load", refresh);
    return self;
  }

  // D draws on the image: the current question's, or the first boxes question shown. Outside
  // text boxes only, and never behind the guidelines notice (the page is inert then).
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key !== "d" && event.key !== "D") return;
    const target = event.target;
    if (isTypingTarget(target) || (target.closest && target.closest("[data-image-stage], dialog"))) return;
    const shown = widgets.filter((w) => w.drawable && w.section.isConnected && !w.section.hidden && !w.section.closest("[inert], [data-work-blocked]"));
    const chosen = shown.find((w) => w.section.classList.contains("is-current")) || shown[0];
    if (!chosen) return;
    event.preventDefault();
    chosen.startDrawing();
  });

  window.ImageRegions = { widget: widget, showOverlays: showOverlays };

  function start() {
    showOverlays(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
