// The handlers hook (issue 13 item 5): runs in the page's own world (MAIN) from
// document_start, in every frame, and ONLY on sites the user opted in to "page handlers"
// (the background registers it for exactly those sites: crates/background/src/handlers.rs).
// On every other site it does not exist.
//
// It wraps EventTarget.prototype.addEventListener and removeEventListener for `fullview:*`
// types on `window`, so each listener the page adds there runs inside a wrapper that times
// it and reports what it threw, letting the error go on uncaught, so the page's own `onerror`
// still fires, with the page's line. What the page sees is kept: the native call gets one wrapper per (listener, type,
// capture), made once and reused, so listener order, duplicate adds, `once`, `this`
// (`currentTarget`, or the object of a `handleEvent` listener) and removeEventListener
// behave as without the hook. It also wraps dispatchEvent to note `fullview:` names that are
// not among the eight (likely typos).
//
// Reports go to content-script/bridge.js (the content-script world) as CustomEvents with a
// string detail, under a random name handed over in an attribute on <html> that is removed
// before the page's first script runs (../shared/platform-notes.md, "MAIN-world scripts").
// Whichever of the two runs first makes the name; the other takes it and removes the
// attribute.
//
// Everything here runs in the page's world: the page can see the wrappers (their toString
// is not native) and, if it learns the channel's name, forge reports. So the functions used
// after start are taken at start, every read of a page value is in a try, every string is
// cut, a document sends at most LIMIT reports (then one `dropped` report per 100 left out),
// and the background validates and bounds every report again (fvi_core::handlers). Reports
// can never change a captured event, a tab or a setting.
(() => {
  "use strict";
  const w = window;
  const P = "fullview:";
  const KNOWN = /*@EVENT_NAMES@*/[];
  const RV = /*@REPORT_VERSION@*/0;
  // Reports one document sends at most; then only a `dropped` report per 100 left out.
  const LIMIT = 5000;
  const CUT = 1500;
  const ATTRIBUTE = "data-fvi-h";

  const apply = Reflect.apply;
  const ET = EventTarget.prototype;
  const add = ET.addEventListener;
  const remove = ET.removeEventListener;
  const dispatch = ET.dispatchEvent;
  const slice = String.prototype.slice;
  const split = String.prototype.split;
  const includes = String.prototype.includes;
  const toStr = String;
  const ErrorC = Error;
  const CE = CustomEvent;
  const queueMicrotask = window.queueMicrotask.bind(window);
  const stringify = JSON.stringify;
  const perf = performance;
  const now = perf.now.bind(perf);
  const origin = perf.timeOrigin;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const setHas = Set.prototype.has;
  const MapC = Map;
  const known = new Set();
  for (const n of KNOWN) known.add(P + n);

  const root = document.documentElement;
  if (!root) return;
  let name = root.getAttribute(ATTRIBUTE);
  if (name) {
    root.removeAttribute(ATTRIBUTE);
  } else {
    const r = crypto.getRandomValues(new Uint32Array(4));
    name = "fvi-h-" + r[0].toString(36) + r[1].toString(36) + r[2].toString(36) + r[3].toString(36);
    root.setAttribute(ATTRIBUTE, name);
  }

  // A page value as a short string, never throwing (a getter or toString may throw).
  const text = (v) => {
    try {
      return apply(slice, typeof v === "string" ? v : toStr(v), [0, CUT]);
    } catch {
      return "?";
    }
  };
  let left = LIMIT;
  let dropped = 0;
  const send = (report) => {
    if (left <= 0) {
      dropped++;
      if (dropped % 100 !== 0) return;
      report = { r: "dropped", v: RV, count: 100 };
    } else {
      left--;
    }
    try {
      apply(dispatch, w, [new CE(name, { detail: stringify(report) })]);
    } catch {
      // The page broke JSON or CustomEvent for its own objects: no report, same page.
    }
  };
  const ours = (target, type) =>
    (target === w || target === undefined || target === null) &&
    typeof type === "string" &&
    apply(slice, type, [0, P.length]) === P;
  const stack = () => {
    try {
      return text(new ErrorC().stack);
    } catch {
      return "";
    }
  };
  // Whether the first frame of `s` that is not this hook's is an extension's, not the
  // page's: the inspector's own Chromium describer (describe.js, injected into the page's
  // world) listens for the eight too, and is not one of the page's listeners.
  const byExtension = (s) => {
    const lines = apply(split, s, ["\n"]);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (apply(includes, line, ["/content-script/hook.js"])) continue;
      if (apply(includes, line, ["-extension://"])) return true;
      if (apply(includes, line, ["://"])) return false;
    }
    return false;
  };
  const thrown = (e) => {
    if (e !== null && (typeof e === "object" || typeof e === "function")) {
      let n = "";
      let m = "";
      let s = "";
      try { n = text(e.name); } catch { n = "?"; }
      try { m = text(e.message); } catch { m = "?"; }
      try { s = typeof e.stack === "string" ? text(e.stack) : ""; } catch { s = ""; }
      return { name: n, message: m, stack: s };
    }
    return { name: typeof e, message: text(e), stack: "" };
  };

  // listener -> Map(type + capture flag -> entry); an entry is made once per key and kept,
  // so the same listener added again gets the same wrapper (the browser then ignores it, as
  // it would the listener) and removeEventListener finds it.
  const wrappers = new WeakMap();
  let ids = 0;
  // A run whose listener threw, waiting for the error the browser reports for it. The
  // wrapper never catches: a caught and re-thrown error reaches `onerror` with the
  // wrapper's line in Chromium, not the page's. So it notes that the listener did not
  // return, lets the error go on, and takes it from the `error` event the browser fires on
  // `window` right after (listened to from document_start, before any page listener); a
  // run the event does not come for is sent from a microtask without it.
  let pending = null;
  const flushPending = () => {
    if (pending) {
      const report = pending;
      pending = null;
      send(report);
    }
  };
  apply(add, w, ["error", (e) => {
    if (!pending) return;
    let err;
    try { err = e.error; } catch { err = undefined; }
    pending.threw = err === undefined || err === null
      ? { name: "", message: text(e.message), stack: "" }
      : thrown(err);
    flushPending();
  }, true]);
  const wrap = (type, listener, entry) =>
    function (event) {
      if (entry.once && entry.on) {
        // The browser removed it before this call.
        entry.on = false;
        send({ r: "removed", v: RV, type, listener: entry.id });
      }
      flushPending();
      const start = now();
      let returned = false;
      try {
        const result = typeof listener === "function"
          ? apply(listener, this, [event])
          : listener.handleEvent(event);
        returned = true;
        return result;
      } finally {
        const ms = now() - start;
        let at = 0;
        let callId = null;
        try {
          at = origin + event.timeStamp;
          const d = event.detail;
          if (d && typeof d.callId === "string") callId = apply(slice, d.callId, [0, 200]);
        } catch {
          // A detail whose getters throw: reported without its callId.
        }
        const report = {
          r: "ran", v: RV, type, listener: entry.id, at, callId, ms,
          threw: returned ? null : { name: "", message: "", stack: "" },
        };
        if (returned) {
          send(report);
        } else {
          pending = report;
          queueMicrotask(flushPending);
        }
      }
    };
  const entryFor = (type, listener, capture) => {
    let byKey = apply(wmGet, wrappers, [listener]);
    if (!byKey) {
      byKey = new MapC();
      apply(wmSet, wrappers, [listener, byKey]);
    }
    const key = (capture ? "1" : "0") + type;
    let entry = apply(mapGet, byKey, [key]);
    if (!entry) {
      entry = { id: ++ids, on: false, once: false, fn: null };
      entry.fn = wrap(type, listener, entry);
      apply(mapSet, byKey, [key, entry]);
    }
    return entry;
  };
  const isListener = (l) => typeof l === "function" || (typeof l === "object" && l !== null);

  function addEventListener(type, listener) {
    const options = arguments[2];
    if (!ours(this, type) || !isListener(listener)) return apply(add, this, arguments);
    // As the browser reads them: a dictionary's members, or anything else as a boolean.
    let capture = !!options;
    let once = false;
    if (options !== null && (typeof options === "object" || typeof options === "function")) {
      capture = !!options.capture;
      once = !!options.once;
    }
    const site = stack();
    if (byExtension(site)) return apply(add, this, arguments);
    const entry = entryFor(type, listener, capture);
    const result = apply(add, this, arguments.length > 2 ? [type, entry.fn, options] : [type, entry.fn]);
    if (!entry.on) {
      entry.on = true;
      entry.once = once;
      // An unknown name here is a finding the core reads from this report.
      send({ r: "added", v: RV, type, listener: entry.id, capture, once, stack: site });
    }
    return result;
  }
  function removeEventListener(type, listener) {
    const options = arguments[2];
    if (!ours(this, type) || !isListener(listener)) return apply(remove, this, arguments);
    const capture =
      options !== null && (typeof options === "object" || typeof options === "function")
        ? !!options.capture
        : !!options;
    const byKey = apply(wmGet, wrappers, [listener]);
    const entry = byKey && apply(mapGet, byKey, [(capture ? "1" : "0") + type]);
    if (!entry) return apply(remove, this, arguments);
    const result = apply(remove, this, arguments.length > 2 ? [type, entry.fn, options] : [type, entry.fn]);
    if (entry.on) {
      entry.on = false;
      send({ r: "removed", v: RV, type, listener: entry.id });
    }
    return result;
  }
  function dispatchEvent(event) {
    try {
      if (this === w || this === undefined || this === null) {
        const type = event.type;
        if (ours(w, type) && !apply(setHas, known, [type])) {
          send({ r: "dispatched", v: RV, type: apply(slice, type, [0, 100]), at: origin + event.timeStamp });
        }
      }
    } catch {
      // Not an event: the browser throws below, as it would.
    }
    return apply(dispatch, this, arguments);
  }
  ET.addEventListener = addEventListener;
  ET.removeEventListener = removeEventListener;
  ET.dispatchEvent = dispatchEvent;
})();
