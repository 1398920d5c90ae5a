// The CRM bridge: the postMessage channel to the CRM page (the older glue files' wire format:
// JSON strings with a `method` field). Only the parent window, at the CRM origin the toolbar
// was given and the server allows, is heard or spoken to; never '*'. Each request that carries
// a requestMethodId gets exactly one answer. handlers.js says what goes out on it, commands.js
// what comes in.

export function crmPageUrl(search) {
  // The documented snippet appends window.location.href unencoded, so the CRM URL is
  // everything after "origin=", its own query string included.
  const at = search.indexOf("origin=");
  if (at < 0) return null;
  const raw = search.slice(at + "origin=".length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function originOf(url) {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

export class CrmBridge {
  constructor(crmOrigin, commands = {}) {
    this.crmOrigin = crmOrigin;
    this.commands = commands; // method name -> function(message)
    this.listener = (event) => this.receive(event);
    this.answered = new Set(); // requestMethodIds a command answered itself
  }

  start() {
    window.addEventListener("message", this.listener);
  }

  receive(event) {
    if (event.source !== window.parent || event.origin !== this.crmOrigin) {
      console.warn(
        `agentbar: ignored a message from ${event.origin || "an unknown origin"}: ` +
          `only the CRM page at ${this.crmOrigin} may command this toolbar`,
      );
      return;
    }
    let message;
    try {
      message = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch {
      console.warn("agentbar: ignored a message that is not JSON", event.data);
      return;
    }
    if (!message || typeof message.method !== "string") {
      console.warn("agentbar: ignored a message without a method", event.data);
      return;
    }
    const requestId =
      typeof message.requestMethodId === "string" && message.requestMethodId
        ? message.requestMethodId
        : null;
    const command = this.commands[message.method];
    if (!command) {
      console.warn(`agentbar: method '${message.method}' is not supported by this toolbar`);
      if (requestId) {
        this.answer(requestId, {
          status: "failed",
          code: "unsupported_method",
          reason: `method '${message.method}' is not supported by this toolbar`,
        });
      }
      return;
    }
    const outcome = command(message);
    // Every request that carries an id gets exactly one answer: the command's own (a screen
    // pop's acknowledgement) or, once it has finished, its outcome — "success" or "failed"
    // with the reason, for the commands that report one, else "done". The handlers heard of
    // it first; a caller matching answers by id learns its own request's fate from this alone.
    if (requestId) {
      Promise.resolve(outcome).then(
        (value) => this.settle(requestId, value),
        (error) => this.settle(requestId, { error }),
      );
    }
  }

  settle(requestId, value) {
    if (this.answered.delete(requestId)) return;
    const result = { status: "done" };
    if (value?.error) {
      Object.assign(result, { status: "failed", reason: String(value.error.message) });
    } else if (value?.outcome === "failed") {
      Object.assign(result, { status: "failed", reason: value.reason });
    } else if (value?.outcome === "success") {
      result.status = "success";
      if (value.callId) result.callId = value.callId;
      if (value.dispositionCodes) result.dispositionCodes = value.dispositionCodes;
    }
    this.post(requestId, { result });
  }

  // More commands (those of the CRM API the core toolbar does not carry itself).
  extend(commands) {
    this.commands = { ...this.commands, ...commands };
  }

  post(method, fields = {}) {
    window.parent.postMessage(JSON.stringify({ method, ...fields }), this.crmOrigin);
  }

  answer(requestMethodId, result) {
    if (typeof requestMethodId === "string" && requestMethodId) {
      this.answered.add(requestMethodId);
      this.post(requestMethodId, { result });
    }
  }
}
