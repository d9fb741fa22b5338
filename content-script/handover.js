// The handover: injected after an update, reload or enable, with the sentinel, into every
// frame of every open tab (crates/background/src/route.rs, on_installed), never from the
// manifest. It greets the orphan the previous version left in the frame (Chromium keeps the
// old content scripts running, without an extension context) and sends what the orphan kept
// while no copy could send: the events fired between the old version's end and this
// injection, and any its queue still held (content-script/relay.js, "orphan"). They go
// under the old document's token and numbers, so the background stores each once, whoever
// else sent it.
//
// Architecture invariant exception: it calls runtime.sendMessage itself, as relay.js does,
// with the protocol's constants generated from Rust (ARCHITECTURE.md, "Extension updates").
(() => {
  "use strict";
  const g = globalThis;
  // One greeting per world: Firefox has already run the new manifest's scripts here, and
  // the background may inject again on the next install event.
  if (g.__fviHandover) return;
  g.__fviHandover = true;
  const V = /*@PROTOCOL_VERSION@*/0;
  const BATCH = /*@MAX_BATCH@*/0;
  const CAPTURE = /*@REQUEST_CAPTURE@*/"";
  const STORED = /*@ANSWER_STORED@*/"";
  const PAUSED = /*@ANSWER_PAUSED@*/"";
  const REFUSED = /*@ANSWER_REFUSED@*/"";
  const api = g.browser || g.chrome;
  const alive = () => {
    try {
      return !!api.runtime.id;
    } catch (err) {
      return false;
    }
  };

  // The orphan answers synchronously, inside the dispatch of `fvi:hello`, so the listener
  // is there only for that dispatch (a page's `fvi:handover` at any other time is ignored).
  const received = [];
  const take = (e) => {
    const d = e.detail;
    if (d && typeof d.document === "string" && Array.isArray(d.events)) {
      received.push({ document: d.document, events: d.events });
    }
  };
  g.addEventListener("fvi:handover", take, true);
  g.dispatchEvent(new CustomEvent("fvi:hello"));
  g.removeEventListener("fvi:handover", take, true);

  // Sends one batch until it is done with: stored, paused, or refused for good (the
  // background counts a malformed one; the same message would be refused again). A failed
  // message or a refusal that says retry is sent again, 200 ms later, doubling to 5 s.
  const send = (token, events, delay) => {
    if (!alive()) return;
    api.runtime
      .sendMessage({ v: V, kind: CAPTURE, document: token, events })
      .then((answer) => {
        const kind = answer && answer.kind;
        if (kind !== STORED && kind !== PAUSED && (kind !== REFUSED || answer.retry)) {
          throw new Error(kind === REFUSED ? answer.reason : "no answer");
        }
      })
      .catch(() => setTimeout(() => send(token, events, Math.min(delay * 2, 5000)), delay));
  };
  for (const { document, events } of received) {
    for (let i = 0; i < events.length; i += BATCH) send(document, events.slice(i, i + BATCH), 200);
  }
})();
