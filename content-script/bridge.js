// The handlers bridge (issue 13 item 5): runs in the content-script world from
// document_start, in every frame, ONLY on sites the user opted in to "page handlers" (the
// background registers it with content-script/hook.js: crates/background/src/handlers.rs).
// It takes the hook's reports (CustomEvents under a random name, handed over in an
// attribute on <html>; see hook.js) and forwards them to the background in
// `handlerReports` messages (fvi_core::protocol), batched, at most MAX a message.
//
// It forwards only strings, and at most QUEUE of them waiting: the reports are the page's
// words (the page can forge them), and the background parses, validates and bounds each
// one (fvi_core::handlers), ties them to the tab and frame the browser reports for this
// message, and stores them apart from the event log. A final refusal (the site was opted
// out since this page loaded) stops this bridge for the rest of the document.
(() => {
  "use strict";
  const api = globalThis.browser || globalThis.chrome;
  const V = /*@PROTOCOL_VERSION@*/0;
  const KIND = /*@REQUEST_HANDLER_REPORTS@*/"";
  const REFUSED = /*@ANSWER_REFUSED@*/"";
  const RV = /*@REPORT_VERSION@*/0;
  const MAX = /*@MAX_HANDLER_REPORTS@*/0;
  const QUEUE = 2000;
  const ATTRIBUTE = "data-fvi-h";
  const root = document.documentElement;
  if (!root || !api || !api.runtime) return;
  const token = () => {
    const r = crypto.getRandomValues(new Uint32Array(4));
    return Array.from(r, (x) => x.toString(36)).join("");
  };
  let name = root.getAttribute(ATTRIBUTE);
  if (name) {
    root.removeAttribute(ATTRIBUTE);
  } else {
    name = "fvi-h-" + token();
    root.setAttribute(ATTRIBUTE, name);
  }
  const document_ = token();
  let queue = [];
  let dropped = 0;
  let timer = 0;
  let stopped = false;
  const flush = () => {
    timer = 0;
    if (dropped > 0) {
      queue.push(JSON.stringify({ r: "dropped", v: RV, count: dropped }));
      dropped = 0;
    }
    while (queue.length > 0 && !stopped) {
      const reports = queue.splice(0, MAX);
      api.runtime
        .sendMessage({ v: V, kind: KIND, document: document_, reports })
        .then(
          (answer) => {
            if (answer && answer.kind === REFUSED && !answer.retry) {
              stopped = true;
              queue = [];
            }
          },
          () => {
            // The extension is gone or reloading: these reports are lost, as they are
            // best effort (the event log never depends on them).
          },
        );
    }
  };
  addEventListener(name, (e) => {
    if (stopped) return;
    const report = e.detail;
    if (typeof report !== "string") return;
    if (queue.length >= QUEUE) {
      dropped++;
      return;
    }
    queue.push(report);
    if (!timer) timer = setTimeout(flush, 50);
  });
  addEventListener("pagehide", flush);
})();
