// A CRM's OWN copy of an older glue file, as deployed CRMs ship it inside their code. Written
// for the tests from SPEC.md §4's wire table only — NOT agentbar's glue: it fires only the old
// handler names, JSON.parses every message, has no queue and no promise API.
var ameyo = window.ameyo || {};
ameyo.integration = (function () {
  var customFunctions = {};
  var callbacks = {};
  var counter = 0;
  var ameyoBaseUrl = "";

  function frameWindow() {
    return document.getElementById("ameyoIframe").contentWindow;
  }
  function targetOrigin() {
    return new URL(ameyoBaseUrl || document.getElementById("ameyoIframe").src).origin;
  }
  function post(message) {
    frameWindow().postMessage(JSON.stringify(message), targetOrigin());
  }
  function invoke(name, args) {
    var obj = customFunctions[name];
    if (obj && obj[name]) obj[name].apply(obj, args);
  }
  window.addEventListener("message", function (event) {
    if (event.source !== frameWindow()) return;
    var data = JSON.parse(event.data);
    if (callbacks[data.method]) {
      var callback = callbacks[data.method];
      delete callbacks[data.method];
      callback({ result: data.result });
      return;
    }
    switch (data.method) {
      case "intializeExtensionInfo":
        var info = window.getExtensionInfo();
        post({ method: "setExtensionMetadata", extensionName: info.name, extensionPhone: info.phone });
        return;
      case "showCrm":
        invoke("showCrm", [data.phone, data.additionalParams, data.requestId]);
        return;
      case "showCrmDetailed":
        invoke("showCrmDetailed", [data.recordInfo]);
        return;
      case "getDispositionCodesHandler":
      case "getDispositionCodeWithClassHandler":
        invoke(data.method, [data.dispositionCodes]);
        return;
      default:
        invoke(data.method, [data.reason, data.userCustomerCRTInfo]);
    }
  });
  return {
    registerCustomFunction: function (name, obj) { customFunctions[name] = obj; },
    setBaseUrl: function (url) { ameyoBaseUrl = url; },
    doLogin: function (u, p, policy) { post({ method: "doLogin", username: u, password: p, authPolicy: policy }); },
    doLogout: function () { post({ method: "doLogout" }); },
    getDispositionCodes: function (campaignId) { post({ method: "getDispositionCodes", campaignId: campaignId }); },
    disposeCallByDisposition: function (code, crt, note) {
      post({ method: "disposeCallByDisposition", dispositionCode: code, crtObjectId: crt, additionalParameters: note });
    },
    api: {
      setRecordInfoForShowCrm: function (requestId, recordId, recordName, callback) {
        counter += 1;
        var id = "recordInfoForShowCrm_" + counter;
        callbacks[id] = callback;
        post({ method: "recordInfoForShowCrm", showCrmrequestId: requestId, recordId: recordId,
               recordName: recordName, requestMethodId: id });
      },
    },
  };
})();
window.ameyo = ameyo;
