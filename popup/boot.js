// Boots the Rust popup (crates/popup). Extension pages may run wasm: the manifest's
// extension_pages CSP allows 'wasm-unsafe-eval' there and nowhere else.
wasm_bindgen({ module_or_path: "wasm/fvi_popup_bg.wasm" })
  .then(() => wasm_bindgen.start(globalThis.browser || globalThis.chrome))
  .catch((e) => {
    document.getElementById("status").textContent = "The inspector failed to start: " + e;
  });
