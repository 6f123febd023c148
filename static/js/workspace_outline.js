// The long-task layout: a written answer beside twenty or more sources and rubric criteria.
// Loaded only when tasks.presentation.workspace_layout says "long" (docs/templates.md).
//
// workspace.js builds the widgets and restores the draft first; this script then
//   - arranges the page into panes that scroll on their own (static/css/workspace_long.css):
//     the task and the answer, the outline with the submit bar, and the rows;
//   - keeps the outline (templates/tasks/_outline.html) live: a count per question, one entry
//     per row, a marker on every row with a problem, and jumps to a row by click or keys;
//   - folds a finished row to a one-line summary; clicking it (or Enter) opens it again.
// It works from the DOM alone, so it never changes what the answer is: the rows' fields stay
// where workspace.js reads them, folded rows are only hidden. The server stays the judge of
// a valid answer; the checks here are the obvious ones (a field left empty, points out of
// range, a citation to a source that is not listed), and the server's own messages about a
// row ("item 3: ...") are pinned to that row until it is edited.
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const ROW_TYPES = ["citations", "rubric_items"];
  const MARKS = { done: "✓", problem: "!", editing: "…", empty: "○" };
  // A row named in words, with its state: "Source 3: Smith 2020 (finished)".
  function rowName(type, values, open) {
    const format =
      type === "citations"
        ? open
          ? gettext("Source %(number)s: %(text)s (%(state)s). Open to edit.")
          : gettext("Source %(number)s: %(text)s (%(state)s)")
        : open
          ? gettext("Criterion %(number)s: %(text)s (%(state)s). Open to edit.")
          : gettext("Criterion %(number)s: %(text)s (%(state)s)");
    return interpolate(format, values, true);
  }
  function stateWord(state) {
    if (state === "done") return gettext("finished");
    if (state === "problem") return gettext("has a problem");
    if (state === "editing") return gettext("not finished");
    return gettext("empty");
  }
  // Sentences one after another: a space after English ones, none after a Chinese full stop.
  function sentences(parts) {
    return parts.reduce((text, part) => (text ? text + (/[。！？」]$/.test(text) ? "" : " ") + part : part), "");
  }

  function clip(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }
  function oneLine(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }
  function minus(n) {
    return String(n).replace("-", "−"); // as the field hints write it
  }
  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }
  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // The field's name as its label shows it ("Why you cite it"), without the hint in brackets.
  function fieldName(input) {
    const label = input.closest("label");
    const first = label && label.firstChild;
    return first && first.nodeType === Node.TEXT_NODE ? first.textContent.trim() : input.dataset.field;
  }

  function start() {
    const grid = document.querySelector('.ws-grid[data-layout="long"]');
    const form = document.getElementById("answer-form");
    const outline = document.querySelector("[data-outline]");
    const container = form && form.querySelector("[data-questions]");
    if (!grid || !form || !outline || !container) return;

    // ---- panes -------------------------------------------------------------------------
    const sections = Array.from(container.querySelectorAll(".question[data-qid]"));
    const rowSections = sections.filter((s) => ROW_TYPES.includes(s.dataset.type));
    const answerPane = el("div", "long-pane long-answer");
    answerPane.dataset.pane = "answer";
    answerPane.dataset.testid = "pane-answer";
    const answerQuestions = el("div", "long-answer-questions");
    const rowsPane = el("div", "long-pane long-rows");
    rowsPane.dataset.pane = "rows";
    rowsPane.dataset.testid = "pane-rows";
    const task = grid.querySelector(".task-content");
    if (task) answerPane.appendChild(task);
    answerPane.appendChild(answerQuestions);
    sections.forEach((s) => (rowSections.includes(s) ? rowsPane : answerQuestions).appendChild(s));
    container.append(answerPane, rowsPane);
    grid.classList.add("is-arranged");

    // Each row's field hints ("Points (−100 to 100, …)") are said once, under the count at
    // the head of the list (the CSS keeps them on the rows for screen readers only).
    rowSections.forEach(function (section) {
      const template = section.querySelector("template[data-row-template]");
      const count = section.querySelector("[data-list-count]");
      if (!template || !count) return;
      const rules = [];
      template.content.querySelectorAll("label").forEach(function (label) {
        const hint = label.querySelector(".muted");
        const name = label.firstChild;
        if (!hint || !name || name.nodeType !== Node.TEXT_NODE) return;
        const rule = hint.textContent.trim().replace(/^[(（](.*)[)）]$/, "$1");
        rules.push(interpolate(gettext("%(field)s: %(rule)s"), { field: name.textContent.trim(), rule: rule }, true));
      });
      // Translators: the rules of a row's fields, joined by " · ", ending a sentence.
      if (rules.length) count.after(el("p", "rows-rules", interpolate(gettext("%(rules)s."), { rules: rules.join(" · ") }, true)));
    });

    // The panes fill the window below the page head, so the submit button and the answer
    // are always on screen; the CSS falls back to a guess if this never runs.
    function fit() {
      const top = form.getBoundingClientRect().top + window.scrollY;
      grid.style.setProperty("--long-top", Math.round(top) + "px");
    }
    fit();
    window.addEventListener("resize", fit);
    // A notice shown above the panes later (a restored draft, a lost session) moves them
    // down: the page grows, and the panes are fitted again (then it stops growing).
    if (window.ResizeObserver) new ResizeObserver(fit).observe(document.querySelector(".ws-page") || grid);

    // ---- rows: summary line, problems, folding -----------------------------------------
    let rowSeq = 0;
    const serverProblems = new WeakMap(); // row -> messages the server gave for it
    const sectionProblems = new Map(); // question id -> messages not about one row

    function rowsOf(section) {
      return Array.from(section.querySelector("[data-rows]").children);
    }
    function fieldsOf(row) {
      return Array.from(row.querySelectorAll("[data-field]"));
    }
    function valueOf(input) {
      return input.value.trim();
    }
    // As workspace.js decides it: a blank row is left out of the answer (and of the item
    // numbers the server's messages use).
    function isBlank(row) {
      return fieldsOf(row).every((input) => valueOf(input) === "");
    }

    function decorate(row, section) {
      if (row.dataset.outlined) return;
      row.dataset.outlined = "1";
      const fieldset = row.querySelector("fieldset");
      rowSeq += 1;
      fieldset.id = fieldset.id || section.dataset.qid + "-row-" + rowSeq;
      const summary = el("button", "row-summary");
      summary.type = "button";
      summary.dataset.rowSummary = "";
      summary.setAttribute("aria-expanded", "false");
      summary.setAttribute("aria-controls", fieldset.id);
      summary.append(
        el("span", "row-summary-num"),
        el("span", "row-summary-mark"),
        el("span", "row-summary-text"),
        el("span", "row-summary-detail")
      );
      summary.hidden = true;
      row.insertBefore(summary, fieldset);
      const problems = el("p", "row-problems");
      problems.dataset.rowProblems = "";
      problems.hidden = true;
      fieldset.appendChild(problems);
    }

    // What the trainer still has to fix in a row, in words.
    function checkRow(row, section, context) {
      const messages = [];
      const missing = [];
      let first = null; // the field to put the cursor in when the trainer jumps here
      fieldsOf(row).forEach(function (input) {
        const badInput = Boolean(input.validity && input.validity.badInput);
        const before = messages.length;
        if (valueOf(input) === "" && !badInput) {
          // A citation typed freely (no list of sources to pick from) is optional.
          const optional = input.tagName !== "SELECT" && input.dataset.field === "citation";
          if (!optional) {
            missing.push(fieldName(input).toLowerCase());
            first = first || input;
          }
          return;
        }
        if (input.dataset.field === "points") {
          const points = Number(valueOf(input));
          const low = Number(input.min || -100);
          const high = Number(input.max || 100);
          if (badInput || !Number.isFinite(points) || points === 0 || points < low || points > high) {
            messages.push(interpolate(gettext("Points must be a non-zero number from %(low)s to %(high)s."), { low: minus(low), high: minus(high) }, true));
          }
        }
        if (input.tagName === "SELECT" && input.dataset.field === "citation" && context.sources) {
          if (!context.sources.has(valueOf(input))) messages.push(gettext("It cites a source that is not in your list."));
        }
        if (input.dataset.field === "identifier") {
          const key = valueOf(input).toLowerCase();
          const earlier = context.identifiers.get(key);
          if (earlier && earlier !== row) messages.push(interpolate(gettext("The same identifier as source %(number)s."), { number: earlier.dataset.number }, true));
          else context.identifiers.set(key, row);
        }
        if (messages.length > before) first = first || input;
      });
      (serverProblems.get(row) || []).forEach((m) => messages.includes(m) || messages.push(m));
      return { missing: missing, messages: messages, first: first };
    }

    function summaryOf(row, section) {
      const get = (name) => {
        const input = row.querySelector('[data-field="' + name + '"]');
        return input ? oneLine(input.value) : "";
      };
      if (section.dataset.type === "citations") {
        return { text: get("title") || get("identifier") || gettext("(no title yet)"), detail: get("title") ? get("identifier") : "" };
      }
      const points = get("points");
      const select = row.querySelector('select[data-field="citation"]');
      const cited = select && select.selectedIndex > 0 ? oneLine(select.options[select.selectedIndex].textContent) : get("citation");
      return {
        text: (points ? (Number(points) > 0 ? "+" + points : points.replace("-", "−")) + "  " : "") + (get("criterion") || gettext("(no criterion yet)")),
        detail: cited,
      };
    }

    function stateOf(row, check) {
      if (isBlank(row)) return "empty";
      if (check.messages.length) return "problem";
      if (check.missing.length) return row.contains(document.activeElement) ? "editing" : "problem";
      return "done";
    }

    // ---- folding ---------------------------------------------------------------------
    function setFolded(row, folded) {
      const summary = row.querySelector("[data-row-summary]");
      if (!summary || row.classList.contains("is-folded") === folded) return;
      row.classList.toggle("is-folded", folded);
      summary.hidden = !folded;
    }
    // Open a row and put the cursor where there is something to do: the first field with a
    // problem, else the first field.
    function unfold(row) {
      setFolded(row, false);
      const target = firstProblem.get(row) || fieldsOf(row)[0];
      if (target) target.focus({ preventScroll: true });
    }
    const firstProblem = new WeakMap(); // row -> the field renderRows found wanting

    // A row folds when the trainer leaves it finished. While a pointer is down the fold
    // waits: folding under the pointer would move what it is about to click.
    let pointerDown = false;
    const foldQueue = new Set();
    function queueFold(row) {
      foldQueue.add(row);
      if (!pointerDown) setTimeout(runFolds, 0);
    }
    function runFolds() {
      render(); // the states as they are now, not as the last frame saw them
      foldQueue.forEach(function (row) {
        foldQueue.delete(row);
        if (!row.isConnected || row.contains(document.activeElement)) return;
        if (row.dataset.state === "done") setFolded(row, true);
      });
    }
    document.addEventListener("pointerdown", () => (pointerDown = true), true);
    ["pointerup", "pointercancel"].forEach((type) =>
      document.addEventListener(type, function () {
        pointerDown = false;
        if (foldQueue.size) setTimeout(runFolds, 0);
      }, true)
    );

    rowsPane.addEventListener("focusout", function (event) {
      const row = event.target.closest(".row");
      if (row && !row.contains(event.relatedTarget)) queueFold(row);
    });
    rowsPane.addEventListener("click", function (event) {
      const summary = event.target.closest("[data-row-summary]");
      if (summary) unfold(summary.closest(".row"));
    });

    // ---- the server's messages, pinned to rows ------------------------------------------
    // A failed submit lists "item n: ..." under the question; n counts the rows sent, so
    // blank rows are skipped. workspace.js clears the list on the next change anywhere in
    // the question; a row keeps its messages until it is itself edited.
    function readServerErrors(section) {
      const list = section.querySelector("[data-errors]");
      const items = Array.from(list.children).map((li) => li.textContent);
      if (!items.length) {
        sectionProblems.delete(section.dataset.qid);
        return;
      }
      const sent = rowsOf(section).filter((row) => !isBlank(row));
      sent.forEach((row) => serverProblems.delete(row));
      const general = [];
      items.forEach(function (text) {
        // "item 3: ..." (and the same in Chinese, once the server's messages are translated).
        const match = /^(?:item |第\s*)(\d+)(?:\s*[项項])?\s*[:：]\s*(.*)$/s.exec(text);
        const row = match ? sent[Number(match[1]) - 1] : null;
        if (!row) {
          general.push(text);
          return;
        }
        const message = match[2].charAt(0).toUpperCase() + match[2].slice(1);
        serverProblems.set(row, (serverProblems.get(row) || []).concat([message]));
        setFolded(row, false);
      });
      sectionProblems.set(section.dataset.qid, general);
    }
    rowsPane.addEventListener("input", function (event) {
      const row = event.target.closest(".row");
      if (row) serverProblems.delete(row);
    });

    // ---- the outline -------------------------------------------------------------------
    const entries = new WeakMap(); // row -> its outline entry
    const summaryLine = outline.querySelector("[data-outline-summary]");
    const nextButton = outline.querySelector("[data-outline-next]");
    let currentRow = null;

    function entryFor(row) {
      let item = entries.get(row);
      if (!item) {
        item = el("li", "outline-row-item");
        const button = el("button", "outline-row");
        button.type = "button";
        button.dataset.outlineRow = "";
        button.append(el("span", "outline-row-num"), el("span", "outline-row-text"), el("span", "outline-row-mark"));
        button.addEventListener("click", () => jumpTo(row));
        item.appendChild(button);
        entries.set(row, item);
      }
      return item;
    }

    function renderRows(section, context) {
      const list = outline.querySelector('[data-outline-section="' + section.dataset.qid + '"] [data-outline-rows]');
      const rows = rowsOf(section);
      let filled = 0;
      let problems = 0;
      rows.forEach(function (row, index) {
        decorate(row, section);
        row.dataset.number = String(index + 1);
        const check = checkRow(row, section, context);
        const state = stateOf(row, check);
        row.dataset.state = state;
        if (state === "problem" && check.first) firstProblem.set(row, check.first);
        else firstProblem.delete(row);
        row.classList.toggle("has-problem", state === "problem");
        if (state !== "empty") filled += 1;
        if (state === "problem") problems += 1;
        // Translators: the separator of a list of field names ("Missing: title, why you cite it.").
        const missing = check.missing.join(gettext(", "));
        const said = check.messages.concat(check.missing.length ? [interpolate(gettext("Missing: %(fields)s."), { fields: missing }, true)] : []);
        const problemsEl = row.querySelector("[data-row-problems]");
        setText(problemsEl, state === "problem" ? sentences(said) : "");
        if (problemsEl.hidden !== (state !== "problem")) problemsEl.hidden = state !== "problem";
        // A row that became a problem while folded (its source was removed) stays folded,
        // marked; the trainer opens it from the summary or the outline.
        const summary = summaryOf(row, section);
        const line = row.querySelector("[data-row-summary]");
        setText(line.querySelector(".row-summary-num"), String(index + 1));
        setText(line.querySelector(".row-summary-mark"), MARKS[state]);
        setText(line.querySelector(".row-summary-text"), clip(summary.text, 160));
        setText(line.querySelector(".row-summary-detail"), state === "problem" ? sentences(said) : clip(summary.detail, 90));
        // Named in words (the marks are symbols); the problem or detail is its description.
        setAttr(line, "aria-label", rowName(section.dataset.type, { number: index + 1, text: clip(summary.text, 160), state: stateWord(state) }, true));
        setAttr(line, "title", state === "problem" ? sentences(said) : summary.detail);
        line.dataset.state = state;

        const item = entryFor(row);
        const button = item.firstChild;
        button.dataset.state = state;
        setText(button.querySelector(".outline-row-num"), String(index + 1));
        setText(button.querySelector(".outline-row-text"), state === "empty" ? gettext("(empty)") : clip(summary.text, 90));
        setText(button.querySelector(".outline-row-mark"), MARKS[state]);
        setAttr(
          button,
          "aria-label",
          rowName(section.dataset.type, { number: index + 1, text: button.querySelector(".outline-row-text").textContent, state: stateWord(state) }, false)
        );
        setAttr(button, "title", state === "problem" ? sentences(said) : summary.text);
        if (row === currentRow) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      });
      const items = rows.map(entryFor);
      if (list && (items.length !== list.children.length || items.some((item, i) => list.children[i] !== item))) list.replaceChildren(...items);
      return { filled: filled, problems: problems };
    }

    function render() {
      renderQueued = false;
      const context = { identifiers: new Map(), sources: null };
      let problemRows = 0;
      let sectionFlags = 0;
      sections.forEach(function (section) {
        const entry = outline.querySelector('[data-outline-section="' + section.dataset.qid + '"]');
        if (!entry) return;
        if (entry.hidden !== section.hidden) entry.hidden = section.hidden;
        const count = entry.querySelector("[data-outline-count]");
        const flag = entry.querySelector("[data-outline-flag]");
        let state = "";
        let flagText = "";
        if (ROW_TYPES.includes(section.dataset.type)) {
          const from = section.querySelector("[data-rows]").dataset.citationsFrom;
          const sourceSection = from ? document.getElementById("q-" + from) : null;
          context.sources = sourceSection
            ? new Set(rowsOf(sourceSection).map((row) => valueOf(row.querySelector('[data-field="identifier"]'))).filter(Boolean))
            : null;
          if (section.dataset.type === "citations") context.identifiers = new Map();
          const result = renderRows(section, context);
          setText(count, String(result.filled));
          // The limits stay where they are said, at the head of the list; here only on hover.
          const listCount = section.querySelector("[data-list-count]");
          setAttr(count, "title", listCount ? listCount.textContent : "");
          const min = Number(section.dataset.min || 0);
          const max = Number(section.dataset.max || Infinity);
          state = result.filled < min || result.filled > max ? "under" : "ok";
          if (result.problems) flagText = "! " + result.problems;
          if (!section.hidden) problemRows += result.problems;
        } else if (section.dataset.type === "text") {
          const counter = section.querySelector("[data-counter]");
          // The counter's bare first count ("6 words", "120 characters"), as workspace.js says it.
          const words = counter ? counter.dataset.summary || oneLine(counter.textContent).split(" (")[0].split(" · ")[0] : "";
          setText(count, /^\d/.test(words) ? words : "");
          state = counter && (counter.dataset.state === "over" || counter.dataset.state === "under") ? "under" : "ok";
        }
        const general = sectionProblems.get(section.dataset.qid) || [];
        if (general.length || section.classList.contains("has-error")) {
          if (!flagText) flagText = "!";
          if (!section.hidden) sectionFlags += 1;
        }
        if (count.dataset.state !== state) count.dataset.state = state;
        setText(flag, flagText);
        setAttr(flag, "title", general.join(" "));
      });
      const total = problemRows + sectionFlags;
      nextButton.hidden = problemRows === 0;
      setText(
        summaryLine,
        problemRows
          ? interpolate(ngettext("%(count)s row needs attention.", "%(count)s rows need attention.", problemRows), { count: problemRows }, true)
          : gettext("No row needs attention.")
      );
      summaryLine.dataset.state = total ? "problem" : "ok";
    }

    let renderQueued = false;
    function queueRender() {
      if (renderQueued) return;
      renderQueued = true;
      requestAnimationFrame(render);
    }

    // ---- jumping -----------------------------------------------------------------------
    // Scroll only the pane that holds ``target``: scrollIntoView would also scroll the page
    // and carry the panes' tops (and the answer) out of view. Stacked on a narrow screen the
    // panes do not scroll on their own, and the page does.
    function reveal(target) {
      const pane = target.closest(".long-rows, .long-answer-questions, .task-content");
      if (!pane || pane.scrollHeight <= pane.clientHeight || getComputedStyle(pane).overflowY === "visible") {
        target.scrollIntoView({ block: "start" });
        return;
      }
      const offset = target.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      pane.scrollTop += offset - 8;
    }
    function jumpTo(row) {
      setFolded(row, false);
      render();
      reveal(row);
      unfold(row);
    }
    function jumpToSection(section) {
      reveal(section);
      (section.querySelector(".text-answer") || section).focus({ preventScroll: true });
    }
    outline.addEventListener("click", function (event) {
      const link = event.target.closest("[data-outline-jump]");
      if (!link) return;
      event.preventDefault();
      const section = document.getElementById(link.getAttribute("href").slice(1));
      if (section) jumpToSection(section);
    });
    nextButton.addEventListener("click", function () {
      const problems = rowSections.flatMap((section) => (section.hidden ? [] : rowsOf(section))).filter((row) => row.dataset.state === "problem");
      if (!problems.length) return;
      const after = currentRow ? problems.find((row) => currentRow.compareDocumentPosition(row) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
      jumpTo(after || problems[0]);
    });
    // Up and down arrows (Home, End) move through the outline's entries.
    outline.addEventListener("keydown", function (event) {
      if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
      const stops = Array.from(outline.querySelectorAll("[data-outline-jump], [data-outline-row]")).filter((node) => node.getClientRects().length);
      const at = stops.indexOf(document.activeElement);
      if (at < 0) return;
      event.preventDefault();
      const to = event.key === "Home" ? 0 : event.key === "End" ? stops.length - 1 : at + (event.key === "ArrowDown" ? 1 : -1);
      const next = stops[Math.max(0, Math.min(stops.length - 1, to))];
      next.focus();
    });

    // The outline follows the row being edited.
    form.addEventListener("focusin", function (event) {
      const row = event.target.closest && event.target.closest(".long-rows .row");
      if (row && row !== currentRow) {
        currentRow = row;
        render();
        const item = entries.get(row);
        if (item) {
          const box = item.getBoundingClientRect();
          const pane = outline.getBoundingClientRect();
          if (box.top < pane.top) outline.scrollTop -= pane.top - box.top + 8;
          else if (box.bottom > pane.bottom) outline.scrollTop += box.bottom - pane.bottom + 8;
        }
      }
    });

    // ---- keeping up --------------------------------------------------------------------
    ["input", "change", "focusin", "focusout"].forEach((type) => form.addEventListener(type, queueRender));
    const watch = new MutationObserver(function (records) {
      records.forEach(function (record) {
        const section = record.target.closest(".question[data-qid]");
        if (section && record.target.matches("[data-errors]")) readServerErrors(section);
        if (section && record.target.matches("[data-rows]")) {
          // Rows put in by a restore arrive filled: those finished start folded.
          record.addedNodes.forEach(function (row) {
            if (row.nodeType !== Node.ELEMENT_NODE) return;
            decorate(row, section);
            if (!isBlank(row)) foldIfDone(row, section);
          });
        }
      });
      queueRender();
    });
    sections.forEach(function (section) {
      watch.observe(section, { attributes: true, attributeFilter: ["hidden", "class"] });
      const errors = section.querySelector("[data-errors]");
      if (errors) watch.observe(errors, { childList: true });
      const rows = section.querySelector("[data-rows]");
      if (rows) watch.observe(rows, { childList: true });
    });

    function foldIfDone(row, section) {
      const context = { identifiers: new Map(), sources: null };
      const from = section.querySelector("[data-rows]").dataset.citationsFrom;
      const sourceSection = from ? document.getElementById("q-" + from) : null;
      if (sourceSection) {
        context.sources = new Set(rowsOf(sourceSection).map((r) => valueOf(r.querySelector('[data-field="identifier"]'))).filter(Boolean));
      }
      const check = checkRow(row, section, context);
      if (!check.messages.length && !check.missing.length) setFolded(row, true);
    }

    // The draft is already restored: rows that are finished start folded.
    rowSections.forEach(function (section) {
      rowsOf(section).forEach(function (row) {
        decorate(row, section);
        if (!isBlank(row)) foldIfDone(row, section);
      });
    });
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
