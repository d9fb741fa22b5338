// The simulator: fires Fullview's eight events, alone or as a scripted two-tab session.
// Tabs of this page coordinate through a BroadcastChannel, so that "callRequested" fans
// out to every open tab as Fullview's widget does.
"use strict";
const EVENTS = [
  "fullview:callRequested", "fullview:callAccepted", "fullview:callDenied", "fullview:callEnded",
  "fullview:supportRequested", "fullview:supportRequestCancelledByCustomer",
  "fullview:supportRequestCancelledByAgent", "fullview:supportRequestTaken",
];
const tabName = sessionStorage.tabName || (sessionStorage.tabName = "tab-" + Math.random().toString(36).slice(2, 6));
document.getElementById("tab-name").textContent = tabName;
const channel = new BroadcastChannel("fullview-simulator");
const peers = new Map();
const select = document.getElementById("type");
for (const name of EVENTS) select.add(new Option(name.slice("fullview:".length), name));

function fire(type, callId) {
  const detail = callId ? { callId } : {};
  window.dispatchEvent(new CustomEvent(type, { detail }));
  const line = document.createElement("div");
  line.textContent = `${new Date().toISOString()}  ${type}  ${callId || "(no callId)"}`;
  document.getElementById("log").prepend(line);
  document.body.dataset.fired = String(Number(document.body.dataset.fired || 0) + 1);
}

function fireEverywhere(type, callId) {
  channel.postMessage({ fire: type, callId });
  fire(type, callId);
}

channel.onmessage = ({ data }) => {
  if (data.fire) fire(data.fire, data.callId);
  if (data.hello) {
    peers.set(data.hello, Date.now());
    if (!data.reply) channel.postMessage({ hello: tabName, reply: true });
  }
  document.getElementById("peers").textContent = String(peers.size + 1);
};
channel.postMessage({ hello: tabName });

document.getElementById("fire").onclick = () => {
  const type = select.value;
  const callId = document.getElementById("call-id").value.trim();
  if (document.getElementById("all-tabs").checked) fireEverywhere(type, callId);
  else fire(type, callId);
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function play() {
  const state = document.getElementById("play-state");
  const callId = "sim-" + Date.now().toString(36);
  const steps = [
    ["customer asks for help", () => fire("fullview:supportRequested")],
    ["agent takes the request", () => fire("fullview:supportRequestTaken")],
    ["agent requests the call (every tab)", () => fireEverywhere("fullview:callRequested", callId)],
    ["customer accepts", () => fire("fullview:callAccepted", callId)],
    ["call ends", () => fire("fullview:callEnded", callId)],
  ];
  for (const [label, step] of steps) {
    state.textContent = label + "…";
    step();
    await sleep(400);
  }
  state.textContent = "done: " + callId;
  document.body.dataset.played = callId;
}
document.getElementById("play").onclick = play;
