// Nothing typed in the workspace is lost (issue 17, item 1). Loaded before workspace.js,
// which calls window.WorkspaceRecovery.start(config); this file owns no widget.
//
// - A copy of the answer stays in this browser (localStorage), one per user, task and
//   template version, so two people sharing a machine never see each other's text. It is
//   written on every change and removed once the server has the draft or the submission.
// - Every request reads the CSRF token afresh (logging in, here or in another tab, rotates
//   it) and names the user the page was opened for (X-Expected-User): a session that has
//   become someone else's saves nothing of this user's work into theirs.
// - An ended session opens a log-in dialog in place; once the same user is back, the request
//   that failed is sent again with the new token.
// - The server's draft revision, not the browser's clock, decides between the two copies: a
//   local copy based on the server's latest revision is restored (and the page says so); a
//   server draft that moved on meanwhile (another tab or device) is kept and the local copy
//   is offered with a button, never silently overwritten. A draft save names the revision
//   it is based on and the server refuses a stale one (409 draft_conflict).
(function () {
  "use strict";

  // Translations: the catalog and static/js/i18n.js (both loaded by base.html first) define
  // these; sentences are whole format strings, never pieces.
  const { gettext, ngettext, interpolate } = window;

  const PREFIX = "annotation.workspace.copy.v1.";
  const MAX_AGE_MS = 30 * 24 * 3600 * 1000; // copies nobody came back to are dropped
  const WRITE_DELAY_MS = 250;
  const KEEPALIVE_MAX_BYTES = 60000; // browsers cap a keepalive body at 64 kB

  function readCookie(name) {
    const parts = document.cookie ? document.cookie.split("; ") : [];
    for (let i = 0; i < parts.length; i++) {
      const at = parts[i].indexOf("=");
      if (at > 0 && parts[i].slice(0, at) === name) {
        try {
          return decodeURIComponent(parts[i].slice(at + 1));
        } catch (err) {
          return parts[i].slice(at + 1);
        }
      }
    }
    return "";
  }

  // The cookie first: it is what the server compares with, and it changes on every log-in.
  function csrfToken(config) {
    return readCookie(config.csrfCookieName || "csrftoken") || config.csrfToken || "";
  }

  // JSON with sorted keys: the server may hand an answer back with its keys reordered
  // (PostgreSQL's jsonb does), and that is not a change.
  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      return (
        "{" +
        Object.keys(value)
          .sort()
          .map((k) => JSON.stringify(k) + ":" + canonical(value[k]))
          .join(",") +
        "}"
      );
    }
    return JSON.stringify(value === undefined ? null : value);
  }
  function sameAnswer(a, b) {
    return canonical(a || {}) === canonical(b || {});
  }
  // How many questions' answers differ: what "N unsaved changes" counts.
  function changedAnswers(a, b) {
    a = a || {};
    b = b || {};
    const keys = new Set(Object.keys(a).concat(Object.keys(b)));
    let count = 0;
    keys.forEach((k) => {
      if (canonical(a[k]) !== canonical(b[k])) count += 1;
    });
    return count;
  }
  // Sentences one after another: a space after English ones, none after a Chinese full stop.
  function sentences(parts) {
    return parts.reduce((text, part) => (text ? text + (/[。！？」]$/.test(text) ? "" : " ") + part : part), "");
  }

  // ---- the browser's copy (storage may be off or full: then the page works without it)
  function storage() {
    try {
      return window.localStorage;
    } catch (err) {
      return null;
    }
  }
  function load(key) {
    const s = storage();
    if (!s) return null;
    try {
      const value = JSON.parse(s.getItem(key) || "null");
      return value && typeof value === "object" && value.answer && typeof value.answer === "object" ? value : null;
    } catch (err) {
      return null;
    }
  }
  function keep(key, value) {
    const s = storage();
    if (!s) return false;
    try {
      s.setItem(key, JSON.stringify(value));
      return true;
    } catch (err) {
      return false;
    }
  }
  function drop(key) {
    const s = storage();
    if (!s) return;
    try {
      s.removeItem(key);
    } catch (err) {
      /* nothing to do */
    }
  }
  function prune(now) {
    const s = storage();
    if (!s) return;
    const stale = [];
    try {
      for (let i = 0; i < s.length; i++) {
        const key = s.key(i);
        if (!key || key.indexOf(PREFIX) !== 0) continue;
        const value = load(key);
        if (!value || !(now - Number(value.at) < MAX_AGE_MS)) stale.push(key);
      }
    } catch (err) {
      return;
    }
    stale.forEach(drop);
  }

  async function readJson(response) {
    try {
      const body = await response.json();
      return body && typeof body === "object" ? body : {};
    } catch (err) {
      return {};
    }
  }

  function start(config) {
    const key = PREFIX + "u" + config.userId + ".t" + config.taskId + ".v" + config.templateVersion;
    const offerKey = key + ".offered";
    const server = config.initial || { answer: {}, telemetry: {} };
    const state = {
      base: Number(config.draftRevision) || 0, // the server revision this page's copy is based on
      inflightBase: null,
      seq: 0, // changes made on this page
      writeTimer: null,
      stored: true,
      finished: false,
      login: null,
      declined: false,
      offline: false,
    };
    let hooks = null;
    const note = { restored: 0, offered: 0, live: false, login: false };

    prune(Date.now());

    // ---- on load: which copy wins
    let initial = server;
    const local = load(key);
    if (local && local.dirty && !sameAnswer(local.answer, server.answer)) {
      if ((Number(local.base) || 0) >= state.base) {
        // Based on what the server has (or newer): the browser's copy is the latest work.
        initial = { answer: local.answer, telemetry: local.telemetry || server.telemetry || {} };
        note.restored = changedAnswers(local.answer, server.answer);
      } else {
        // The server's draft moved on (another tab or device): keep it, offer this one.
        keep(offerKey, local);
        drop(key);
      }
    } else if (local) {
      drop(key); // the server has it already
    }
    const offeredOnLoad = load(offerKey);
    if (offeredOnLoad) {
      if (sameAnswer(offeredOnLoad.answer, initial.answer)) drop(offerKey);
      else note.offered = changedAnswers(offeredOnLoad.answer, initial.answer);
    }

    // ---- the status line under the page's heading
    const bar = document.getElementById("recovery-note");
    const barText = bar ? bar.querySelector("[data-recovery-text]") : null;
    const useButton = bar ? bar.querySelector("[data-recovery-use]") : null;
    const discardButton = bar ? bar.querySelector("[data-recovery-discard]") : null;
    const loginButton = bar ? bar.querySelector("[data-recovery-login]") : null;
    function renderNote() {
      if (!bar) return;
      const parts = [];
      if (note.restored) {
        parts.push(
          interpolate(
            ngettext("Restored %(count)s unsaved change from this browser.", "Restored %(count)s unsaved changes from this browser.", note.restored),
            { count: note.restored },
            true
          )
        );
      }
      if (note.offered) {
        const format = note.live
          ? ngettext(
              "A newer copy was saved from another tab or device, and it is what you see now. This browser's copy (%(count)s answer differs) is kept until you choose.",
              "A newer copy was saved from another tab or device, and it is what you see now. This browser's copy (%(count)s answers differ) is kept until you choose.",
              note.offered
            )
          : ngettext(
              "The saved draft is newer than this browser's copy, and it is what you see now. This browser's copy (%(count)s answer differs) is kept until you choose.",
              "The saved draft is newer than this browser's copy, and it is what you see now. This browser's copy (%(count)s answers differ) is kept until you choose.",
              note.offered
            );
        parts.push(interpolate(format, { count: note.offered }, true));
      }
      if (note.login) {
        parts.push(
          state.foreign
            ? gettext("This browser is logged in as someone else: nothing is saved to the server, your work is kept in this browser.")
            : gettext("Your session has ended: your work is kept in this browser. Log in to save it.")
        );
      }
      barText.textContent = sentences(parts);
      useButton.hidden = discardButton.hidden = !note.offered;
      loginButton.hidden = !note.login;
      bar.hidden = parts.length === 0;
      bar.dataset.kind = note.login ? "login" : note.offered ? "offer" : "restored";
    }

    // ---- the log-in dialog
    const dialog = document.getElementById("login-dialog");
    const dialogForm = dialog ? dialog.querySelector("form") : null;
    const dialogReason = dialog ? dialog.querySelector("[data-login-reason]") : null;
    const dialogError = dialog ? dialog.querySelector("[data-login-error]") : null;
    const dialogUser = dialog ? dialog.querySelector('input[name="username"]') : null;
    const dialogPassword = dialog ? dialog.querySelector('input[name="password"]') : null;
    const dialogSubmit = dialog ? dialog.querySelector('button[type="submit"]') : null;
    const dialogLater = dialog ? dialog.querySelector("[data-login-later]") : null;
    let dialogDone = null;
    const REASONS = {
      expired: () => gettext("Your session has ended. Everything you typed is kept in this browser; log in again and it is saved."),
      "other-user": () =>
        interpolate(
          gettext("This browser is now logged in as someone else. Log in as %(username)s to save this work; everything typed is kept in this browser."),
          { username: config.username },
          true
        ),
    };

    function dialogMessage(text) {
      dialogError.textContent = text || "";
      dialogError.hidden = !text;
    }
    // Back where the trainer was typing, so the next key goes into the answer, not to a
    // shortcut (opened from the note's button, that button is gone by now).
    let returnFocus = null;
    let lastInForm = null;
    document.addEventListener("focusin", function (event) {
      if (event.target.closest && event.target.closest("#answer-form")) lastInForm = event.target;
    });
    function closeDialog(ok) {
      if (dialog.open) dialog.close();
      const usable = (el) => el && el !== document.body && el.isConnected && !el.closest("[hidden]");
      const back = usable(returnFocus) ? returnFocus : usable(lastInForm) ? lastInForm : null;
      returnFocus = null;
      if (back && back !== document.activeElement) back.focus({ preventScroll: true });
      const done = dialogDone;
      dialogDone = null;
      if (done) done(ok);
    }
    function openDialog(reason) {
      if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(false);
      dialogReason.textContent = (REASONS[reason] || REASONS.expired)();
      dialogMessage(state.foreign ? foreignMessage(state.foreign) : "");
      dialogPassword.value = "";
      if (!dialogUser.value) dialogUser.value = config.username || "";
      if (!dialog.open) {
        returnFocus = bar && bar.contains(document.activeElement) ? null : document.activeElement;
        dialog.showModal();
      }
      (dialogUser.value ? dialogPassword : dialogUser).focus();
      return new Promise((resolve) => (dialogDone = resolve));
    }
    function foreignMessage(user) {
      const name = (user && (user.username || user.name)) || gettext("another user");
      return interpolate(
        gettext(
          "You are logged in as %(name)s, but this is %(username)s's work: nothing was saved into %(name)s's account, and everything typed stays in this browser. Log in as %(username)s to save it."
        ),
        { name: name, username: config.username },
        true
      );
    }
    async function refreshSession() {
      const response = await fetch(config.sessionUrl, {
        method: "GET",
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const body = await readJson(response);
      if (body.csrf_token) config.csrfToken = body.csrf_token;
      return body;
    }
    function postLogin() {
      return fetch(config.sessionUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(config) },
        body: JSON.stringify({ username: dialogUser.value.trim(), password: dialogPassword.value }),
        credentials: "same-origin",
      });
    }
    async function logIn() {
      if (!dialogUser.value.trim() || !dialogPassword.value) {
        dialogMessage(gettext("Enter your username and password."));
        (dialogUser.value.trim() ? dialogPassword : dialogUser).focus();
        return;
      }
      dialogSubmit.disabled = true;
      dialogSubmit.setAttribute("aria-busy", "true");
      let response;
      let body;
      try {
        response = await postLogin();
        if (response.status === 403) {
          // No CSRF cookie any more (cleared with the others): fetch one, then try once more.
          await refreshSession();
          response = await postLogin();
        }
        body = await readJson(response);
      } catch (err) {
        dialogMessage(gettext("Could not reach the server. Your work stays in this browser; try again when you are back online."));
        return;
      } finally {
        dialogSubmit.disabled = false;
        dialogSubmit.setAttribute("aria-busy", "false");
      }
      if (!response.ok) {
        dialogMessage(body.detail || interpolate(gettext("Logging in failed (%(status)s)."), { status: response.status }, true));
        dialogPassword.select();
        return;
      }
      if (body.csrf_token) config.csrfToken = body.csrf_token;
      if (!body.user || body.user.id !== config.userId) {
        // Someone else's session now: this page must not save into their account.
        state.foreign = body.user || {};
        note.login = true;
        renderNote();
        dialogMessage(foreignMessage(state.foreign));
        dialogUser.value = config.username || "";
        dialogPassword.value = "";
        dialogPassword.focus();
        return;
      }
      state.foreign = null;
      state.declined = false;
      note.login = false;
      renderNote();
      closeDialog(true);
    }
    if (dialog) {
      // The workspace's single-key shortcuts (S skips the task...) stay out of the dialog.
      dialog.addEventListener("keydown", (event) => event.stopPropagation());
      dialog.addEventListener("cancel", function (event) {
        event.preventDefault();
        decline();
      });
      dialogForm.addEventListener("submit", function (event) {
        event.preventDefault();
        logIn();
      });
      dialogLater.addEventListener("click", decline);
    }
    function decline() {
      state.declined = true;
      note.login = true;
      renderNote();
      if (hooks) hooks.setStatus("local", gettext("Not saved — log in to save (kept in this browser)"));
      closeDialog(false);
    }
    function askToLogIn(reason) {
      if (!state.login) {
        if (hooks) hooks.setStatus("local", gettext("Waiting for you to log in — kept in this browser"));
        state.login = openDialog(reason).finally(() => (state.login = null));
      }
      return state.login;
    }

    // ---- every request of the page
    async function authProblem(response) {
      if (response.status === 401) return "expired";
      if (response.redirected && config.loginPageUrl) {
        if (new URL(response.url, window.location.href).pathname === config.loginPageUrl) return "expired";
      }
      if (response.status !== 403 && response.status !== 409) return null;
      const body = await readJson(response.clone());
      if (response.status === 409) return body.error === "session_user_changed" ? "other-user" : null;
      if (body.error === "not_authenticated") return "expired";
      if (typeof body.detail === "string" && body.detail.indexOf("CSRF Failed") === 0) return "csrf";
      return null;
    }
    // A response request() gave back unresolved: the session ended (or is someone else's)
    // and nobody logged in again.
    function isAuthFailure(response) {
      return Boolean(response && response.authProblem);
    }

    // fetch() for the workspace: the CSRF token read now, the expected user named, and an
    // ended session answered with the log-in dialog, after which the request is sent again.
    // ``prompt``: "always" (a click: submit), "auto" (autosave: not again once the trainer
    // said "Not now") or "never" (leaving the page). Network errors reject, as fetch does.
    async function request(url, init, prompt) {
      prompt = prompt || "always";
      let refreshed = false;
      for (let attempt = 0; ; attempt += 1) {
        const headers = {
          Accept: "application/json",
          "X-CSRFToken": csrfToken(config),
          "X-Expected-User": String(config.userId),
        };
        if (init.body !== undefined) headers["Content-Type"] = "application/json";
        const response = await fetch(url, Object.assign({ credentials: "same-origin" }, init, { headers: headers }));
        let problem = await authProblem(response);
        if (!problem) {
          if (note.login) {
            note.login = false;
            renderNote();
          }
          return response;
        }
        if (problem === "csrf" && !refreshed) {
          // The token we sent was stale: the session decides whether a new one will do.
          refreshed = true;
          const session = await refreshSession().catch(() => ({}));
          if (session.authenticated && session.user && session.user.id === config.userId) continue;
          problem = session.authenticated ? "other-user" : "expired";
        }
        response.authProblem = problem;
        if (prompt === "never" || attempt >= 3 || (prompt === "auto" && state.declined)) {
          note.login = true;
          renderNote();
          return response;
        }
        if (!(await askToLogIn(problem))) return response;
      }
    }

    // ---- the copy in this browser
    function writeNow() {
      clearTimeout(state.writeTimer);
      state.writeTimer = null;
      if (!hooks || state.finished) return;
      const snapshot = hooks.snapshot();
      state.stored = keep(key, {
        v: 1,
        user: config.userId,
        task: config.taskId,
        template: config.templateVersion,
        base: state.base,
        answer: snapshot.answer,
        telemetry: snapshot.telemetry,
        dirty: true,
        at: Date.now(),
      });
    }
    function changed() {
      if (state.finished) return;
      state.seq += 1;
      if (!state.writeTimer) state.writeTimer = setTimeout(writeNow, WRITE_DELAY_MS);
    }
    function forget() {
      clearTimeout(state.writeTimer);
      state.writeTimer = null;
      drop(key);
    }

    function offlineStatus() {
      state.offline = true;
      if (!hooks) return;
      hooks.setStatus(
        "offline",
        state.stored ? gettext("Offline — saved in this browser") : gettext("Offline — not saved (this browser's storage is full or off)")
      );
    }

    // A later revision than ours was saved elsewhere: keep it, offer ours.
    async function resolveConflict() {
      let response;
      try {
        response = await request(config.draftUrl, { method: "GET" }, "auto");
      } catch (err) {
        return "offline";
      }
      if (response.status === 404) {
        state.base = 0; // submitted or discarded elsewhere: nothing of theirs to overwrite
        return "retry";
      }
      if (!response.ok) return "error";
      const saved = await readJson(response);
      const mine = hooks.snapshot();
      state.base = Number(saved.revision) || 0;
      if (sameAnswer(saved.answer, mine.answer)) {
        forget();
        return "same";
      }
      keep(offerKey, { v: 1, base: state.base, answer: mine.answer, telemetry: mine.telemetry, dirty: true, at: Date.now() });
      forget();
      hooks.apply(saved.answer || {});
      note.offered = changedAnswers(mine.answer, saved.answer);
      note.live = true;
      note.restored = 0;
      renderNote();
      hooks.setStatus("saved", gettext("Showing the newer saved copy"));
      return "offered";
    }

    // PUT the draft, based on the revision this page knows. Resolves to {ok} or
    // {ok: false, retry, conflict, auth, problem}; rejects when the server is unreachable.
    async function saveDraft(payload, options) {
      options = options || {};
      const leaving = Boolean(options.keepalive);
      if (state.finished) return { ok: true };
      if (state.foreign) {
        writeNow();
        return { ok: false, auth: true, problem: {} };
      }
      const sentSeq = state.seq;
      // Leaving while a save is in flight: that save will have made the next revision.
      const base = leaving && state.inflightBase !== null ? state.inflightBase + 1 : state.base;
      const body = JSON.stringify({ answer: payload.answer, telemetry: payload.telemetry, base_revision: base });
      if (!leaving) state.inflightBase = base;
      let response;
      try {
        response = await request(
          config.draftUrl,
          { method: "PUT", body: body, keepalive: leaving && body.length < KEEPALIVE_MAX_BYTES },
          leaving ? "never" : "auto"
        );
      } catch (err) {
        offlineStatus();
        throw err;
      } finally {
        if (!leaving) state.inflightBase = null;
      }
      state.offline = false;
      if (response.ok) {
        const saved = await readJson(response);
        state.base = Math.max(state.base, Number(saved.revision) || base + 1);
        if (state.seq === sentSeq) forget();
        else writeNow(); // typed on meanwhile: the copy is now based on the new revision
        return { ok: true };
      }
      const problem = await readJson(response);
      if (response.status === 409 && problem.error === "draft_conflict" && !leaving) {
        const outcome = await resolveConflict();
        if (outcome === "retry" && !options.retried) return saveDraft(payload, { retried: true });
        if (outcome === "offline") offlineStatus();
        return { ok: outcome === "same", conflict: outcome === "offered", retry: outcome === "offline", problem: problem };
      }
      if (isAuthFailure(response)) return { ok: false, auth: true, problem: problem };
      return { ok: false, retry: response.status >= 500 || response.status === 429, problem: problem };
    }

    function useOffered() {
      const offered = load(offerKey);
      drop(offerKey);
      note.offered = 0;
      note.live = false;
      renderNote();
      if (!offered || !hooks) return;
      hooks.apply(offered.answer);
      // Chosen by the trainer: saved over the newer draft, based on the revision now known.
      changed();
      writeNow();
      hooks.markDirty();
      hooks.setStatus("saving", gettext("Using this browser's copy — saving…"));
    }
    function discardOffered() {
      drop(offerKey);
      note.offered = 0;
      note.live = false;
      renderNote();
    }
    if (bar) {
      useButton.addEventListener("click", useOffered);
      discardButton.addEventListener("click", discardOffered);
      loginButton.addEventListener("click", function () {
        state.declined = false;
        askToLogIn(state.foreign ? "other-user" : "expired").then((ok) => ok && hooks && hooks.markDirty());
      });
    }

    window.addEventListener("online", function () {
      if (state.offline && hooks) hooks.retryNow();
    });

    return {
      initial: initial,
      request: request,
      saveDraft: saveDraft,
      changed: changed,
      isAuthFailure: isAuthFailure,
      isOffline: () => state.offline,
      // Before leaving or submitting: the copy in this browser is up to date right now.
      keepNow: function () {
        if (state.seq > 0 || note.restored) writeNow();
      },
      // The server has the answer (a submission): no copy to keep any more.
      finished: function () {
        forget();
        drop(offerKey);
        state.finished = true;
      },
      headers: function () {
        return { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(config), "X-Expected-User": String(config.userId) };
      },
      attach: function (given) {
        hooks = given;
        renderNote();
        if (note.restored) {
          // Restored from this browser: not on the server yet.
          changed();
          hooks.markDirty();
          hooks.setStatus("saving", gettext("Restored from this browser — saving…"));
        }
      },
    };
  }

  window.WorkspaceRecovery = { start: start, csrfToken: csrfToken, storageKeyPrefix: PREFIX };
})();
