/*
 * agentbar glue script: window.ameyo.integration for CRM pages.
 *
 * Include it in <head>; add <div id="ameyoIframeDiv"> and the iframe #ameyoIframe pointing at
 * <agentbar>/ameyowebaccess/toolbar-crm.htm?origin=<page URL>. No framework, no build step.
 *
 * Wire format (shared with older glue files): every message is a JSON string with a `method`
 * field and flat fields beside it. Only messages from the toolbar's own origin and from the
 * iframe's own window are heard; messages are posted only to the toolbar's origin.
 */
(function () {
  "use strict";

  var scriptSrc = (document.currentScript && document.currentScript.src) || "";
  var baseUrl = scriptSrc ? scriptSrc.replace(/ameyowebaccess\/.*$/, "") : "";
  var registry = {};
  var callbacks = {};
  var counter = 0;
  var queue = [];
  var toolbarLoaded = false;

  // Answers that travel under older names fire the documented handler and the old one.
  var ALIASES = {
    getDispositionCodesHandler: ["handleDispositionCodes", "getDispositionCodesHandler"],
    getDispositionCodeWithClassHandler: ["handleDispositionCodes", "getDispositionCodeWithClassHandler"],
    disposeCallByDispositionCodeHandler: [
      "handleDisposeCallByDispositionCode",
      "disposeCallByDispositionCodeHandler",
    ],
    disposeAndDialHandler: ["handleDisposeCallByDispositionCode", "disposeAndDialHandler"],
    failedDispositionNotifyHandler: [
      "handleFailedDispositionNotifyGeneric",
      "failedDispositionNotifyHandler",
    ],
  };

  function toolbarOrigin() {
    try {
      return new URL(baseUrl, window.location.href).origin;
    } catch (e) {
      return null;
    }
  }

  function toolbarWindow() {
    var frame = document.getElementById("ameyoIframe");
    return frame && frame.contentWindow ? frame.contentWindow : null;
  }

  function send(fields) {
    var target = toolbarWindow();
    var origin = toolbarOrigin();
    if (!toolbarLoaded || !target || !origin) {
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

  function fire(name, args) {
    var holder = registry[name];
    if (holder && typeof holder[name] === "function") {
      try {
        holder[name].apply(holder, args);
      } catch (error) {
        if (window.console) console.error("agentbar: handler " + name + " failed", error);
      }
    }
  }

  function argumentsFor(message) {
    switch (message.method) {
      case "showCrm":
        return [message.phone, message.additionalParams, message.requestId];
      case "showCrmDetailed":
        return [message.recordInfo];
      case "getDispositionCodesHandler":
      case "getDispositionCodeWithClassHandler":
        return [message.dispositionCodes];
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

    if (Object.prototype.hasOwnProperty.call(callbacks, method)) {
      var callback = callbacks[method];
      delete callbacks[method];
      callback(message.result === undefined ? message : { result: message.result });
      return;
    }
    if (method === "onLoadHandler") {
      toolbarLoaded = true;
      flush();
    }
    if (method === "intializeExtensionInfo") {
      if (typeof window.getExtensionInfo === "function") {
        var info = window.getExtensionInfo() || {};
        send({ method: "setExtensionMetadata", extensionName: info.name, extensionPhone: info.phone });
      }
      return;
    }
    var names = ALIASES[method] || [method];
    var args = argumentsFor(message);
    for (var i = 0; i < names.length; i++) fire(names[i], args);
  }

  function request(method, fields, callback) {
    counter += 1;
    var id = method + "_" + counter;
    if (typeof callback === "function") callbacks[id] = callback;
    fields.method = method;
    fields.requestMethodId = id;
    send(fields);
  }

  function lastFunction(args) {
    for (var i = args.length - 1; i >= 0; i--) {
      if (typeof args[i] === "function") return { index: i, fn: args[i] };
    }
    return { index: args.length, fn: null };
  }

  var integration = {
    registerCustomFunction: function (name, obj) {
      registry[name] = obj;
    },
    doLogin: function (username, password, authPolicy) {
      send({ method: "doLogin", username: username, password: password, authPolicy: authPolicy });
    },
    doForceLogin: function () {
      send({ method: "doForceLogin" });
    },
    doLogout: function () {
      send({ method: "doLogout" });
    },
    doDial: function (phone, customerId, additionalParams, searchable, customerRecords, campaignId) {
      send({
        method: "doDial",
        phone: phone,
        customerId: customerId,
        additionalParams: additionalParams,
        searchable: searchable,
        customerRecords: customerRecords,
        campaignId: campaignId,
      });
    },
    populateNumberInDialBox: function (phone) {
      send({ method: "populateNumberInDialBox", phone: phone });
    },
    getDispositionCodes: function (campaignId) {
      send({ method: "getDispositionCodes", campaignId: campaignId });
    },
    getDispositionCodesWithDispositionClass: function (campaignId) {
      send({ method: "getDispositionCodesWithDispositionClass", campaignId: campaignId });
    },
    disposeCallByDisposition: function (dispositionCode, crtObjectId, additionalNote) {
      send({
        method: "disposeCallByDisposition",
        dispositionCode: dispositionCode,
        crtObjectId: crtObjectId,
        additionalParameters: additionalNote,
      });
    },
    disposeAndScheduleCallback: function (
      phoneNumber,
      selfCallBack,
      callBackTime,
      callBackParams,
      additionalParameters,
    ) {
      send({
        method: "disposeAndScheduleCallback",
        phoneNumber: phoneNumber,
        selfCallBack: selfCallBack,
        callBackTime: callBackTime,
        callBackParams: callBackParams,
        additionalParameters: additionalParameters,
      });
    },
    disposeNDial: function (dispositionCode, phone) {
      send({ method: "disposeNDial", dispositionCode: dispositionCode, phone: phone });
    },
    setLoginInfo: function (userId, password) {
      send({ method: "setLoginCredentials", userId: userId, password: password });
    },
    setExtensionInfo: function (info) {
      info = info || {};
      send({ method: "setExtensionMetadata", extensionName: info.name, extensionPhone: info.phone });
    },
    setBaseUrl: function (url) {
      baseUrl = url;
    },
    getBaseUrl: function () {
      return baseUrl;
    },
    api: {
      // The callback is the last argument that is a function (the documented example passes
      // it fourth, in the place of recordType).
      setRecordInfoForShowCrm: function () {
        var args = Array.prototype.slice.call(arguments);
        var found = lastFunction(args);
        var values = args.slice(0, found.index);
        request(
          "recordInfoForShowCrm",
          {
            showCrmrequestId: values[0],
            recordId: values[1],
            recordName: values[2],
            recordType: values[3],
            additionalInfo: values[4],
          },
          found.fn,
        );
      },
    },
  };

  window.ameyo = window.ameyo || {};
  window.ameyo.integration = integration;
  window.addEventListener("message", receive);
})();
