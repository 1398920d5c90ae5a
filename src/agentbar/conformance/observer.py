"""The init script the kit adds to the CRM page: it watches the page's integration from inside
without the page changing a line.

It runs before any script of the page (top window only) and
- hooks `window.ameyo.integration` as the glue script sets it: every method the page calls is
  noted (kind `call`), and `registerCustomFunction(name, obj)` is noted (kind `register`) and
  passed a stand-in object whose `name` calls `obj[name]` with `obj` as `this`, so each time the
  glue fires a handler it is noted (kind `handler`, and `handler_error` when it throws);
- notes every message a child window posts to the page (kind `event`: the toolbar's handler
  names and its answers to requests).

Notes live in `window.__agentbarKit.records` and in sessionStorage, so a navigation or a reload
keeps what came before. `originals` holds the glue's own methods, for the kit's own calls
(which must not count as the page's).
"""

from __future__ import annotations

RECORDS_KEY = "agentbar-conformance.records"

OBSERVER_JS = r"""
(() => {
  "use strict";
  if (window.top !== window || window.__agentbarKit) return;
  const KEY = "__KEY__";
  const METHODS = [
    "doLogin", "doForceLogin", "doLogout", "doDial", "populateNumberInDialBox",
    "getDispositionCodes", "getDispositionCodesWithDispositionClass", "disposeCallByDisposition",
    "disposeNDial", "disposeAndScheduleCallback", "setLoginInfo", "setExtensionInfo",
    "selectExtension", "hideUI", "refreshTelephony", "setRecordInfoForCrt", "setBaseUrl",
  ];
  let records = [];
  try { records = JSON.parse(sessionStorage.getItem(KEY) || "[]"); } catch (e) { records = []; }
  const kit = { records: records, originals: {}, glue: null };
  Object.defineProperty(window, "__agentbarKit", { value: kit });

  function plain(value) {
    try {
      const text = JSON.stringify(value, (key, v) => (typeof v === "function" ? "[function]" : v));
      return text === undefined ? null : JSON.parse(text);
    } catch (e) {
      return String(value);
    }
  }

  function note(record) {
    record.t = Date.now();
    records.push(record);
    try { sessionStorage.setItem(KEY, JSON.stringify(records)); } catch (e) { /* memory only */ }
  }

  kit.find = (query) => records.find((r) =>
    (!query.kind || r.kind === query.kind) &&
    (!query.names || query.names.includes(r.name)) &&
    (!query.since || r.t >= query.since) &&
    (!query.prefix || r.name.indexOf(query.prefix) === 0) &&
    (query.arg0 === undefined || (r.args && r.args[0] === query.arg0)));

  note({ kind: "document", url: location.href });

  window.addEventListener("message", (event) => {
    if (event.source === window || typeof event.data !== "string") return;
    let message = null;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (!message || typeof message.method !== "string") return;
    note({ kind: "event", name: message.method, origin: event.origin, data: plain(message) });
  }, true);

  function standIn(name, holder) {
    const proxy = {};
    proxy[name] = function () {
      const args = Array.prototype.slice.call(arguments);
      const fn = holder == null ? undefined : holder[name];
      note({ kind: "handler", name: name, args: plain(args), callable: typeof fn === "function" });
      if (typeof fn !== "function") return undefined;
      try {
        return fn.apply(holder, args);
      } catch (error) {
        note({ kind: "handler_error", name: name, error: String((error && error.stack) || error) });
        throw error;
      }
    };
    return proxy;
  }

  function registering(original, self) {
    return function (name, holder) {
      name = String(name);
      let shape = "object";
      if (holder == null) shape = "nothing";
      else if (typeof holder === "function") shape = "function";
      note({
        kind: "register", name: name, shape: shape,
        hasMethod: holder != null && typeof holder[name] === "function",
      });
      return original.call(self, name, holder == null ? holder : standIn(name, holder));
    };
  }

  function calling(name, original, self) {
    return function () {
      note({ kind: "call", name: name, args: plain(Array.prototype.slice.call(arguments)) });
      return original.apply(self, arguments);
    };
  }

  function wrap(integration) {
    if (!integration || typeof integration !== "object" || integration.__agentbarKitWrapped) {
      return integration;
    }
    Object.defineProperty(integration, "__agentbarKitWrapped", { value: true });
    const script = document.currentScript;
    kit.glue = {
      src: (script && script.src) || "",
      inHead: Boolean(script && script.closest && script.closest("head")),
    };
    note({ kind: "glue", src: kit.glue.src, inHead: kit.glue.inHead });
    METHODS.concat(["registerCustomFunction"]).forEach((name) => {
      const fn = integration[name];
      if (typeof fn !== "function") return;
      kit.originals[name] = function () { return fn.apply(integration, arguments); };
      integration[name] = name === "registerCustomFunction"
        ? registering(fn, integration) : calling(name, fn, integration);
    });
    const api = integration.api;
    if (api && typeof api.setRecordInfoForShowCrm === "function") {
      const ack = api.setRecordInfoForShowCrm;
      kit.originals["api.setRecordInfoForShowCrm"] = function () {
        return ack.apply(api, arguments);
      };
      api.setRecordInfoForShowCrm = calling("api.setRecordInfoForShowCrm", ack, api);
    }
    return integration;
  }

  function hook(ameyo) {
    if (!ameyo || typeof ameyo !== "object") return ameyo;
    let integration = wrap(ameyo.integration);
    try {
      Object.defineProperty(ameyo, "integration", {
        configurable: true, enumerable: true,
        get: () => integration,
        set: (value) => { integration = wrap(value); },
      });
    } catch (e) { /* a frozen object: its integration is already wrapped, if any */ }
    return ameyo;
  }

  let ameyo;
  Object.defineProperty(window, "ameyo", {
    configurable: true, enumerable: true,
    get: () => ameyo,
    set: (value) => { ameyo = hook(value); },
  });
})();
""".replace("__KEY__", RECORDS_KEY)
