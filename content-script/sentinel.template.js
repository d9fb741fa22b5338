// The sentinel: the only code that runs in every frame of every page, from document_start.
//
// It registers the eight `fullview:*` listeners and queues what they see. On a frame's first
// event it asks the background to inject the relay (content-script/relay.js) and the Rust
// engine (crates/content), which deliver the queue from then on. Meanwhile it sends a copy of
// each event whose detail has a documented shape, so a tab closed a moment after its first
// event loses nothing. Those copies are best effort: the queue keeps every event until the
// relay or the engine has delivered it, and the background drops copies by (document, n).
//
// Every byte here is paid by every frame of every page, whether or not it ever fires an
// event: in Chromium a document-start script's cost follows its size, not its work
// (BENCHMARKS.md, page cost). A core test holds the shipped file to 1,320 bytes
// (fvi_core::sentinel::BUDGET), so the code is written short: one-letter names, no optional
// spaces, and assignments made in passing as an extra argument that the callee ignores
// (`m(o,k=1)` is `k=1;m(o)`, `queueMicrotask(x,d=1)` is `d=1;queueMicrotask(x)`); the comment
// above each part says what it does. Whatever a frame needs only once it has
// fired an event belongs in relay.js.
// Architecture invariant exception: it calls runtime.sendMessage itself (ARCHITECTURE.md says why).
//
// build.rs substitutes the event names (from crates/core/src/event.rs, without their
// `fullview:` prefix), the protocol version, MAX_BATCH and the message kinds
// (fvi_core::sentinel::constants), and ships this file without its comments and indentation
// (fvi_core::sentinel::minify): so every comment here stands on a line of its own, and no
// string or regular expression holds `//` or spans lines.
(()=>{
let g=globalThis;
// Never listen twice: about:blank frames can inherit an already-injected world, and after an
// install or update the background injects this file into every frame of every open tab,
// where Firefox has already run the manifest's copy. (An orphaned copy from before an update
// is never seen here: in Chromium the new copy runs in a fresh isolated world, and Firefox
// removes the old one; both checked on 2026-12-03.)
if(g.__fviSentinel)return;
// What relay.js, boot.js and the engine (crates/content/src/deliver.rs) read and write:
// `queue`, `n`, `document` (set on the first event), and `relay`, `engine`, `plain` (set by
// them). The engine swaps `queue` for a fresh array, so it is always reached through `s`.
let s=g.__fviSentinel={queue:[],n:0};
// a: the extension API, looked up on the first event, not at start (in Firefox reading
// `browser` builds it for the frame, which measurably cost pages that never fire one;
// BENCHMARKS.md);
// k: the relay has been asked for; d: a send is scheduled; h: how many of the queue's events
// have been copied (only the relay and the engine take events out of the queue); b: the
// delay before asking again, doubled each time; q: the event last queued; p: the last
// description content-script/describe.js sent for it; w: a describer runs in this frame.
let a,k,d,p,q,w,h=0,b=100;
let m=o=>a.runtime.sendMessage({v:/*@PROTOCOL_VERSION@*/0,document:s.document,...o});
// Whoever delivers: the engine, else the relay, else this file: the first event of a task at
// once, from inside the listener, and the rest of the task's events in a microtask (so a
// burst is two messages). At once, because a frame removed in the same task as its first
// event is gone before any microtask can send (both browsers; a message sent inside the
// listener was stored in 10 of 10 trials, 0 of 10 from a microtask; ARCHITECTURE.md). Not
// at once when `i`: the describer is about to describe this event (see `fvi:d` below),
// and sends it then.
let go=i=>s.engine?s.engine.notify():s.relay?s.relay():d||(i||x(),queueMicrotask(()=>x(d=0)),d=1);
// One listener for the eight names.
let on=e=>{
// An orphan stands down: after the extension is updated, reloaded or disabled, Chromium
// leaves this copy running in open tabs with `chrome.runtime` gone (reload) or its `id`
// gone (disable), and the background injects a new sentinel into a new world beside it
// (crates/background/src/route.rs, on_installed); Firefox removes the old copy itself.
// Sending would only throw, so the event is left to the new copy.
if(!(a||=g.browser||g.chrome).runtime?.id)return;
// The document's random token (the background drops a second copy of an event by
// (document, n)). Not crypto.randomUUID: it exists only in secure contexts, and Chromium's
// `data:` frames (and plain-http pages) are not, so it threw there and no event was ever
// queued. Math.random's 52 bits make two documents of one log share a token about once in
// 10^6 logs of 100,000 documents.
s.document||=Math.random()+"";
// capturedAt: the high-resolution dispatch time, ms since the epoch. detail is read now:
// Firefox shows the page's live object through Xray, and the page may change it after
// dispatch; Chromium has already structured-cloned it, and gives null where it could not
// (a function, a DOM node, a symbol, a throwing getter, deep nesting): then the description
// describe.js sends right after, if it runs here, stands in for it (`fvi:d` below). Where a
// describer runs, a `null` detail waits for it (so does any falsy one, which it never
// describes: they go in the microtask, and `!` is 5 bytes shorter than `==null`).
s.queue.push(q={n:++s.n,type:e.type,capturedAt:performance.timeOrigin+e.timeStamp,url:location.href,detail:e.detail});
go(w&&!q.detail);
};
for(let t of /*@EVENT_NAMES@*/[])g.addEventListener("fullview:"+t,on,1);
// Chromium only: content-script/describe.js, in the page's world, is injected with the relay
// on a frame's first event, and from document_start on origins that fired events before
// (crates/background/src/describer.rs). It listens after this file, so for an event whose
// detail cannot be cloned into this world it sends a bounded description right after this
// listener queued the event, synchronously, as the detail of an `fvi:d` event: it replaces
// the queued `null`, and is sent at once when this file is the one delivering. An `fvi:d`
// without a detail says a describer runs here (it sends one when it starts). The page can
// send one too; it can only say what the page could have put in the detail itself
// (ARCHITECTURE.md).
g.addEventListener("fvi:d",e=>e.detail?q?.detail==null&&x(q.detail=p=e.detail):w=1,1);
// Asks once for the relay and the engine, and asks again after a failed message (the worker
// was starting or stopping) or an answer other than "done" (the frame was changing; no frame
// the sentinel runs in refused injection in our tests), 200 ms later, then 400, 800, ...:
// the queue waits for them. With `document`, the background ties this document to the tab
// the browser reports now, for captures sent as the tab closes (Firefox gives those no
// `sender.tab`). Then sends copies of the queue's leading events not yet copied that `j`
// accepts, at most 2000 (fvi_core::protocol::MAX_BATCH), stopping at the first it does not,
// so the background sees a frame's events in order; a failed copy is left to the relay.
let f=()=>setTimeout(go,b*=2,k=0);
let x=()=>{
if(s.relay||s.engine)return;
if(!k)m({kind:/*@REQUEST_LOAD_ENGINE@*/""},k=1).then(r=>r?.kind==/*@ANSWER_DONE@*/""||f(),f);
let c=[];
for(let e of s.queue.slice(h,h+/*@MAX_BATCH@*/0))if(e=j(e))c.push(e);else break;
if(c.length)m({kind:/*@REQUEST_CAPTURE@*/"",events:c},h+=c.length).catch(f=>0);
};
// A copy of event e if its detail has the documented shape, which JSON says exactly and the
// engine records the same: null, or {callId} alone with a string under 2 KB (never cut by the
// 16 KB bound) and well formed (a lone surrogate would make the message unreadable to the
// background's JSON parser); else undefined. The getter, if callId is one, runs once. Also
// the latest description from describe.js (p), so a frame removed in the same task as its
// first event keeps that event's callId too; the background bounds it.
let j=e=>{
try{
let v=e.detail,i=v&&v.callId;
if(v===null||v===p)return e;
if(Object.keys(v)+""=="callId"&&typeof i=="string"&&i.length<2048&&i.isWellFormed())return{...e,detail:{callId:i}};
}catch{}
};
})();
