// Registers the "Fullview" DevTools panel: the inspector's one page (popup/popup.html) as
// the panel, scoped to the inspected tab (crates/popup/src/host.rs). The panel page reads
// `devtools.inspectedWindow.tabId` itself, so it is bound to its tab from its first line,
// whatever the tab is doing when DevTools opens (a panel bound later, from a navigation
// event, can miss its tab; ARCHITECTURE.md, "Hosts").
//
// Plain JS, and one of the exceptions to "only fvi-browser names the extension API": this
// page exists for this one call, and a wasm module for it would cost every DevTools window
// a module compile (ARCHITECTURE.md, invariants).
(globalThis.browser || globalThis.chrome).devtools.panels.create(
  "Fullview",
  "/popup/icons/icon-32.png",
  "/popup/popup.html?host=devtools"
);
