// The rubric editor: criteria and sections edited inline, reordered and grouped with buttons
// or the keyboard. The <textarea name="content"> stays what the form submits (and what a
// browser without JavaScript edits as JSON); this script keeps it in sync, checks the content
// through the API twin (/api/v1/rubrics/validate/) as you type, shows every error next to the
// field its path names, and refreshes the preview rendered by the server as reviewers see it.
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;
  // Sentences one after another: a space after English ones, none after a Chinese full stop.
  const sentences = (parts) => parts.reduce((text, part) => (text ? text + (/[。！？」]$/.test(text) ? "" : " ") + part : part), "");

  const form = document.getElementById("rubric-form");
  if (!form) return;
  const textarea = document.getElementById("id_content");
  const root = document.getElementById("criteria-editor");
  const status = document.getElementById("live-status");
  const summary = document.getElementById("live-errors");
  const preview = document.getElementById("preview");
  const publishButton = document.getElementById("publish-button");
  const publishHint = document.getElementById("publish-hint");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const metaInputs = ["id_title", "id_tags", "id_description"]
    .map(function (id) { return document.getElementById(id); })
    .filter(Boolean);

  let content;
  try {
    content = JSON.parse(textarea.value);
  } catch (error) {
    return; // not JSON (a refused save): the plain JSON editor stays, with the server's errors
  }
  if (!content || typeof content !== "object" || !Array.isArray(content.criteria)) return;

  const POLARITIES = [["positive", gettext("Positive")], ["pitfall", gettext("Pitfall")]];
  const IMPORTANCES = [["essential", gettext("Essential")], ["important", gettext("Important")], ["optional", gettext("Optional")]];
  const SCALES = [["binary", gettext("Met / not met")], ["ordinal", gettext("Ordinal levels")]];
  const NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/;
  const INTEGER = /^\s*-?\d+\s*$/;

  // Ids of deleted criteria and sections are never given to a new one (judgments are keyed
  // by id): those the server knows from the rubric's history, and those removed here.
  const retiredScript = document.getElementById("retired-ids");
  const retired = new Set(retiredScript ? JSON.parse(retiredScript.textContent) : []);
  const collapsed = new WeakSet(); // node objects whose fields are folded away

  const elements = new Map(); // node object -> its <li>
  const uids = new WeakMap(); // node object -> a stable number for element ids
  let nextUid = 1;
  let timer = null;
  let generation = 0;
  const saved = snapshot();

  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  root.after(announcer);

  // --- helpers ---------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }

  function uid(node) {
    if (!uids.has(node)) uids.set(node, nextUid++);
    return uids.get(node);
  }

  function say(message) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 30);
  }

  function snapshot() {
    return JSON.stringify([content, metaInputs.map(function (input) { return input.value; })]);
  }

  function allIds() {
    const ids = new Set(retired);
    (function walk(nodes) {
      nodes.forEach(function (node) {
        ids.add(node.id);
        if (node.kind === "section") walk(node.children || []);
      });
    })(content.criteria);
    return ids;
  }

  // One more than the highest number any node of this rubric ever had (the server's
  // next_free_id does the same): after c19 is deleted the next new criterion is c20.
  function freshId(prefix) {
    let highest = 0;
    allIds().forEach(function (id) {
      const rest = typeof id === "string" && id.startsWith(prefix) ? id.slice(prefix.length) : "";
      if (/^\d+$/.test(rest)) highest = Math.max(highest, Number(rest));
    });
    return prefix + (highest + 1);
  }

  function retire(node) {
    if (node.id) retired.add(node.id);
    if (node.kind === "section") (node.children || []).forEach(retire);
  }

  function openAncestors(target) {
    let details = target && target.closest("details.node-body");
    while (details) {
      details.open = true;
      details = details.parentElement && details.parentElement.closest("details.node-body");
    }
  }

  // Where a node sits: the array holding it, its index, and its parent section (or null).
  function locate(target) {
    function walk(nodes, parent) {
      for (let i = 0; i < nodes.length; i += 1) {
        if (nodes[i] === target) return { array: nodes, index: i, parent: parent };
        if (nodes[i].kind === "section") {
          const found = walk(nodes[i].children || [], nodes[i]);
          if (found) return found;
        }
      }
      return null;
    }
    return walk(content.criteria, null);
  }

  function number(text, pattern) {
    if (text.trim() === "") return undefined;
    return pattern.test(text) ? Number(text) : text; // not a number: the server says so
  }

  function shown(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  // --- building the editor ---------------------------------------------------------------

  function field(node, path, key, label, options) {
    const id = "n" + uid(node) + "-" + key;
    const opts = options || {};
    let input;
    if (opts.choices) {
      input = el("select", { id: id });
      opts.choices.forEach(function ([value, text]) {
        const option = el("option", { value: value, text: text });
        if (opts.value === value) option.selected = true;
        input.append(option);
      });
    } else if (opts.multiline) {
      input = el("textarea", { id: id, rows: "2" });
      input.value = shown(opts.value);
    } else if (opts.checkbox) {
      input = el("input", { id: id, type: "checkbox" });
      input.checked = Boolean(opts.value);
    } else {
      input = el("input", { id: id, type: "text", inputmode: opts.inputmode, size: opts.size });
      input.value = shown(opts.value);
    }
    input.dataset.path = path + "." + key;
    input.dataset.field = key;
    const error = el("p", { id: id + "-error", className: "field-error" });
    input.dataset.errorSlot = error.id;
    if (opts.help) {
      const help = el("p", { id: id + "-help", className: "help", text: opts.help });
      input.setAttribute("aria-describedby", help.id);
      opts.helpNode = help;
    }
    input.addEventListener(opts.choices || opts.checkbox ? "change" : "input", function () {
      opts.onChange(opts.checkbox ? input.checked : input.value);
    });
    const labelNode = el("label", { for: id, text: label });
    const wrap = opts.checkbox
      ? el("div", { className: "field checkbox" }, [el("label", {}, [input, " " + label]), error])
      : el("div", { className: "field" + (opts.wide ? " wide" : "") }, [labelNode, input, opts.helpNode, error]);
    return wrap;
  }

  function setOrDelete(node, key, value) {
    if (value === undefined) delete node[key];
    else node[key] = value;
    changed();
  }

  function button(text, label, action, onClick, extra) {
    const b = el("button", Object.assign({ type: "button", className: "small", "aria-label": label }, extra || {}));
    b.textContent = text;
    b.dataset.action = action;
    b.addEventListener("click", onClick);
    return b;
  }

  function criterionFields(node, path) {
    const scale = node.scale || { type: "binary" };
    const grid = el("div", { className: "node-grid" }, [
      field(node, path, "title", gettext("Criterion"), {
        value: node.title,
        onChange: function (v) { node.title = v; changed(); },
      }),
      field(node, path, "points", gettext("Points"), {
        value: node.points,
        inputmode: "decimal",
        size: "6",
        onChange: function (v) { setOrDelete(node, "points", number(v, NUMBER)); },
      }),
      field(node, path, "polarity", gettext("Polarity"), {
        value: node.polarity,
        choices: POLARITIES,
        onChange: function (v) { node.polarity = v; changed(); },
      }),
      field(node, path, "importance", gettext("Importance"), {
        value: node.importance || "important",
        choices: IMPORTANCES,
        onChange: function (v) { node.importance = v; changed(); },
      }),
      field(node, path, "description", gettext("Guidance for reviewers (Markdown)"), {
        value: node.description,
        multiline: true,
        wide: true,
        onChange: function (v) { node.description = v; changed(); },
      }),
      field(node, path, "tags", gettext("Tags"), {
        value: (node.tags || []).join(", "),
        help: gettext("Separated by commas, e.g. axis:accuracy."),
        onChange: function (v) {
          node.tags = v.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
          changed();
        },
      }),
      field(node, path, "id", gettext("Id"), {
        value: node.id,
        size: "10",
        onChange: function (v) { node.id = v; changed(); },
      }),
      field(node, path, "scale.type", gettext("Scale"), {
        value: scale.type,
        choices: SCALES,
        onChange: function (v) {
          node.scale = v === "ordinal"
            ? { type: "ordinal", levels: [1, 2, 3].map(function (n) { return { value: n, descriptor: "" }; }) }
            : { type: "binary" };
          render({ node: node, field: "scale.type" });
          say(v === "ordinal" ? gettext("Ordinal scale with three levels: describe each.") : gettext("Met or not met."));
        },
      }),
      field(node, path, "evidence_required", gettext("Evidence required when met"), {
        value: node.evidence_required,
        checkbox: true,
        onChange: function (v) { node.evidence_required = v; changed(); },
      }),
    ]);
    if (scale.type === "ordinal") grid.append(levelsEditor(node, path + ".scale.levels"));
    return grid;
  }

  function levelsEditor(node, path) {
    const levels = node.scale.levels || (node.scale.levels = []);
    const error = el("p", { id: "n" + uid(node) + "-levels-error", className: "field-error" });
    const list = el("ol", { className: "levels-editor", "data-path": path, "data-error-slot": error.id });
    levels.forEach(function (level, i) {
      const here = path + "[" + i + "]";
      const valueId = "n" + uid(node) + "-level" + i + "-value";
      const textId = "n" + uid(node) + "-level" + i + "-descriptor";
      const value = el("input", { id: valueId, type: "text", inputmode: "numeric", size: "3" });
      value.value = shown(level.value);
      value.dataset.path = here + ".value";
      value.dataset.field = "level" + i + "-value";
      value.dataset.errorSlot = valueId + "-error";
      value.addEventListener("input", function () {
        const parsed = number(value.value, INTEGER);
        if (parsed === undefined) delete level.value;
        else level.value = parsed;
        changed();
      });
      const text = el("input", { id: textId, type: "text" });
      text.value = shown(level.descriptor);
      text.dataset.path = here + ".descriptor";
      text.dataset.field = "level" + i + "-descriptor";
      text.dataset.errorSlot = textId + "-error";
      text.addEventListener("input", function () { level.descriptor = text.value; changed(); });
      const remove = button(gettext("Remove"), interpolate(gettext("Remove level %(number)s"), { number: i + 1 }, true), "level" + i + "-remove", function () {
        levels.splice(i, 1);
        render({ node: node, field: levels.length ? "level" + Math.max(0, i - 1) + "-descriptor" : "add-level" });
        say(gettext("Level removed."));
      });
      list.append(el("li", {}, [
        el("div", { className: "field" }, [el("label", { for: valueId, text: interpolate(gettext("Level %(number)s value"), { number: i + 1 }, true) }), value,
          el("p", { id: valueId + "-error", className: "field-error" })]),
        el("div", { className: "field" }, [el("label", { for: textId, text: interpolate(gettext("Level %(number)s descriptor"), { number: i + 1 }, true) }), text,
          el("p", { id: textId + "-error", className: "field-error" })]),
        remove,
      ]));
    });
    const add = button(gettext("Add level"), gettext("Add a level"), "add-level", function () {
      const last = levels.length ? Number(levels[levels.length - 1].value) : 0;
      levels.push({ value: Number.isFinite(last) ? last + 1 : levels.length + 1, descriptor: "" });
      render({ node: node, field: "level" + (levels.length - 1) + "-descriptor" });
    });
    return el("div", { className: "wide" }, [el("p", { className: "help", text: gettext("Levels, lowest first:") }), list, error, add]);
  }

  function sectionFields(node, path) {
    return el("div", { className: "node-grid" }, [
      field(node, path, "title", gettext("Section"), {
        value: node.title,
        onChange: function (v) { node.title = v; changed(); },
      }),
      field(node, path, "weight", gettext("Weight"), {
        value: node.weight === undefined ? 1 : node.weight,
        inputmode: "decimal",
        size: "6",
        onChange: function (v) { setOrDelete(node, "weight", number(v, NUMBER)); },
      }),
      field(node, path, "id", gettext("Id"), {
        value: node.id,
        size: "10",
        onChange: function (v) { node.id = v; changed(); },
      }),
      el("div"),
      field(node, path, "description", gettext("Description (Markdown)"), {
        value: node.description,
        multiline: true,
        wide: true,
        onChange: function (v) { node.description = v; changed(); },
      }),
    ]);
  }

  function buildNode(node, path, siblings, index, parent, label) {
    const isSection = node.kind === "section";
    const name = interpolate(isSection ? gettext("Section %(number)s") : gettext("Criterion %(number)s"), { number: label }, true);
    const named = (format) => interpolate(format, { name: name }, true);
    const error = el("p", { id: "n" + uid(node) + "-node-error", className: "field-error" });
    const li = el("li", {
      className: "node-editor" + (isSection ? " section-editor" : ""),
      role: "group",
      "aria-label": name,
      "data-path": path,
      "data-error-slot": error.id,
      "data-testid": isSection ? "section-editor" : "criterion-editor",
    });
    elements.set(node, li);
    const heading = el("summary", { className: "node-label", "data-testid": "node-summary" }, [
      el("strong", { text: name }),
      el("span", { className: "node-summary-title muted", text: summaryText(node) }),
    ]);
    const tools = el("div", { className: "node-tools" });
    const title = function () { return node.title ? interpolate(gettext("“%(title)s”"), { title: node.title }, true) : name; };
    if (index > 0) tools.append(button(gettext("Move up"), named(gettext("Move %(name)s up")), "up", function () { move(node, -1); }));
    if (index < siblings.length - 1) tools.append(button(gettext("Move down"), named(gettext("Move %(name)s down")), "down", function () { move(node, 1); }));
    const previous = siblings[index - 1];
    if (previous && previous.kind === "section") {
      tools.append(button(gettext("Into section above"), named(gettext("Move %(name)s into the section above")), "indent", function () { indent(node); }));
    }
    if (parent) tools.append(button(gettext("Out of section"), named(gettext("Move %(name)s out of its section")), "outdent", function () { outdent(node); }));
    tools.append(button(gettext("Remove"), named(gettext("Remove %(name)s")), "remove", function () {
      const where = locate(node);
      where.array.splice(where.index, 1);
      retire(node);
      const next = where.array[where.index] || where.array[where.index - 1] || where.parent;
      render(next ? { node: next, field: "title" } : { add: true });
      say(interpolate(gettext("Removed %(name)s."), { name: title() }, true));
    }));
    const body = el("details", { className: "node-body" }, [heading]);
    body.open = !collapsed.has(node);
    body.addEventListener("toggle", function () {
      if (body.open) collapsed.delete(node);
      else collapsed.add(node);
    });
    li.append(body);
    body.append(isSection ? sectionFields(node, path) : criterionFields(node, path), error, tools);
    if (isSection) {
      node.children = node.children || [];
      body.append(buildList(node.children, path + ".children", node, label + "."));
      body.append(el("div", { className: "editor-actions" }, [
        button(gettext("Add criterion to this section"), named(gettext("Add a criterion to %(name)s")), "add-child", function () {
          addCriterion(node.children);
        }),
      ]));
    }
    li.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || !event.altKey || event.ctrlKey || event.metaKey) return;
      const actions = { ArrowUp: function () { move(node, -1); }, ArrowDown: function () { move(node, 1); },
        ArrowRight: function () { indent(node); }, ArrowLeft: function () { outdent(node); } };
      if (!actions[event.key]) return;
      event.preventDefault();
      actions[event.key]();
    });
    return li;
  }

  function buildList(nodes, path, parent, prefix) {
    const ol = el("ol", {});
    nodes.forEach(function (node, i) {
      ol.append(buildNode(node, path + "[" + i + "]", nodes, i, parent, (prefix || "") + (i + 1)));
    });
    return ol;
  }

  function render(focus) {
    const active = document.activeElement;
    elements.clear();
    const tools = el("div", { className: "editor-actions" }, [
      button(gettext("Add criterion"), gettext("Add a criterion"), "add", function () { addCriterion(content.criteria); }),
      button(gettext("Add section"), gettext("Add a section"), "add-section", addSection),
    ]);
    // Above the list, so a long rubric folds without scrolling to its end.
    const folding = el("div", { className: "editor-actions" }, [
      button(gettext("Collapse all"), gettext("Collapse every criterion and section"), "collapse-all", function () { foldAll(true); }),
      button(gettext("Expand all"), gettext("Expand every criterion and section"), "expand-all", function () { foldAll(false); }),
    ]);
    const error = el("p", { id: "criteria-error", className: "field-error" });
    root.setAttribute("data-path", "criteria");
    root.setAttribute("data-error-slot", error.id);
    root.replaceChildren(folding, buildList(content.criteria, "criteria", null, ""), error, tools);
    if (focus) restoreFocus(focus, active);
    changed();
  }

  function foldAll(fold) {
    elements.forEach(function (li, node) {
      if (fold) collapsed.add(node);
      else collapsed.delete(node);
      const body = li.querySelector(":scope > details.node-body");
      if (body) body.open = !fold;
    });
    say(fold ? gettext("All criteria collapsed.") : gettext("All criteria expanded."));
  }

  function restoreFocus(focus, previous) {
    let target = null;
    if (focus.add) target = root.querySelector("[data-action=add]");
    const li = focus.node && elements.get(focus.node);
    if (li) {
      const own = function (selector) {
        return Array.from(li.querySelectorAll(selector)).find(function (candidate) {
          return candidate.closest("li.node-editor") === li;
        });
      };
      const key = focus.field || (previous && (previous.dataset.field || previous.dataset.action)) || "title";
      target = own('[data-field="' + key + '"]') || own('[data-action="' + key + '"]') || own("[data-field=title]");
    }
    if (target) {
      openAncestors(target);
      target.focus();
    }
  }

  // --- structure changes -----------------------------------------------------------------

  function move(node, delta) {
    const where = locate(node);
    const to = where.index + delta;
    if (to < 0 || to >= where.array.length) {
      say(delta < 0 ? gettext("Already first.") : gettext("Already last."));
      return;
    }
    where.array.splice(where.index, 1);
    where.array.splice(to, 0, node);
    render({ node: node });
    say(interpolate(delta < 0 ? gettext("Moved up to position %(position)s.") : gettext("Moved down to position %(position)s."), { position: to + 1 }, true));
  }

  function indent(node) {
    const where = locate(node);
    const previous = where.array[where.index - 1];
    if (!previous || previous.kind !== "section") {
      say(gettext("There is no section just above to move into."));
      return;
    }
    where.array.splice(where.index, 1);
    previous.children = previous.children || [];
    previous.children.push(node);
    render({ node: node });
    say(interpolate(gettext("Moved into section “%(name)s”."), { name: previous.title || previous.id }, true));
  }

  function outdent(node) {
    const where = locate(node);
    if (!where.parent) {
      say(gettext("Already at the top level."));
      return;
    }
    where.array.splice(where.index, 1);
    const outer = locate(where.parent);
    outer.array.splice(outer.index + 1, 0, node);
    render({ node: node });
    say(interpolate(gettext("Moved out of section “%(name)s”."), { name: where.parent.title || where.parent.id }, true));
  }

  function addCriterion(array) {
    const node = {
      kind: "criterion",
      id: freshId("c"),
      title: "",
      description: "",
      points: 1,
      polarity: "positive",
      importance: "important",
      scale: { type: "binary" },
      tags: [],
      evidence_required: false,
    };
    array.push(node);
    render({ node: node, field: "title" });
    say(gettext("Criterion added; type its statement."));
  }

  function addSection() {
    const node = { kind: "section", id: freshId("s"), title: "", description: "", weight: 1, children: [] };
    content.criteria.push(node);
    render({ node: node, field: "title" });
    say(gettext("Section added. Add criteria to it, or move criteria into it with Alt and the right arrow."));
  }

  // --- sync, checking and preview --------------------------------------------------------

  function summaryText(node) {
    return (node.title ? " " + node.title : "") + " · " + node.id;
  }

  function changed() {
    textarea.value = JSON.stringify(content, null, 2);
    // A folded criterion still shows its statement and id as they are typed.
    elements.forEach(function (li, node) {
      const span = li.querySelector(":scope > details > summary > .node-summary-title");
      if (span) span.textContent = summaryText(node);
    });
    const dirty = snapshot() !== saved;
    if (publishButton) {
      publishButton.disabled = dirty;
      publishHint.hidden = !dirty;
    }
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }

  function parentPath(path) {
    const trimmed = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
    return trimmed === path ? "" : trimmed;
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (slot) { slot.textContent = ""; });
    form.querySelectorAll("[aria-invalid=true]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== input.dataset.errorSlot;
      });
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
      else input.removeAttribute("aria-describedby");
    });
    summary.replaceChildren();
  }

  function showErrors(errors) {
    clearErrors();
    Object.entries(errors).forEach(function ([fullPath, messages]) {
      // The deepest element the path names: "criteria[2].scale.levels[1].descriptor", else
      // its level list, else the criterion, else the whole list.
      let path = fullPath.replace(/^content\.?/, "");
      let target = null;
      while (path && !(target = root.querySelector('[data-path="' + CSS.escape(path) + '"]'))) {
        path = parentPath(path);
      }
      const slot = target && document.getElementById(target.dataset.errorSlot);
      if (slot && target !== root) openAncestors(target); // an error is never folded away
      if (slot) {
        slot.textContent = (slot.textContent ? slot.textContent + " " : "") + messages.join(" ");
        if (target.matches("input, select, textarea")) {
          target.setAttribute("aria-invalid", "true");
          const ids = (target.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (!ids.includes(slot.id)) ids.push(slot.id);
          target.setAttribute("aria-describedby", ids.join(" "));
        }
      }
      messages.forEach(function (message) {
        const item = el("li", {}, [el("code", { text: fullPath || gettext("(rubric)") }), " " + message]);
        summary.append(item);
      });
    });
  }

  async function check() {
    const mine = ++generation;
    status.textContent = gettext("Checking…");
    try {
      const response = await fetch(form.dataset.validateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ content: content }),
      });
      const body = await response.json();
      if (mine !== generation) return;
      const errors = response.ok ? body.errors : body.fields || { "": [body.detail] };
      showErrors(errors);
      const count = Object.values(errors).flat().length;
      const dirty = snapshot() !== saved;
      const found = count
        ? interpolate(ngettext("%(count)s problem to fix.", "%(count)s problems to fix.", count), { count: count }, true)
        : gettext("No problems.");
      status.textContent = dirty ? sentences([found, gettext("Unsaved changes.")]) : found;
      const data = new FormData();
      data.append("content", textarea.value);
      const html = await fetch(form.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
        body: data,
      });
      const fragment = await html.text();
      if (mine !== generation) return;
      // Rendered by our server from escaped text and sanitised Markdown.
      preview.innerHTML = fragment;
    } catch (error) {
      status.textContent = interpolate(gettext("Could not check right now (%(error)s); saving still checks."), { error: error.message }, true);
    }
  }

  metaInputs.forEach(function (input) { input.addEventListener("input", changed); });
  form.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function () {
    textarea.value = JSON.stringify(content, null, 2);
  });

  document.getElementById("content-field").hidden = true;
  root.hidden = false;
  render(null);
})();
