//! The integrator's view of issue 13, end to end in real Chromium and Firefox, on a fixture
//! app with its own listeners (`integrator/app.html`, `integrator/app.js`; one listener
//! throws): each lifecycle preset drives the app (`presets`), replaying an imported call
//! reproduces the app's handler effects (`replay`), the page's own handlers as the
//! inspector reports them (`handlers`), and the timeline with the listeners, the throw and
//! the inspector's marks (`timeline`).

mod common;

mod integrator {
    pub mod app;
    mod handlers;
    mod presets;
    mod replay;
    mod timeline;
}
