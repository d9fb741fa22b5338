// The sentinel: the only code that runs in every frame of every page, from document_start.
//
// It registers the eight `fullview:*` listeners and keeps what they see, and little else,
// so a page that never fires a Fullview event pays for eight addEventListener calls (see
// BENCHMARKS.md). On the first event it asks the background to inject the Rust engine
// (content-script/boot.js + crates/content) into this frame, which takes the queue over.
// Until then, events whose detail JSON says exactly are sent at once (see sendEarly).
//
// build.rs substitutes the event names (from crates/core/src/event.rs) and the protocol
// version, and ships this file without its comments and indentation
// (fvi_core::sentinel::minify): so every comment here stands on a line of its own, and no
// string or regular expression holds `//` or spans lines.
(() => {
  "use strict";
  const g = globalThis;
  // about:blank frames can inherit an already-injected world; never listen twice.
  if (g.__fviSentinel) return;
  // What boot.js and the engine (crates/content/src/deliver.rs) read and write. A frame
  // that never fires an event makes this object, one closure and eight listeners, and
  // nothing else: the rest of the sentinel is made by start() on the first event.
  const state = { queue: [], document: "", n: 0, engine: null, plain: false };
  Object.defineProperty(g, "__fviSentinel", { value: state });
  let next = null;
  const onEvent = (event) => {
    if (!state.document) state.document = crypto.randomUUID();
    state.queue.push({
      n: ++state.n,
      type: event.type,
      // High-resolution time of dispatch, ms since the epoch.
      capturedAt: performance.timeOrigin + event.timeStamp,
      url: location.href,
      // Read now: Firefox shows the page's live object through Xray and the page may
      // change it after dispatch; Chromium has already structured-cloned it.
      detail: event.detail,
    });
    if (state.engine) state.engine.notify();
    else (next || (next = start()))();
  };
  for (const name of /*@EVENT_NAMES@*/[]) g.addEventListener(name, onEvent, true);

  // Runs once, on the frame's first event; returns what each later event before the
  // engine runs does.
  function start() {
    const V = /*@PROTOCOL_VERSION@*/0;
    // Most events per capture message: fvi_core::protocol::MAX_BATCH.
    const BATCH = 2000;
    // Largest detail sent before the engine runs (JSON chars): never cut by the 16 KB
    // bound.
    const EARLY_JSON = 2048;
    // Looked up here, not at start: in Firefox reading `browser` builds the extension API
    // object for the frame, which measurably cost every page that never fires an event
    // (BENCHMARKS.md, page cost).
    const api = g.browser || g.chrome;
    let waking = false;
    // Set once a detail needs the engine: later events wait for it too, to keep order.
    let held = false;
    let earlyScheduled = false;
    let plainBusy = false;
    state.plainMode = plainMode;

    function wake() {
      if (waking) return;
      waking = true;
      // With `document` the background ties this document to the tab the browser reports
      // now, for captures sent as the tab closes (Firefox gives those no `sender.tab`).
      api.runtime.sendMessage({ v: V, kind: "loadEngine", document: state.document }).then(
        (answer) => {
          // No engine for this frame (or it never started): send its events as JSON
          // rather than keep them forever. boot.js does not start an engine in plain mode.
          if (!answer || answer.kind !== "done") plainMode((answer && answer.reason) || "no engine");
          else setTimeout(() => plainMode("the engine did not start"), 15000);
        },
        () => {
          // The worker was starting or stopping; the next event or pagehide tries again.
          waking = false;
        },
      );
    }

    // The detail as JSON text if JSON says it exactly, as the engine would, else
    // undefined.
    function exactJson(detail) {
      let ok = true;
      let size = 0;
      let text;
      try {
        text = JSON.stringify(detail, function (key, v) {
          const t = typeof v;
          size += key.length + (t === "string" ? v.length : 0);
          if (
            !ok ||
            size > EARLY_JSON ||
            // toJSON (a Date), NaN
            this[key] !== v ||
            // A function, undefined, a symbol or a bigint is not JSON.
            (t === "number" ? !Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v))
              : t === "object" ? v !== null && !Array.isArray(v) && Object.prototype.toString.call(v) !== "[object Object]"
              : t !== "string" && t !== "boolean")
          ) {
            ok = false;
            return undefined;
          }
          return v;
        });
      } catch (err) {
        // A cycle, a throwing getter.
        return undefined;
      }
      // An escaped lone surrogate: the background's JSON parser would refuse the message.
      return ok && text.length <= EARLY_JSON && !/\\u[dD][89a-fA-F]/.test(text) ? text : undefined;
    }

    // Before the engine runs, events leave at once as JSON while JSON says their detail
    // exactly: a tab can close a moment after its first event, and what a closing tab
    // sends from pagehide is not reliably delivered (Firefox ESR 153 lost it in about half
    // the runs on a loaded machine). From the first detail that needs the engine's
    // markers on, the queue waits for the engine, so a frame's events still leave in
    // order.
    function scheduleEarly() {
      if (earlyScheduled || held) return;
      earlyScheduled = true;
      queueMicrotask(() => {
        earlyScheduled = false;
        if (!state.engine && !state.plain) sendEarly();
      });
    }

    function sendEarly() {
      const queue = state.queue;
      const ready = [];
      for (const e of queue) {
        const text = exactJson(e.detail);
        if (text === undefined) {
          held = true;
          break;
        }
        ready.push({ ...e, detail: JSON.parse(text) });
      }
      if (!ready.length) return;
      queue.splice(0, ready.length);
      for (let i = 0; i < ready.length; i += BATCH) {
        const events = ready.slice(i, i + BATCH);
        api.runtime
          .sendMessage({ v: V, kind: "capture", document: state.document, events })
          .then((answer) => {
            if (!answer || (answer.kind !== "stored" && answer.kind !== "paused")) throw new Error("not stored");
          })
          .catch(() => {
            // The worker was stopping: back to whoever sends next (copies are dropped by
            // (document, n)); ask for the engine again if that failed too.
            state.queue.unshift(...events);
            setTimeout(() => {
              if (state.engine) state.engine.notify();
              else if (state.plain) schedulePlain();
              else wake();
            }, 200);
          });
      }
    }

    // JSON form of a queued event, for when the Rust engine cannot run in this frame. The
    // background bounds and marks the detail in Rust (crates/core/src/detail.rs); only
    // what JSON.stringify cannot do at all (a cycle, a BigInt) is replaced here, keeping
    // callId.
    function plainEvent(e) {
      let detail;
      try {
        detail = JSON.parse(JSON.stringify(e.detail === undefined ? null : e.detail));
      } catch (err) {
        const id = e.detail && typeof e.detail.callId === "string" ? e.detail.callId : undefined;
        detail = { callId: id, $fvi: { $fvi: "unreadable", reason: String(err) } };
      }
      return { ...e, detail };
    }

    function sendPlain() {
      const events = state.queue.splice(0, BATCH);
      if (!events.length) return Promise.resolve();
      return api.runtime
        .sendMessage({ v: V, kind: "capture", document: state.document, events: events.map(plainEvent) })
        .then((answer) => {
          if (!answer || (answer.kind !== "stored" && answer.kind !== "paused")) throw new Error("not stored");
        })
        .catch(() => {
          // Put them back in front and try again shortly (the worker may be restarting).
          state.queue.unshift(...events);
          return new Promise((r) => setTimeout(r, 200));
        });
    }

    function schedulePlain() {
      if (plainBusy) return;
      plainBusy = true;
      queueMicrotask(async () => {
        while (state.queue.length) await sendPlain();
        plainBusy = false;
      });
    }

    function plainMode(reason) {
      // One sender per document: never the engine and plain mode both.
      if (state.engine || state.plain) return;
      state.plain = true;
      state.plainReason = reason;
      schedulePlain();
    }

    // The frame is going away: send what has not left, now, without waiting for answers
    // (best effort, see sendEarly). Nothing is removed: if the page lives on (back/forward
    // cache) it is sent again the usual way and the background drops the copies.
    // Registered only now: until its first event a frame has nothing to send, and pays
    // for no listener beyond the eight.
    g.addEventListener("pagehide", () => {
      if (state.engine) {
        state.engine.flush();
        return;
      }
      for (let i = 0; i < state.queue.length; i += BATCH) {
        const events = state.queue.slice(i, i + BATCH).map(plainEvent);
        api.runtime
          .sendMessage({ v: V, kind: "capture", document: state.document, events })
          .catch(() => {});
      }
    }, true);

    return () => {
      if (state.plain) schedulePlain();
      else {
        wake();
        scheduleEarly();
      }
    };
  }
})();
