// api.js: the apiserver as the page sees it. Lists, then watches from the
// list's resourceVersion with fetch streaming (one JSON event per line, as
// Kubernetes' ?watch=1), and lists again when the watch ends or answers
// 410 Gone. No polling.
"use strict";

const API = (() => {
  // The page is <base>/ui/...; the API is at <base> (the apiserver itself,
  // or kubectl proxy with its --api-prefix).
  const base = location.pathname.replace(/\/ui(\/.*)?$/, "");
  const TOKEN_KEY = "minik8s-ui-token";
  const listeners = new Set(); // connection-state listeners

  function headers() {
    const h = { Accept: "application/json" };
    const t = sessionStorage.getItem(TOKEN_KEY);
    if (t) h.Authorization = "Bearer " + t;
    return h;
  }

  class APIError extends Error {
    constructor(code, status) {
      super((status && status.message) || "HTTP " + code);
      this.code = code;
      this.status = status;
    }
  }

  async function failure(resp) {
    let st = null;
    try { st = await resp.json(); } catch (_) { /* not a Status */ }
    const e = new APIError(resp.status, st);
    if (resp.status === 401 || resp.status === 403) authProblem(e);
    return e;
  }

  async function get(path, opts) {
    const resp = await fetch(base + path, Object.assign({ headers: headers(), credentials: "same-origin" }, opts || {}));
    if (!resp.ok) throw await failure(resp);
    return resp.json();
  }

  function setConn(state, text) {
    for (const f of listeners) f(state, text);
  }

  let authHandler = null;
  function authProblem(e) { if (authHandler) authHandler(e); }

  // watch keeps a live copy of a collection: onSync(items) after each
  // (re)list, onEvent(type, obj) for each watch event. It returns a stop
  // function. path is a collection path, e.g. /api/v1/pods.
  function watch(path, onSync, onEvent) {
    const ctl = new AbortController();
    let stopped = false;
    const sep = path.includes("?") ? "&" : "?";

    async function run() {
      let backoff = 500;
      while (!stopped) {
        try {
          const list = await get(path, { signal: ctl.signal });
          onSync(list.items || []);
          let rv = list.metadata && list.metadata.resourceVersion;
          setConn("live", "live");
          backoff = 500;
          rv = await stream(path + sep + "watch=1&allowWatchBookmarks=true&resourceVersion=" + encodeURIComponent(rv || ""), onEvent);
          // The stream closed (server timeout, restart, 410): list again.
        } catch (e) {
          if (stopped || (e && e.name === "AbortError")) return;
          setConn("down", (e && e.message) || String(e));
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 10000);
        }
      }
    }

    async function stream(p, onEvent) {
      const resp = await fetch(base + p, { headers: headers(), signal: ctl.signal, credentials: "same-origin" });
      if (resp.status === 410) return; // expired: re-list
      if (!resp.ok) throw await failure(resp);
      const reader = resp.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line);
          if (ev.type === "ERROR") {
            // A Status; 410 Gone (compacted) and anything else: re-list.
            ctl.signal.throwIfAborted();
            reader.cancel().catch(() => {});
            return;
          }
          if (ev.type === "BOOKMARK") continue;
          onEvent(ev.type, ev.object);
        }
      }
    }

    run();
    return () => { stopped = true; ctl.abort(); };
  }

  // A failed watch waits before it lists again; a new token wakes it.
  const wakers = new Set();
  function sleep(ms) {
    return new Promise((r) => {
      const done = () => { clearTimeout(timer); wakers.delete(done); r(); };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });
  }

  return {
    base, get, watch, APIError,
    onConn(f) { listeners.add(f); },
    onAuthProblem(f) { authHandler = f; },
    setToken(t) {
      if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
      for (const w of [...wakers]) w();
    },
    hasToken() { return !!sessionStorage.getItem(TOKEN_KEY); },
  };
})();
