// Boots the Rust popup (crates/popup). Extension pages may run wasm: the manifest's
// extension_pages CSP allows 'wasm-unsafe-eval' there and nowhere else.
//
// It runs from <head>, before the page is parsed, and starts at once what the first screen
// waits for (ARCHITECTURE.md, "The popup's first paint"; BENCHMARKS.md §4):
// - the wasm's fetch and compilation, streamed (compileStreaming needs the
//   application/wasm type both browsers give a .wasm extension file; if it fails, the glue
//   fetches the module itself);
// - the first two storage.local reads: the meta, then, for a log of more than two chunks,
//   its newest chunk, the keys crates/popup/src/load.rs (fetch_tail) reads first. Rust
//   takes the results only for the keys it would read itself
//   (fvi_browser::storage::Prefetched) and parses them there; if this guess is wrong or the
//   read fails, Rust reads storage itself.
// The popup starts at DOMContentLoaded, once the deferred glue has run and the page exists.
document.documentElement.setAttribute("data-fvi-boot-ms", performance.now().toFixed(1));
const WASM = "wasm/fvi_popup_bg.wasm";
const module = WebAssembly.compileStreaming(fetch(WASM)).catch(() => WASM);
const api = globalThis.browser || globalThis.chrome;
// What scripting.executeScript runs in each frame of a tab to list its frames for the Fire
// box (fvi_browser::scripting::frames); serialised as text and run there. Defined here
// because the page's CSP forbids making a function from text in Rust.
globalThis.fviFrameUrl = () => location.href;
const prefetch = (() => {
  const local = api.storage.local;
  const read = (keys) => local.get(keys).then((items) => ({ keys, items }));
  return read(["meta"]).then((first) => {
    const chunks = (first.items.meta && first.items.meta.chunks) || [];
    if (chunks.length <= 2) return first;
    const key = "chunk:" + chunks[chunks.length - 1].id;
    return read([key]).then((tail) => ({
      keys: ["meta", key],
      items: Object.assign(first.items, tail.items),
    }));
  });
})();
// Unhandled until Rust awaits it; a failure there just means Rust reads storage itself.
prefetch.catch(() => {});
document.addEventListener("DOMContentLoaded", () => {
  wasm_bindgen({ module_or_path: module })
    .then(() => wasm_bindgen.start(api, prefetch))
    .catch((e) => {
      document.getElementById("status").textContent = "The inspector failed to start: " + e;
    });
});
