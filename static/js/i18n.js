// The translation functions every script of ours calls: gettext, ngettext and interpolate.
// base.html loads Django's JavaScript catalog (annotation_platform/js_catalog.py) first, and
// it defines them; where it did not load (blocked, failed, a page without base.html) these
// fallbacks keep the English as written, so no script breaks for want of a translation.
// Sentences are whole format strings, never pieces: word order differs in Chinese.
(function () {
  "use strict";
  if (!window.gettext) window.gettext = (text) => text;
  if (!window.ngettext) window.ngettext = (one, many, n) => (n === 1 ? one : many);
  if (!window.interpolate) {
    window.interpolate = (format, values, named) =>
      named
        ? format.replace(/%\(\s*([^)]+?)\s*\)s/g, (match, name) => String(values[name]))
        : format.replace(/%s/g, () => String(values.shift()));
  }
})();
