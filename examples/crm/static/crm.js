/*
 * The sample CRM's whole agentbar integration, through the glue's `ameyo.integration` only:
 * the toolbar's iframe, single sign-on, screen pop, click-to-dial, the wrap-up form, the header's
 * presence, and the timeline (reported to the CRM's own server, which stores it).
 *
 * Navigation inside the CRM swaps <main> instead of loading a page, so the toolbar's iframe —
 * and the call in it — stays put while the agent moves between records.
 */
(function () {
  "use strict";

  var integration = window.ameyo.integration;
  var HEADER_KEY = "crm.header"; // the header's texts survive a full reload of the page

  var state = {
    toolbar: "",         // the toolbar's session: "logged in" / "logged out"
    call: null,          // the call on screen: {callId, phone, contactId}
    wrapup: null,        // the call in wrap-up: {callId, phone, contactId}
    pending: null,       // the disposition sent and not answered yet: {code, note, phone?}
    signingOut: false,   // the CRM's own Log out asked the toolbar to log out first
    campaigns: {},       // campaign id → name, as the toolbar named them
    lastLogout: "",      // the reason logoutHandler gave last
  };

  function page() { return document.body.dataset; }
  function byTestId(id) { return document.querySelector('[data-testid="' + id + '"]'); }

  // -- the header: toolbar session, presence, auto-call mode, extension ---------------------

  var header = JSON.parse(sessionStorage.getItem(HEADER_KEY) || "{}");

  function setHeader(name, text) {
    header[name] = text;
    sessionStorage.setItem(HEADER_KEY, JSON.stringify(header));
    var node = byTestId("crm-" + name);
    if (node) node.textContent = text;
  }

  function notice(text) {
    var node = byTestId("crm-notice");
    if (node) node.textContent = text;
  }

  // -- talking to the CRM's own server --------------------------------------------------------

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 401) { signedOut("signed out"); throw new Error("signed out"); }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
        return data;
      });
    });
  }

  /* Show `url` in <main> (the server sends only the fragment); history follows. */
  function navigate(url, options) {
    options = options || {};
    return fetch(url, {
      method: options.method || "GET",
      body: options.body,
      credentials: "same-origin",
      headers: Object.assign({ "X-CRM-Fragment": "1" }, options.headers || {}),
    }).then(function (response) {
      if (response.status === 401) { signedOut("signed out"); return; }
      return response.text().then(function (html) {
        var main = document.getElementById("main");
        main.innerHTML = html;
        var meta = main.querySelector("template[data-title]");
        if (meta) document.title = meta.dataset.title;
        var shown = new URL(response.url); // after any redirect, e.g. a saved contact
        var target = shown.pathname + shown.search;
        if (options.replace) history.replaceState({}, "", target);
        else if (response.ok && target !== location.pathname + location.search) {
          history.pushState({}, "", target);
        }
        window.scrollTo(0, 0);
      });
    });
  }

  function signedOut(why) {
    sessionStorage.removeItem(HEADER_KEY);
    fetch("/logout", { method: "POST", credentials: "same-origin" }).finally(function () {
      location.assign("/login?notice=" + encodeURIComponent(why));
    });
  }

  // -- the timeline ---------------------------------------------------------------------------

  function callEvent(callId, kind, detail) {
    if (!callId) return Promise.resolve();
    return postJson("/api/calls/" + encodeURIComponent(callId) + "/events", {
      kind: kind, detail: detail,
    }).then(function (result) { refreshTimeline(result.contactId); }, function (error) {
      notice("Not on the timeline (" + error.message + "): " + detail);
    });
  }

  function refreshTimeline(contactId) {
    var box = document.getElementById("timeline");
    if (!box || contactId === null || String(contactId) !== box.dataset.contactId) return;
    fetch("/contacts/" + contactId + "/timeline", {
      credentials: "same-origin", headers: { "X-CRM-Fragment": "1" },
    }).then(function (response) { return response.text(); })
      .then(function (html) { box.innerHTML = html; });
  }

  function describe(reason, info) {
    if (!info || !info.target) return reason;
    // Queues and campaigns travel as ids; the names are known from selectCampaignHandler.
    var kind = info.transferKind;
    var named = (kind === "queue" || kind === "campaign") && state.campaigns[info.target];
    return reason + " → " + (named || info.target);
  }

  // -- screen pop: every call type reaches the agent through showCrm --------------------------

  function showCrm(phone, params, requestId) {
    params = params || {};
    setHeader("presence", "on call");
    state.call = { callId: params.callId, phone: phone, contactId: null };
    postJson("/api/calls", {
      callId: params.callId,
      phone: phone,
      callType: params.callType || "",
      campaign: params.campaignName || "",
      customerId: params.customerId || "",
      transferredFrom: params.transferredFrom || "",
    }).then(function (record) {
      if (state.call && state.call.callId === params.callId) state.call.contactId = record.contactId;
      var recordId = record.contactId === null ? "new-contact" : String(record.contactId);
      integration.api.setRecordInfoForShowCrm(
        requestId, recordId, record.recordName, "contact", function (response) {
          var status = response && response.result && response.result.status;
          notice("Screen pop: " + record.recordName + " (" + status + ")");
          byTestId("crm-notice").dataset.popAcknowledged = requestId + ":" + status;
        });
      return navigate(record.url);
    }).catch(function (error) { notice("Screen pop failed: " + error.message); });
  }

  // -- click-to-dial and prefill --------------------------------------------------------------

  function dial(data) {
    var recordUrl = new URL(data.url, location.origin).href;
    integration.doDial(data.phone, data.contactId, { crmUrl: recordUrl, contactId: data.contactId });
    notice("Dialling " + data.phone + "…");
  }

  function prefill(phone) {
    integration.populateNumberInDialBox(phone);
    notice(phone + " is in the toolbar's dial box: press Dial there.");
  }

  // -- wrap-up: the CRM's own form, built from the campaign's disposition codes ---------------

  function wrapupForm() { return document.getElementById("wrapup"); }

  function showCodes(classes) {
    if (!state.wrapup) return; // codes asked for by someone else: no call of ours to wrap up
    var form = wrapupForm();
    var select = form.elements.namedItem("code");
    select.innerHTML = "";
    select.append(new Option("Choose…", ""));
    (classes || []).forEach(function (klass) {
      var group = document.createElement("optgroup");
      group.label = klass.dispositionClass;
      klass.dispositionCodes.forEach(function (code) { group.append(new Option(code, code)); });
      select.append(group);
    });
    form.hidden = false;
  }

  function wrapupError(text) {
    byTestId("crm-wrapup-error").textContent = text;
    setBusy(false);
  }

  function setBusy(busy) {
    Array.prototype.forEach.call(wrapupForm().querySelectorAll("button"), function (button) {
      button.disabled = busy;
    });
  }

  function chosenCode() {
    var code = wrapupForm().elements.namedItem("code").value;
    if (!code) wrapupError("Choose a disposition first.");
    return code;
  }

  function dispose() {
    var code = chosenCode();
    if (!code) return;
    var note = wrapupForm().elements.namedItem("note").value.trim();
    state.pending = { code: code, note: note };
    byTestId("crm-wrapup-error").textContent = "";
    setBusy(true);
    integration.disposeCallByDisposition(code, null, note);
  }

  function disposeAndDial() {
    var code = chosenCode();
    if (!code) return;
    var phone = wrapupForm().elements.namedItem("next").value.trim();
    if (!phone) { wrapupError("Enter the number to call next."); return; }
    state.pending = { code: code, note: "", phone: phone };
    byTestId("crm-wrapup-error").textContent = "";
    setBusy(true);
    integration.disposeNDial(code, phone);
  }

  function disposed(status, details) {
    var done = state.wrapup;
    var sent = state.pending;
    state.pending = null;
    state.wrapup = null;
    var form = wrapupForm();
    form.hidden = true;
    form.reset();
    setBusy(false);
    byTestId("crm-wrapup-error").textContent = "";
    if (header.presence === "wrap-up") setHeader("presence", "not ready");
    var text = sent ? sent.code + (sent.note ? " — " + sent.note : "") : "disposed in the toolbar";
    if (sent && sent.phone) text += "; then dialled " + sent.phone;
    if (done) callEvent(done.callId, "disposition", text);
    notice("Disposed: " + text + (details && details.dialStatus ? " (dial: " + details.dialStatus + ")" : ""));
  }

  function callEnded(status, info) {
    info = info || {};
    setHeader("presence", "wrap-up");
    var contactId = state.call && state.call.callId === info.callId ? state.call.contactId : null;
    state.wrapup = { callId: info.callId, phone: info.phone, contactId: contactId };
    callEvent(info.callId, "hangup", "Call ended");
    byTestId("crm-wrapup-call").textContent = "· call " + info.callId + " with " + info.phone;
    byTestId("crm-wrapup-error").textContent = "";
    integration.getDispositionCodes();
    var next = wrapupForm().elements.namedItem("next");
    next.value = "";
    fetch("/api/next-lead" + (contactId ? "?after=" + contactId : ""), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (data.lead && !next.value) next.value = data.lead.phone; })
      .catch(function () { /* the agent types the number */ });
  }

  // -- signing in and out: one session on both sides ------------------------------------------

  function logOut() {
    if (state.toolbar !== "logged in") { signedOut("signed out"); return; }
    state.signingOut = true;
    notice("Logging the toolbar out…");
    integration.doLogout();
  }

  var handlers = {
    onLoadHandler: function () { notice(""); },
    loginStatusHandler: function (status) {
      var was = state.toolbar;
      state.toolbar = status;
      setHeader("toolbar-session", status);
      if (status !== "logged out") return;
      if (was === "logged in") {
        // The toolbar session has ended (every ending is announced so, a refused logout is
        // not): agentbar has told the SSO endpoint, and this page follows.
        signedOut(state.signingOut ? "signed out"
          : "signed out because the toolbar logged out (" + state.lastLogout + ")");
      } else if (page().ticket) {
        // A page's ticket logs its toolbar in once. After a toolbar logout the CRM session
        // has ended too, so nobody is ever logged back in behind their back.
        notice("Signing the toolbar in…");
        integration.doLogin(page().user, page().ticket, "AUTH_TYPE_CRM_HTTP");
      }
    },
    loginHandler: function (status) {
      if (status === "success") notice("Toolbar signed in as " + page().user + ".");
      else notice("Toolbar sign-in: " + status);
    },
    logoutHandler: function (status) {
      state.lastLogout = status;
      if (state.signingOut && status !== "success") {
        // Refused (a call or its wrap-up is still open): both sessions carry on.
        state.signingOut = false;
        notice("The toolbar did not log out: " + status);
      }
    },
    selectExtensionHandler: function (status, info) {
      if (status === "success" && info) setHeader("extension", info.extensionName + " (" + info.phone + ")");
      else notice("Extension: " + status);
    },
    selectCampaignHandler: function (status, info) {
      if (info && info.campaignName) state.campaigns[info.campaignId] = info.campaignName;
      setHeader("campaign", info && info.campaignName ? info.campaignName : status);
    },
    readyHandler: function () { setHeader("presence", "ready"); },
    breakHandler: function (reason) { setHeader("presence", "break: " + reason); },
    autoCallOnHandler: function (status) {
      if (status === "success") setHeader("auto-call", "on"); else notice("Auto-call: " + status);
    },
    autoCallOffHandler: function (status) {
      if (status === "success") setHeader("auto-call", "off"); else notice("Auto-call: " + status);
    },
    callInitiatedHandler: function () { setHeader("presence", "on call"); },
    failedDoDialNotifyHandler: function (reason) { notice("The call was not placed: " + reason); },
    hangupHandler: callEnded,
    handleDispositionCodes: showCodes,
    handleDisposeCallByDispositionCode: disposed,
    handleFailedDispositionNotifyGeneric: function (reason) {
      state.pending = null;
      wrapupError(reason); // the form stays open for a corrected choice
    },
  };
  handlers.modifyExtensionHandler = handlers.selectExtensionHandler;
  [
    "transferToPhoneHandler", "transferInCallHandler", "transferToAQHandler",
    "transferToIVRHandler", "transferToUserHandler", "transferToCampaignHandler",
  ].forEach(function (name) {
    handlers[name] = function (reason, info) { callEvent(info && info.callId, "transfer", describe(reason, info)); };
  });
  [
    "conferWithPhoneHandler", "conferWithTPVHandler", "conferWithUserHandler",
    "conferWithLocalIVRHandler",
  ].forEach(function (name) {
    handlers[name] = function (reason, info) { callEvent(info && info.callId, "conference", describe(reason, info)); };
  });
  Object.keys(handlers).forEach(function (name) { integration.registerCustomFunction(name, handlers); });
  integration.registerCustomFunction("showCrm", { showCrm: showCrm });

  // The toolbar binds the signed-in user's extension right after its login.
  window.getExtensionInfo = function () {
    return { name: page().extensionName, phone: page().extensionPhone };
  };

  // -- the page -------------------------------------------------------------------------------

  function initialise() {
    Object.keys(header).forEach(function (name) {
      var node = byTestId("crm-" + name);
      if (node) node.textContent = header[name];
    });
    // The documented snippet's iframe, built with the DOM rather than an HTML string, so no
    // character of the page's URL can ever be read as markup.
    var iframe = document.createElement("iframe");
    iframe.id = "ameyoIframe";
    // The toolbar's browser phone needs the microphone (and to play the call unprompted).
    iframe.allow = "microphone; autoplay";
    iframe.height = "400px";
    iframe.width = "200px";
    iframe.src = page().agentbar + "/ameyowebaccess/toolbar-crm.htm?origin=" + window.location.href;
    document.getElementById("ameyoIframeDiv").append(iframe);
  }

  document.addEventListener("DOMContentLoaded", initialise);

  // The CRM's own wrap-up form replaces the toolbar's disposition controls.
  integration.hideUI(["disposition-class", "disposition-code", "disposition-note",
    "callback-time", "dispose"]);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-nav]");
    if (link && event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      navigate(link.getAttribute("href"));
      return;
    }
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "dial") dial(button.dataset);
    else if (action === "prefill") prefill(button.dataset.phone);
    else if (action === "logout") logOut();
    else if (action === "dispose-and-dial") disposeAndDial();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "wrapup") {
      event.preventDefault();
      dispose();
    } else if (form.hasAttribute("data-nav-form")) {
      event.preventDefault();
      navigate(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
    }
  });

  window.addEventListener("popstate", function () {
    navigate(location.pathname + location.search, { replace: true });
  });
})();
