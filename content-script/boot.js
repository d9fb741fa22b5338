// Boots the Rust content-script engine in this frame. Injected by the background, after
// the wasm-bindgen glue (fvi_content.js), on the frame's first fullview:* event.
(async () => {
  "use strict";
  const g = globalThis;
  const sentinel = g.__fviSentinel;
  // A frame already in plain mode keeps it (see plainMode in relay.js).
  if (!sentinel || sentinel.booting || sentinel.plain) return;
  sentinel.booting = true;
  const api = g.browser || g.chrome;
  let module;
  try {
    const response = await fetch(api.runtime.getURL("content-script/wasm/fvi_content_bg.wasm"));
    module = await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    // Chromium applies the page's Content-Security-Policy to WebAssembly compiled in a
    // content script (../shared/platform-notes.md): without 'wasm-unsafe-eval' in the
    // page's script-src the compile throws. The relay (relay.js) then delivers this
    // frame's events in plain mode, as JSON, and the background bounds and marks them in Rust
    // (ARCHITECTURE.md, "Pages whose CSP forbids wasm").
    sentinel.plainMode(String(e));
    return;
  }
  try {
    // Firefox: the glue's asynchronous path never settles in a content-script sandbox
    // (observed on Firefox ESR 153), while synchronous instantiation of a compiled module
    // works.
    wasm_bindgen.initSync({ module });
  } catch (e) {
    // Chromium refuses synchronous instantiation of modules over 4 KB on the main thread;
    // its asynchronous path works.
    await wasm_bindgen({ module_or_path: module });
  }
  // The namespace and the sentinel are passed in, not looked up: in Firefox the global
  // object the wasm sees is the page window's Xray, which cannot see the content
  // script's own globals (`browser`, `__fviSentinel`).
  if (sentinel.plain) return;
  wasm_bindgen.start(api, sentinel);
})();
