// The CRM bridge: the one place where the Generic Toolbar CRM integration's names live.
// Messages are JSON strings with a `method` field (the older glue files' wire format). Only the
// parent window, at the CRM origin the toolbar was given and the server allows, is heard or
// spoken to; never '*'.

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

// Transfers and conferences: the toolbar's kind -> the handler a CRM page registers, and the
// reason text it receives (the integration guide's wording).
const TRANSFER_HANDLERS = {
  phone: ["transferToPhoneHandler", "transfer to phone request sent"],
  incall: ["transferInCallHandler", "transfer to phone incall request sent"],
  queue: ["transferToAQHandler", "transfer to agent queue request sent"],
  ivr: ["transferToIVRHandler", "transfer to ivr request sent"],
  user: ["transferToUserHandler", "transfer to user request sent"],
  campaign: ["transferToCampaignHandler", "transfer to campaign request sent"],
};
const CONFERENCE_HANDLERS = {
  phone: ["conferWithPhoneHandler", "confer phone request sent"],
  tpv: ["conferWithTPVHandler", "confer with tpv request sent"],
  user: ["conferWithUserHandler", "confer with user request sent"],
  ivr: ["conferWithLocalIVRHandler", "confer with local ivr request sent"],
};

export class CrmBridge {
  constructor(crmOrigin, commands) {
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

  // -- the toolbar's events, under the names CRM pages register ---------------------------

  loaded() {
    this.post("onLoadHandler");
  }

  loginResult(reason) {
    this.post("loginHandler", { reason });
  }

  loginStatus(loggedIn) {
    this.post("loginStatusHandler", { reason: loggedIn ? "logged in" : "logged out" });
  }

  forceLogin(responseText) {
    this.post("forceLoginHandler", { reason: "forceLoginRequired", responseText });
  }

  loggedOut(reason) {
    this.post("logoutHandler", { reason });
  }

  askExtension() {
    this.post("intializeExtensionInfo");
  }

  extensionSelected(data) {
    const method = data.changed ? "modifyExtensionHandler" : "selectExtensionHandler";
    this.post(method, {
      reason: "success",
      userCustomerCRTInfo: { extensionName: data.name, phone: data.phone },
    });
  }

  extensionFailed(reason, extension) {
    this.post("selectExtensionHandler", { reason, userCustomerCRTInfo: extension });
  }

  campaignSelected(data) {
    this.post("selectCampaignHandler", {
      reason: `${data.campaign_name}(${data.campaign_id})`,
      campaignId: data.campaign_id,
      campaignName: data.campaign_name,
    });
  }

  autoCall(on, reason = "success") {
    this.post(on ? "autoCallOnHandler" : "autoCallOffHandler", { reason });
  }

  presence(data) {
    if (data.state === "ready") this.post("readyHandler", { reason: "available" });
    else if (data.state === "break") this.post("breakHandler", { reason: data.reason });
  }

  screenPop(data) {
    const crt = crtInfo(data);
    // What the CRM gave the dial comes first, so it can never overwrite the call's own ids.
    const additionalParams = {
      ...(data.crm_params || {}),
      callType: data.call_type,
      campaignName: data.campaign_name,
      crtObjectId: data.user_crt,
      ...crt,
    };
    this.post("showCrm", {
      phone: data.phone,
      requestId: data.show_crm_request_id,
      additionalParams,
    });
    this.post("showCrmDetailed", {
      recordInfo: { phone: data.phone, requestId: data.show_crm_request_id, ...additionalParams },
    });
  }

  callInitiated(data) {
    this.post("callInitiatedHandler", { reason: "success", userCustomerCRTInfo: crtInfo(data) });
  }

  dialFailed(reason) {
    this.post("failedDoDialNotifyHandler", { reason });
  }

  callEnded(data) {
    this.post("hangupHandler", { reason: "success", userCustomerCRTInfo: crtInfo(data) });
  }

  transferRequested(data) {
    const known = TRANSFER_HANDLERS[data.transfer_kind];
    if (!known) return;
    const [method, reason] = known;
    this.post(method, {
      reason,
      userCustomerCRTInfo: {
        ...crtInfo(data),
        legCrtObjectId: data.leg_id ?? null,
        transferKind: data.transfer_kind,
        target: data.target,
        newCallId: data.new_call_id ?? null,
      },
    });
  }

  conferenceRequested(data) {
    const known = CONFERENCE_HANDLERS[data.conference_kind];
    if (!known) return;
    const [method, reason] = known;
    this.post(method, {
      reason,
      userCustomerCRTInfo: {
        ...crtInfo(data),
        legCrtObjectId: data.leg_id,
        conferenceKind: data.conference_kind,
        target: data.target,
      },
    });
  }

  dispositionCodes(method, dispositionCodes) {
    this.post(method, { dispositionCodes });
  }

  disposed(reason) {
    this.post("disposeCallByDispositionCodeHandler", { reason });
  }

  callbackScheduled(callbackId, callbackTime) {
    this.post("callbackSuccessNotifyHandler", { reason: "success", callbackId, callbackTime });
  }

  callbackFailed(reason) {
    this.post("failedScheduleCallBackNotifyHandler", { reason });
    this.post("failedDispositionNotifyHandler", { reason });
  }

  disposedAndDialled(callId) {
    // One answer for both halves: the disposition's result and the dial's outcome.
    this.post("disposeAndDialHandler", { reason: "success", dialStatus: "success", callId });
  }

  dispositionFailed(reason) {
    this.post("failedDispositionNotifyHandler", { reason });
  }

  answer(requestMethodId, result) {
    if (typeof requestMethodId === "string" && requestMethodId) {
      this.answered.add(requestMethodId);
      this.post(requestMethodId, { result });
    }
  }

  // The embed doctor's diagnosis, for a CRM page that registered embedErrorHandler.
  embedError(code, message, fix) {
    this.post("embedErrorHandler", { code, message, fix });
  }
}

function crtInfo(data) {
  return {
    userCrtObjectId: data.user_crt,
    customerCrtObjectId: data.customer_crt,
    callId: data.call_id,
    campaignId: data.campaign_id,
    phone: data.phone,
  };
}
