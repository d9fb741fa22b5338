// The relay: the sentinel's delivery until the Rust engine runs, and instead of it where it
// cannot. Injected by the background, with the engine's glue and boot.js after it, into a
// frame on its first fullview:* event (crates/background/src/route.rs, ENGINE_FILES).
//
// It lives apart from the sentinel because only frames that fire an event need it, while the
// sentinel's every byte is paid by every frame of every page (ARCHITECTURE.md, "Why a
// sentinel"). It is not subject to the page's CSP: injected files never are.
//
// What it does, on the sentinel's state object (`__fviSentinel`):
// - sends at once, as JSON, the events whose detail JSON says exactly (a wider set than the
//   sentinel's own early send), until one needs the engine's markers;
// - plain mode: sends every event as JSON where the engine cannot run (boot.js calls
//   `plainMode` when the page's CSP forbids wasm; or the engine has not started in 15 s);
// - on `pagehide`, sends what has not left.
(() => {
  "use strict";
  const g = globalThis;
  const state = g.__fviSentinel;
  // Injected twice (a `loadEngine` asked again after a lost answer): one relay is enough.
  if (!state || state.relay) return;
  // The protocol's constants, substituted from Rust at build time
  // (fvi_core::sentinel::constants; a core test holds this file to them).
  const V = /*@PROTOCOL_VERSION@*/0;
  // Most events per capture message: fvi_core::protocol::MAX_BATCH.
  const BATCH = /*@MAX_BATCH@*/0;
  const CAPTURE = /*@REQUEST_CAPTURE@*/"";
  const STORED = /*@ANSWER_STORED@*/"";
  const PAUSED = /*@ANSWER_PAUSED@*/"";
  const REFUSED = /*@ANSWER_REFUSED@*/"";
  // Back-off before sending again after a failure or a refusal that asks for a retry
  // (storage failing may last seconds): doubles up to 5 s, back to the start on success.
  const RETRY_MIN = 200;
  let retryDelay = RETRY_MIN;
  // Largest detail sent before the engine runs (JSON chars): never cut by the 16 KB bound.
  const EARLY_JSON = 2048;
  const api = g.browser || g.chrome;
  let earlyScheduled = false;
  let plainBusy = false;

  // False in an orphan: after the extension is updated, reloaded or disabled, Chromium
  // leaves this copy running in open tabs with `chrome.runtime` gone (reload) or its `id`
  // gone (disable), and a new sentinel, relay and engine take over in a new world
  // (ARCHITECTURE.md, "Extension updates"). An orphan stands down quietly: it sends
  // nothing, retries nothing and throws nothing.
  const alive = () => {
    try {
      return !!api.runtime.id;
    } catch (err) {
      return false;
    }
  };

  // The detail as JSON text if JSON says it exactly, as the engine would, else undefined.
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

  // Until the engine runs, events leave at once as JSON while JSON says their detail
  // exactly: a tab can close a moment after its first event, and what a closing tab sends
  // from pagehide is not reliably delivered (Firefox ESR 153 lost it in about half the runs
  // on a loaded machine). From the first detail that needs the engine's markers on, the
  // queue waits for the engine, so a frame's events still leave in order.
  function scheduleEarly() {
    if (earlyScheduled) return;
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
      if (text === undefined) break;
      ready.push({ ...e, detail: JSON.parse(text) });
    }
    if (!ready.length) return;
    queue.splice(0, ready.length);
    for (let i = 0; i < ready.length; i += BATCH) {
      const events = ready.slice(i, i + BATCH);
      capture(events).catch(() => {
        // The worker was stopping, or storage failed: back to whoever sends next (copies
        // are dropped by (document, n)).
        state.queue.unshift(...events);
        if (alive()) setTimeout(deliver, backOff());
      });
    }
  }

  // Sends one capture message. Settles when the batch is done with: stored, not stored
  // because capture is paused, or refused for good (malformed, wrong sender: the background
  // counts it, and the same message would be refused again). Rejects when it must be sent
  // again: the message failed (the worker was stopping) or the refusal asks for a retry
  // (storage failed; `retry`, fvi_core::protocol::Response::Refused).
  function capture(events) {
    if (!alive()) return Promise.reject(new Error("the extension was updated or disabled"));
    return api.runtime
      .sendMessage({ v: V, kind: CAPTURE, document: state.document, events })
      .then((answer) => {
        const kind = answer && answer.kind;
        if (kind !== STORED && kind !== PAUSED && (kind !== REFUSED || answer.retry)) {
          throw new Error(kind === REFUSED ? answer.reason : "no answer");
        }
        retryDelay = RETRY_MIN;
      });
  }

  function backOff() {
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, 5000);
    return delay;
  }

  // JSON form of a queued event, for when the Rust engine cannot run in this frame. The
  // background bounds and marks the detail in Rust (crates/core/src/detail.rs); only what
  // JSON.stringify cannot do at all (a cycle, a BigInt) is replaced here, keeping callId.
  function plainEvent(e) {
    let detail;
    try {
      detail = JSON.parse(JSON.stringify(e.detail === undefined ? null : e.detail));
    } catch (err) {
      let id;
      try {
        id = e.detail.callId;
      } catch (ignored) {
        // A throwing getter: no id to keep.
      }
      detail = { callId: typeof id === "string" ? id : undefined, $fvi: { $fvi: "unreadable", reason: String(err) } };
    }
    return { ...e, detail };
  }

  function sendPlain() {
    const events = state.queue.splice(0, BATCH);
    if (!events.length) return Promise.resolve();
    return capture(events.map(plainEvent)).catch(() => {
      // Put them back in front and try again after the back-off (the worker may be
      // restarting, or storage failing).
      state.queue.unshift(...events);
      return new Promise((r) => setTimeout(r, backOff()));
    });
  }

  function schedulePlain() {
    if (plainBusy) return;
    plainBusy = true;
    queueMicrotask(async () => {
      while (state.queue.length && alive()) await sendPlain();
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

  // What the sentinel calls on each event while no engine runs.
  function deliver() {
    if (state.engine) state.engine.notify();
    else if (state.plain) schedulePlain();
    else scheduleEarly();
  }

  // The frame is going away: send what has not left, now, without waiting for answers
  // (best effort, see scheduleEarly). Nothing is removed: if the page lives on
  // (back/forward cache) it is sent again the usual way and the background drops the
  // copies.
  g.addEventListener("pagehide", () => {
    if (!alive()) return;
    if (state.engine) {
      state.engine.flush();
      return;
    }
    for (let i = 0; i < state.queue.length; i += BATCH) {
      capture(state.queue.slice(i, i + BATCH).map(plainEvent)).catch(() => {});
    }
  }, true);

  // After an update, reload or disable (Chromium), this copy is an orphan: its extension
  // context is gone, so it cannot send, and the sentinel stands down (it would only throw).
  // The new version's sentinel is injected into this frame a moment later
  // (crates/background/src/route.rs, on_installed; 1.3 to 3.4 s later in Chromium,
  // ARCHITECTURE.md, "Extension updates"), in a new world this one cannot reach. Events
  // fired in between would be lost, so while orphaned this file keeps them, numbered on
  // from the document's own count, and hands them, with whatever the queue still held, to
  // content-script/handover.js, which the background injects with the new sentinel: it
  // dispatches `fvi:hello`, this answers synchronously with one `fvi:handover` event whose
  // detail (cloned between the worlds) is `{ document, events }`. Once only; at most
  // ORPHAN_CAP events, for an orphan nobody ever greets (the extension was disabled). The
  // page sees both events and could forge a handover: it can only add events of its own
  // frame, which it could fire anyway (ARCHITECTURE.md). Firefox removes an orphan's
  // listeners itself, so there this never runs.
  const ORPHAN_CAP = 10000;
  let orphaned = [];
  let handedOver = false;
  const keepOrphaned = (e) => {
    if (handedOver || orphaned.length >= ORPHAN_CAP || alive()) return;
    orphaned.push({
      n: ++state.n,
      type: e.type,
      capturedAt: performance.timeOrigin + e.timeStamp,
      url: location.href,
      detail: e.detail,
    });
  };
  for (const name of /*@EVENT_NAMES@*/[]) g.addEventListener("fullview:" + name, keepOrphaned, true);
  // The engine's batches that failed as the context went (crates/content/src/deliver.rs,
  // keep_for_successor), as the JSON of their events.
  state.keepOrphaned = (text) => {
    if (handedOver || alive()) return;
    try {
      for (const e of JSON.parse(text)) if (orphaned.length < ORPHAN_CAP) orphaned.push(e);
    } catch (err) {
      // Not ours to question: the engine wrote it.
    }
  };
  g.addEventListener("fvi:hello", () => {
    if (handedOver || alive()) return;
    // The engine's batches still in flight come through keepOrphaned too.
    try {
      if (state.engine && state.engine.unacked) state.engine.unacked();
    } catch (err) {
      // An engine that cannot say has nothing to add.
    }
    handedOver = true;
    const seen = new Set();
    const events = state.queue
      .splice(0)
      .concat(orphaned)
      .map(plainEvent)
      .filter((e) => !seen.has(e.n) && seen.add(e.n))
      .sort((a, b) => a.n - b.n);
    orphaned = [];
    if (!events.length) return;
    g.dispatchEvent(new CustomEvent("fvi:handover", { detail: { document: state.document, events } }));
  }, true);

  state.plainMode = plainMode;
  state.relay = deliver;
  // boot.js starts the engine next; if it has not taken over in 15 s (it failed in a way
  // boot.js could not catch), the frame's events go as JSON rather than wait forever.
  setTimeout(() => alive() && plainMode("the engine did not start"), 15000);
  deliver();
})();
