// The describer (Chromium only): runs in the page's own world (MAIN). The background injects
// it into a frame with the relay, on the frame's first event, and registers it from
// document_start for the origins that have fired events (crates/background/src/describer.rs),
// so pages that never fire one never run it.
//
// Chromium hands a content script a structured clone of an event's `detail`, and gives it
// `null` when the clone fails: a function, a DOM node or a symbol in it, a throwing getter,
// nesting deeper than the clone's stack allows (10,000 levels). The event is kept, but its
// callId and everything else in the detail would be lost. Firefox shows the page's object
// through Xray and needs none of this (pack.rs leaves this file out of Firefox's package).
//
// So, for each fullview:* event, this listener tries the same clone; only when it fails, it
// walks the detail here, where everything can be read, into a bounded description made of
// plain JSON values and the engine's markers (crates/core/src/detail.rs: `$fvi` objects),
// and sends it, synchronously, to the sentinel as the detail (an object of plain values,
// which clones) of an `fvi:d` event. Its listeners are added after the sentinel's (which
// run from document_start, and registered scripts run after the manifest's), so the
// sentinel has queued the event with a `null` detail and replaces it with this
// description. When it starts, it sends an `fvi:d` with no detail: the sentinel then knows
// a description may follow an event, and waits for it before sending.
//
// Everything here runs in the page's world, so the page can see and replace what it uses.
// The functions it needs are taken when it starts (before any page script where it runs
// from document_start); whatever the page does to them can only change the description of
// its own events, which it controls anyway. Every read of a page value is inside a try,
// every string is cut, and the walk is bounded (about 16 KB of values, depth 24), so no page
// can make it throw out or run long; the background bounds a description to its 16 KB cap
// again. A frame can be given it twice (registered, and injected on the first event); the
// second copy stands back.
//
// Shipped through fvi_core::sentinel::minify like the sentinel: comments on lines of their
// own, no `//` or `/*` inside a line, no template literals.
(()=>{
let w=window,G="__fviDescriber",C=structuredClone,K=Object.keys,A=Array.isArray,N=Node,E=CustomEvent,D=EventTarget.prototype.dispatchEvent.bind(w),S=String,b;
// Any value as a short string, never throwing (a thrown value's toString may throw).
let t=v=>{try{return S(v).slice(0,200)}catch{return"?"}};
// The description of v at depth n, q holding the objects above it (a cycle is marked), as
// the engine's walker (crates/content/src/walk.rs) would write it.
let d=(v,n,q)=>{
if(n>24)return{$fvi:"tooDeep"};
let y=typeof v;
if(y=="string")return(b-=v.length),v.length>4096?{$fvi:"longString",head:v.slice(0,4096),length:v.length}:v;
if(y=="number")return isFinite(v)?v:{$fvi:"number",value:S(v)};
if(y=="bigint")return{$fvi:"number",value:S(v)};
if(y=="undefined")return{$fvi:"undefined"};
if(y=="symbol")return{$fvi:"symbol",description:t(v)};
if(y=="function")return{$fvi:"function",name:t(v.name)};
if(v===null||y!="object")return v;
if(v instanceof N)return{$fvi:"domNode",nodeName:t(v.nodeName)};
if(q.includes(v))return{$fvi:"cycle"};
let o=A(v)?[]:{},k=K(v),i=0,x;
q=[...q,v];
for(;i<k.length;i++){
if((b-=8)<0){x={$fvi:"truncated",omitted:k.length-i};A(o)?o.push(x):o.$fvi=x;break}
try{x=d(v[k[i]],n+1,q)}catch(e){x={$fvi:"unreadable",reason:t(e)}}
o[k[i]]=x;
}
return o;
};
let on=e=>{
let v=e.detail,r;
try{C(v);return}catch{}
b=16384;
try{r=d(v,0,[])}catch(x){r={$fvi:"unreadable",reason:t(x)}}
D(new E("fvi:d",{detail:r}));
};
if(w[G])return;
Object.defineProperty(w,G,{value:1});
for(let t of /*@EVENT_NAMES@*/[])w.addEventListener("fullview:"+t,on,1);
D(new E("fvi:d"));
})();
