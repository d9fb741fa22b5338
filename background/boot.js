// Boots the Rust background. Loaded after the wasm-bindgen glue (fvi_background.js):
// by importScripts in Chromium's service worker (worker.js), by `background.scripts` in
// Firefox's event page.
//
// Chromium delivers the event that woke the worker only to listeners registered in its
// first turn, and wasm instantiation is asynchronous: so buffer every event we handle
// here, synchronously, and hand the buffer to Rust (crates/browser/src/early.rs).
(() => {
  "use strict";
  const api = globalThis.browser || globalThis.chrome;
  const early = [];
  const buffers = [];
  const buffer = (path, keepChannelOpen) => {
    const [area, event] = path.split(".");
    const listener = (...args) => {
      early.push([path, args]);
      return keepChannelOpen;
    };
    api[area][event].addListener(listener);
    buffers.push(() => api[area][event].removeListener(listener));
  };
  // Firefox: with the setting "the toolbar button opens the side panel" the button has no
  // popup and fires action.onClicked, and the sidebar opens only during that click, so
  // this cannot wait for the wasm (crates/browser/src/action.rs). Chromium opens its side
  // panel itself (sidePanel.setPanelBehavior) and has no sidebarAction.
  if (api.sidebarAction && api.action) {
    api.action.onClicked.addListener(() => api.sidebarAction.toggle());
  }
  // What scripting.executeScript runs in a page's own world to fire an event for the
  // inspector (crates/browser/src/scripting.rs, fire_main). It is serialised as text and run
  // there, so it uses only the page's globals. Defined here because the worker's CSP forbids
  // making a function from text in Rust.
  globalThis.fviFire = (name, detail) => {
    window.dispatchEvent(new CustomEvent(name, { detail }));
    return true;
  };
  buffer("runtime.onMessage", true);
  buffer("runtime.onConnect", false);
  buffer("runtime.onStartup", false);
  buffer("runtime.onInstalled", false);
  buffer("tabs.onRemoved", false);
  buffer("tabs.onUpdated", false);
  // A run's wake-up (crates/background/src/runs.rs): an alarm starts a stopped worker.
  if (api.alarms) buffer("alarms.onAlarm", false);

  wasm_bindgen({ module_or_path: api.runtime.getURL("background/wasm/fvi_background_bg.wasm") })
    .then(() => {
      // Rust registers its own listeners first, then these go: no event is seen twice or
      // missed, since both happen in this one turn.
      wasm_bindgen.start(api, early);
      for (const remove of buffers) remove();
      early.length = 0;
    })
    .catch((e) => console.error("Fullview Event Inspector: background failed to start", e));
})();
