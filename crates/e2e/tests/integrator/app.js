// The integrator fixture app (issue 13): what a customer's own code does with Fullview's
// events. A small support page whose handlers drive two state machines,
//   call:    idle → ringing → in-call → ended (or denied, or withdrawn before an answer)
//   inbound: none → requested → taken | cancelled-by-customer | cancelled-by-agent
// and record what they saw in window.__app:
//   log    one entry per event the state machine handled: {type, callId, state}, where
//          state is the call state after a call* event and the inbound state after a
//          support* event; an event the machine does not expect leaves the state as it was
//   trace  every listener run, in order: "<listener>:<type>", with "!this" after the
//          listener's name when `this` was not what the page registered it with
//   errors what reached window.onerror: {message, line}
// The listeners: `machine` (a function, all eight events), `analytics` (an object with
// handleEvent, on callAccepted and callEnded; it throws a TypeError on callAccepted),
// `welcome` (once: true, on supportRequested), `ringtone` (callRequested; removed and added
// again by __app.doNotDisturb(on)).
// Query switches: ?without=callEnded,callDenied leaves every listener for those events out;
// ?typo (in app.html) adds a listener for the misspelt `fullview:callaccepted`.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var without = (params.get('without') || '').split(',').filter(Boolean);
  var app = (window.__app = { call: 'idle', inbound: 'none', log: [], trace: [], errors: [] });

  window.onerror = function (message, source, line) {
    app.errors.push({ message: String(message), line: line });
  };

  // Whether the app listens for `type` (the ?without= switch).
  function on(type) {
    return without.indexOf(type) === -1;
  }

  function traced(name, self, expected, type) {
    app.trace.push(name + (self === expected ? '' : '!this') + ':' + type);
  }

  // Call state machine: the states each event may come from, and where it leads.
  var CALL = {
    callRequested: [['idle', 'ended', 'denied', 'withdrawn'], 'ringing'],
    callAccepted: [['ringing', 'idle'], 'in-call'],
    callDenied: [['ringing'], 'denied'],
    callEnded: [['in-call'], 'ended'],
  };
  var INBOUND = {
    supportRequested: [['none', 'taken', 'cancelled-by-customer', 'cancelled-by-agent'], 'requested'],
    supportRequestTaken: [['requested'], 'taken'],
    supportRequestCancelledByCustomer: [['requested'], 'cancelled-by-customer'],
    supportRequestCancelledByAgent: [['requested'], 'cancelled-by-agent'],
  };

  function machine(event) {
    var type = event.type.slice('fullview:'.length);
    traced('machine', this, window, type);
    var detail = event.detail;
    var callId = detail && typeof detail === 'object' && typeof detail.callId === 'string'
      ? detail.callId : null;
    var state;
    if (CALL[type]) {
      var from = CALL[type][0];
      if (from.indexOf(app.call) !== -1) app.call = CALL[type][1];
      // The agent withdrew the request before the customer answered.
      else if (type === 'callEnded' && app.call === 'ringing') app.call = 'withdrawn';
      state = app.call;
    } else {
      if (INBOUND[type][0].indexOf(app.inbound) !== -1) app.inbound = INBOUND[type][1];
      state = app.inbound;
    }
    app.log.push({ type: type, callId: callId, state: state });
    render();
  }

  var analytics = {
    // The integrator's bug: nothing ever starts a session, so callAccepted always throws.
    sessions: {},
    ended: [],
    handleEvent: function (event) {
      var type = event.type.slice('fullview:'.length);
      traced('analytics', this, analytics, type);
      if (type === 'callAccepted') {
        var session = this.sessions[event.detail.callId];
        session.acceptedAt = event.timeStamp; // THROWS: a TypeError, session is undefined
      } else {
        this.ended.push(event.timeStamp);
      }
    },
  };

  function welcome(event) {
    traced('welcome', this, window, event.type.slice('fullview:'.length));
    document.getElementById('app-banner').hidden = false;
  }

  function ringtone(event) {
    traced('ringtone', this, window, event.type.slice('fullview:'.length));
    document.getElementById('app-ringing').hidden = false;
  }

  // Each listener is added on a line of its own, so each has its own registration site.
  for (var type of Object.keys(CALL).concat(Object.keys(INBOUND))) {
    if (on(type)) window.addEventListener('fullview:' + type, machine);
  }
  if (on('callAccepted')) window.addEventListener('fullview:callAccepted', analytics);
  if (on('callEnded')) window.addEventListener('fullview:callEnded', analytics);
  if (on('supportRequested')) window.addEventListener('fullview:supportRequested', welcome, { once: true });
  if (on('callRequested')) window.addEventListener('fullview:callRequested', ringtone);

  app.doNotDisturb = function (quiet) {
    if (quiet) window.removeEventListener('fullview:callRequested', ringtone);
    else if (on('callRequested')) window.addEventListener('fullview:callRequested', ringtone);
  };

  // Shows the state and the log (all of it: it is short), once the body is there.
  function render() {
    if (document.readyState === 'loading') return;
    document.getElementById('call-state').textContent = app.call;
    document.getElementById('inbound-state').textContent = app.inbound;
    if (app.call !== 'ringing') document.getElementById('app-ringing').hidden = true;
    var list = document.getElementById('app-log');
    list.textContent = '';
    for (var e of app.log) {
      var li = document.createElement('li');
      li.textContent = e.type + ' ' + (e.callId || '–') + ' → ' + e.state;
      list.appendChild(li);
    }
  }
  document.addEventListener('DOMContentLoaded', render);
})();
