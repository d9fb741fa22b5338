// Chromium's service-worker entry: classic scripts only, loaded synchronously.
importScripts("wasm/fvi_background.js", "boot.js");
