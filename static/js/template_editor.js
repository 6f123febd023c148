// The template editor: as the setter types, check the template through the API twin
// (/api/v1/templates/validate/) and refresh the live preview rendered by the server.
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const form = document.getElementById("template-form");
  if (!form) return;
  const definition = document.getElementById("id_definition");
  const sample = document.getElementById("id_sample_task");
  const status = document.getElementById("live-status");
  const list = document.getElementById("live-errors");
  const preview = document.getElementById("preview");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer = null;
  let generation = 0;

  // ``format`` names the field: "The definition is not valid JSON: %(error)s".
  function parse(text, format) {
    try {
      return { value: JSON.parse(text || "{}") };
    } catch (error) {
      return { error: interpolate(format, { error: error.message }, true) };
    }
  }

  function showErrors(errors) {
    list.replaceChildren();
    Object.entries(errors).forEach(function ([path, messages]) {
      messages.forEach(function (message) {
        const item = document.createElement("li");
        const code = document.createElement("code");
        code.textContent = path || gettext("(template)");
        item.append(code, " ", message);
        list.append(item);
      });
    });
  }

  async function check() {
    const mine = ++generation;
    const parsedDefinition = parse(definition.value, gettext("The definition is not valid JSON: %(error)s"));
    const parsedSample = parse(sample.value, gettext("The sample task is not valid JSON: %(error)s"));
    if (parsedDefinition.error || parsedSample.error) {
      status.textContent = gettext("Not valid JSON yet.");
      showErrors({ "": [parsedDefinition.error || parsedSample.error] });
      return;
    }
    status.textContent = gettext("Checking…");
    try {
      const response = await fetch(form.dataset.validateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ definition: parsedDefinition.value, sample_task: parsedSample.value }),
      });
      const body = await response.json();
      if (mine !== generation) return;
      const errors = Object.assign(
        {},
        body.definition_errors || body.fields || {},
        Object.fromEntries(Object.entries(body.task_errors || {}).map(([k, v]) => ["sample." + k, v]))
      );
      showErrors(errors);
      const problems = Object.values(errors).flat().length;
      status.textContent = Object.keys(errors).length
        ? interpolate(gettext("%(count)s problem(s) to fix."), { count: problems }, true)
        : gettext("The template is valid.");
      const data = new FormData();
      data.append("definition", definition.value);
      data.append("sample_task", sample.value);
      const html = await fetch(form.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
        body: data,
      });
      if (mine !== generation) return;
      // The fragment is rendered by our server from sanitised Markdown and escaped text.
      preview.innerHTML = await html.text();
      if (html.ok && window.AnnotationWorkspace) {
        // Player, image zoom and show_if in the preview, exactly as trainers get them.
        window.AnnotationWorkspace.enhance(preview);
      }
    } catch (error) {
      status.textContent = interpolate(gettext("Could not check right now (%(error)s); saving still validates."), { error: error.message }, true);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }

  definition.addEventListener("input", schedule);
  sample.addEventListener("input", schedule);
  definition.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      // Indent inside the JSON editor; Escape then Tab leaves the field (keyboard users).
      if (definition.dataset.escaped === "1") {
        definition.dataset.escaped = "0";
        return;
      }
      event.preventDefault();
      definition.setRangeText("  ", definition.selectionStart, definition.selectionEnd, "end");
      schedule();
    } else if (event.key === "Escape") {
      definition.dataset.escaped = "1";
    }
  });
  check();
})();
