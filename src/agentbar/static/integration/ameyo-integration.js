/*
 * agentbar glue script: window.ameyo.integration (the Generic Toolbar CRM integration API) and
 * window.AgentBar (a promise API beside it) for CRM pages.
 *
 * Include it in <head>; add <div id="ameyoIframeDiv"> and the iframe #ameyoIframe pointing at
 * <agentbar>/ameyowebaccess/toolbar-crm.htm?origin=<page URL>. No framework, no build step; the
 * types are in agentbar.d.ts beside this file. See docs/integration-guide.md.
 *
 * Rules this file keeps:
 * - Wire format (shared with older glue files): every message is a JSON string with a `method`
 *   field and flat fields beside it. Extra fields (requestMethodId on every request) are ignored
 *   by older toolbars, so nothing here breaks a CRM that mixes old and new.
 * - Only messages from the toolbar's origin AND from the iframe's own window are heard;
 *   messages are posted only to the toolbar's origin, never '*'.
 * - Calls made before the toolbar is ready — loaded (onLoadHandler) and connected to its server
 *   (loginStatusHandler, which follows) — wait in a queue and go in order once it is: the
 *   script runs in <head>, before the iframe exists, and a toolbar without its socket could
 *   only refuse them.
 * - A handler that throws never stops the others, and never reaches the toolbar.
 */
(function () {
  "use strict";

  var scriptSrc = (document.currentScript && document.currentScript.src) || "";
  // The toolbar lives on the server that served this script, unless the page says otherwise.
  var baseUrl = scriptSrc ? scriptSrc.replace(/ameyowebaccess\/.*$/, "") : "";
  var frameElement = null; // set by AgentBar.attach(); otherwise #ameyoIframe
  var registry = {}; // handler name -> the object registered for it (registerCustomFunction)
  var listeners = {}; // handler name -> functions added with bar.on()
  var pending = {}; // requestMethodId -> callback (or null: an answer nobody waits for)
  var counter = 0;
  var queue = [];
  var toolbarReady = false;
  var embedError = null; // the embed doctor's last diagnosis: {code, message, fix}
  var extensionInfo = null; // from setExtensionInfo(), used if the page has no getExtensionInfo

  // Answers that travel under older names fire the documented handler and the old one.
  var ALIASES = {
    getDispositionCodesHandler: ["handleDispositionCodes", "getDispositionCodesHandler"],
    getDispositionCodeWithClassHandler: ["handleDispositionCodes", "getDispositionCodeWithClassHandler"],
    disposeCallByDispositionCodeHandler: ["handleDisposeCallByDispositionCode", "disposeCallByDispositionCodeHandler"],
    disposeAndDialHandler: ["handleDisposeCallByDispositionCode", "disposeAndDialHandler"],
    failedDispositionNotifyHandler: ["handleFailedDispositionNotifyGeneric", "failedDispositionNotifyHandler"],
  };

  function toolbarOrigin() {
    try {
      var origin = new URL(baseUrl, window.location.href).origin;
      return origin === "null" ? null : origin;
    } catch (e) {
      return null;
    }
  }

  function toolbarFrame() {
    return frameElement || document.getElementById("ameyoIframe");
  }

  function toolbarWindow() {
    var frame = toolbarFrame();
    return frame && frame.contentWindow ? frame.contentWindow : null;
  }

  function send(fields) {
    var target = toolbarWindow();
    var origin = toolbarOrigin();
    if (!toolbarReady || !target || !origin) {
      queue.push(fields);
      return;
    }
    target.postMessage(JSON.stringify(fields), origin);
  }

  function flush() {
    var waiting = queue;
    queue = [];
    for (var i = 0; i < waiting.length; i++) send(waiting[i]);
  }

  function report(name, error) {
    if (window.console) console.error("agentbar: handler " + name + " failed", error);
  }

  function fire(name, args) {
    var holder = registry[name];
    if (holder && typeof holder[name] === "function") {
      try {
        holder[name].apply(holder, args);
      } catch (error) {
        report(name, error);
      }
    }
    var fns = (listeners[name] || []).slice();
    for (var i = 0; i < fns.length; i++) {
      try {
        fns[i].apply(null, args);
      } catch (error) {
        report(name, error);
      }
    }
  }

  function argumentsFor(message) {
    switch (message.method) {
      case "onLoadHandler":
        return [];
      case "showCrm":
        return [message.phone, message.additionalParams, message.requestId];
      case "showCrmDetailed":
        return [message.recordInfo];
      case "getDispositionCodesHandler":
      case "getDispositionCodeWithClassHandler":
        return [message.dispositionCodes];
      case "embedErrorHandler":
        return [message.code, { message: message.message, fix: message.fix }];
      default:
        var details = message.userCustomerCRTInfo;
        if (details === undefined) {
          details = {};
          for (var key in message) {
            if (key !== "method" && key !== "reason") details[key] = message[key];
          }
        }
        return [message.reason, details];
    }
  }

  function answerExtension() {
    var info = null;
    if (typeof window.getExtensionInfo === "function") {
      try {
        info = window.getExtensionInfo();
      } catch (error) {
        report("getExtensionInfo", error);
      }
    }
    info = info || extensionInfo;
    if (info) {
      send({ method: "setExtensionMetadata", extensionName: info.name, extensionPhone: info.phone });
    }
  }

  function receive(event) {
    if (event.origin !== toolbarOrigin() || event.source !== toolbarWindow()) return;
    var message;
    try {
      message = typeof event.data === "string" ? JSON.parse(event.data) : null;
    } catch (e) {
      return;
    }
    if (!message || typeof message.method !== "string") return;
    var method = message.method;

    if (Object.prototype.hasOwnProperty.call(pending, method)) {
      var callback = pending[method];
      delete pending[method];
      if (callback) {
        try {
          callback(message.result === undefined ? message : { result: message.result });
        } catch (error) {
          report(method, error);
        }
      }
      return;
    }
    if (method === "onLoadHandler") {
      toolbarReady = false; // (re)loading: not connected yet
      embedError = null;
    }
    if (method === "loginStatusHandler" && !toolbarReady) {
      toolbarReady = true; // the toolbar reached its server
      embedError = null;
      flush();
    }
    if (method === "embedErrorHandler") {
      embedError = { code: message.code, message: message.message, fix: message.fix };
    }
    if (method === "intializeExtensionInfo") {
      answerExtension();
      return;
    }
    var names = ALIASES[method] || [method];
    var args = argumentsFor(message);
    for (var i = 0; i < names.length; i++) fire(names[i], args);
  }

  // Every request carries requestMethodId (<method>_<counter>); the toolbar answers it with a
  // message whose `method` is that id. Answers nobody waits for are swallowed, not fired.
  function request(method, fields, callback) {
    counter += 1;
    var id = method + "_" + counter;
    pending[id] = typeof callback === "function" ? callback : null;
    fields.method = method;
    fields.requestMethodId = id;
    send(fields);
    return id;
  }

  // The callback is the last argument that is a function (the documented example passes it
  // fourth, in the place of recordType); the values before it keep their places.
  function splitCallback(args) {
    for (var i = args.length - 1; i >= 0; i--) {
      if (typeof args[i] === "function") return { values: args.slice(0, i), fn: args[i] };
    }
    return { values: args, fn: null };
  }

  function extensionFields(info) {
    info = info || {};
    return { extensionName: info.name, extensionPhone: info.phone };
  }

  var integration = {
    registerCustomFunction: function (name, obj) {
      registry[name] = obj;
    },
    doLogin: function (username, password, authPolicy) {
      request("doLogin", { username: username, password: password, authPolicy: authPolicy });
    },
    doForceLogin: function () { request("doForceLogin", {}); },
    doLogout: function () { request("doLogout", {}); },
    doDial: function (phone, customerId, additionalParams, searchable, customerRecords, campaignId) {
      request("doDial", {
        phone: phone,
        customerId: customerId,
        additionalParams: additionalParams,
        searchable: searchable,
        customerRecords: customerRecords,
        campaignId: campaignId,
      });
    },
    populateNumberInDialBox: function (phone) { request("populateNumberInDialBox", { phone: phone }); },
    getDispositionCodes: function (campaignId) { request("getDispositionCodes", { campaignId: campaignId }); },
    getDispositionCodesWithDispositionClass: function (campaignId) {
      request("getDispositionCodesWithDispositionClass", { campaignId: campaignId });
    },
    disposeCallByDisposition: function (dispositionCode, crtObjectId, additionalNote) {
      request("disposeCallByDisposition", {
        dispositionCode: dispositionCode,
        crtObjectId: crtObjectId,
        additionalParameters: additionalNote,
      });
    },
    disposeAndScheduleCallback: function (phoneNumber, selfCallBack, callBackTime, callBackParams, additionalParameters) {
      request("disposeAndScheduleCallback", {
        phoneNumber: phoneNumber,
        selfCallBack: selfCallBack,
        callBackTime: callBackTime,
        callBackParams: callBackParams,
        additionalParameters: additionalParameters,
      });
    },
    disposeNDial: function (dispositionCode, phone) { request("disposeNDial", { dispositionCode: dispositionCode, phone: phone }); },
    setLoginInfo: function (userId, password) { request("setLoginCredentials", { userId: userId, password: password }); },
    setExtensionInfo: function (info) {
      // Kept as well: a page without getExtensionInfo() still binds this one after a login.
      extensionInfo = info ? { name: info.name, phone: info.phone } : null;
      request("setExtensionMetadata", extensionFields(info));
    },
    selectExtension: function (callContextId, phone) {
      request("selectExtension", { callContextId: callContextId, phone: phone });
    },
    hideUI: function (uiElements) { request("configureUI", { uiElements: uiElements }); },
    refreshTelephony: function (crtObjectId) { request("refreshTelephony", { data: crtObjectId }); },
    setRecordInfoForCrt: function () {
      var split = splitCallback(Array.prototype.slice.call(arguments));
      var v = split.values;
      request(
        "setRecordInfoForCrt",
        { crtObjectId: v[0], recordId: v[1], recordName: v[2], recordType: v[3], additionalInfo: v[4] },
        split.fn,
      );
    },
    setBaseUrl: function (url) { baseUrl = String(url); },
    getBaseUrl: function () { return baseUrl; },
    api: {
      setRecordInfoForShowCrm: function () {
        var split = splitCallback(Array.prototype.slice.call(arguments));
        var v = split.values;
        request(
          "recordInfoForShowCrm",
          { showCrmrequestId: v[0], recordId: v[1], recordName: v[2], recordType: v[3], additionalInfo: v[4] },
          split.fn,
        );
      },
    },
  };

  // -- the promise API ---------------------------------------------------------------------
  //
  // Each request settles on the toolbar's answer to that very request (matched by its
  // requestMethodId), which carries the outcome: what the agent or another request does in the
  // meantime cannot settle it. It never outlives `timeoutMs`, and an embed error fails it.

  var DEFAULT_TIMEOUT_MS = 15000;

  function AgentBarError(code, message, details) {
    var error = new Error(message);
    error.name = "AgentBarError";
    error.code = code;
    if (details !== undefined) error.details = details;
    return error;
  }

  function slug(text) {
    var s = String(text == null ? "" : text)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "");
    return s || "failed";
  }

  var settlers = []; // every unsettled promise request: {reject}

  function embedFailure() {
    return AgentBarError(
      embedError.code,
      embedError.message + (embedError.fix ? " Fix: " + embedError.fix : ""),
      embedError,
    );
  }

  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  }

  function off(name, fn) {
    var fns = listeners[name] || [];
    for (var i = fns.length - 1; i >= 0; i--) if (fns[i] === fn) fns.splice(i, 1);
  }

  // Send `method` with `fields`; settle on the first of: the toolbar's answer ("failed"
  // rejects with the reason; "success" resolves with `value(result)`), an embed error, or the
  // deadline.
  function perform(method, fields, timeoutMs, value) {
    return new Promise(function (resolve, reject) {
      var done = false;
      var entry = { reject: fail };
      function finish() {
        done = true;
        clearTimeout(timer);
        var at = settlers.indexOf(entry);
        if (at >= 0) settlers.splice(at, 1);
      }
      function fail(error) {
        if (done) return;
        finish();
        reject(error);
      }
      var timer = setTimeout(function () {
        fail(
          embedError
            ? embedFailure()
            : AgentBarError(
                "timeout",
                "the agentbar toolbar did not answer '" + method + "' within " + timeoutMs + " ms",
              ),
        );
      }, timeoutMs);
      settlers.push(entry);
      // No failing early on an old diagnosis: the toolbar reconnects by itself, so a request
      // fails on a NEW embedErrorHandler (below) or at its deadline, which names the last one.
      request(method, fields, function (answer) {
        if (done) return;
        var result = (answer && answer.result) || {};
        if (result.status === "failed") {
          fail(AgentBarError(slug(result.code || result.reason), result.reason || "failed", result));
        } else if (result.status === "success") {
          finish();
          resolve(value(result));
        } else {
          fail(AgentBarError("no_answer", "the toolbar finished '" + method + "' without an outcome"));
        }
      });
    });
  }

  function success() { return { status: "success" }; }

  function Bar(options) {
    this.timeoutMs = (options && options.timeoutMs) || DEFAULT_TIMEOUT_MS;
  }

  Bar.prototype.login = function (username, password, authPolicy) {
    var fields = {
      username: username,
      password: password,
      authPolicy: authPolicy || "AUTH_TYPE_PASSWORD",
    };
    return perform("doLogin", fields, this.timeoutMs, success);
  };

  Bar.prototype.forceLogin = function () { return perform("doForceLogin", {}, this.timeoutMs, success); };
  Bar.prototype.logout = function () { return perform("doLogout", {}, this.timeoutMs, success); };

  // A dial is placed once the server took it; the ringing comes later, as events.
  Bar.prototype.dial = function (phone, opts) {
    opts = opts || {};
    var fields = {
      phone: phone,
      customerId: opts.customerId,
      additionalParams: opts.additionalParams,
      searchable: opts.searchable,
      customerRecords: opts.customerRecords,
      campaignId: opts.campaignId,
    };
    return perform("doDial", fields, this.timeoutMs, function (result) {
      return { callId: result.callId };
    });
  };

  Bar.prototype.dispositionCodes = function (campaignId) {
    return perform("getDispositionCodes", { campaignId: campaignId }, this.timeoutMs, function (result) {
      return result.dispositionCodes;
    });
  };

  Bar.prototype.dispose = function (dispositionCode, opts) {
    opts = opts || {};
    var fields = {
      dispositionCode: dispositionCode,
      crtObjectId: opts.crtObjectId,
      additionalParameters: opts.note,
    };
    return perform("disposeCallByDisposition", fields, this.timeoutMs, success);
  };

  Bar.prototype.on = function (name, fn) { on(name, fn); return this; };
  Bar.prototype.off = function (name, fn) { off(name, fn); return this; };

  var AgentBar = {
    /** Resolves once the toolbar in `iframe` has loaded and reached its server; rejects with the embed doctor's
     *  diagnosis, or `timeout`, otherwise. */
    attach: function (iframe, options) {
      var bar = new Bar(options);
      if (iframe) {
        frameElement = iframe;
        var src = iframe.getAttribute("src");
        if (src) {
          // The iframe the page made names the toolbar's server; believe it over the
          // script's own src (a CRM may serve a copy of this file itself).
          var base = new URL(src, window.location.href).href.replace(/ameyowebaccess\/.*$/, "");
          if (new URL(base).origin !== toolbarOrigin()) baseUrl = base;
        }
      }
      if (toolbarReady) return Promise.resolve(bar);
      return new Promise(function (resolve, reject) {
        function loaded() {
          cleanup();
          resolve(bar);
        }
        function broken() {
          cleanup();
          reject(embedFailure());
        }
        function cleanup() {
          clearTimeout(timer);
          off("loginStatusHandler", loaded);
          off("embedErrorHandler", broken);
        }
        var timer = setTimeout(function () {
          cleanup();
          reject(
            embedError
              ? embedFailure()
              : AgentBarError(
                  "timeout",
                  "the agentbar toolbar did not load within " + bar.timeoutMs + " ms; is " +
                    toolbarOrigin() + " reachable, and is this page's origin allowed there?",
                ),
          );
        }, bar.timeoutMs);
        on("loginStatusHandler", loaded);
        on("embedErrorHandler", broken);
      });
    },
  };

  // A toolbar that cannot work fails every waiting promise at once, with its diagnosis.
  on("embedErrorHandler", function () {
    var waiting = settlers.slice();
    for (var i = 0; i < waiting.length; i++) waiting[i].reject(embedFailure());
  });

  window.ameyo = window.ameyo || {};
  window.ameyo.integration = integration;
  window.AgentBar = AgentBar;
  window.addEventListener("message", receive);
})();
