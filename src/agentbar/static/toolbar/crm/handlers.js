// What the toolbar tells the CRM page, under the handler names CRM pages register: the
// toolbar's own news (loaded, logged in, a command's outcome) and the agent's events, which
// arrive in agentbar's names and leave in the CRM API's.

import { CrmBridge } from "./bridge.js";
import { CONFERENCE_HANDLERS, TRANSFER_HANDLERS, crtInfo, screenPopParams } from "./names.js";

export class CrmPage extends CrmBridge {
  // An event for the agent, told to the CRM page if it is news there. The toolbar decides
  // whether to tell at all (the leading tab, one screen pop per call).
  announce(frame) {
    const data = frame.data;
    switch (frame.event) {
      case "agent.extension_selected":
        this.extensionSelected(data);
        break;
      case "agent.campaign_selected":
        this.campaignSelected(data);
        break;
      case "agent.auto_call_changed":
        this.autoCall(data.on);
        break;
      case "agent.state_changed":
        this.presence(data);
        break;
      case "call.dialing":
        this.post("callInitiatedHandler", { reason: "success", userCustomerCRTInfo: crtInfo(data) });
        break;
      case "call.screen_pop":
        this.screenPop(data);
        break;
      case "call.transfer_requested":
        this.transferRequested(data);
        break;
      case "call.conference_requested":
        this.conferenceRequested(data);
        break;
      case "call.ended":
        this.post("hangupHandler", { reason: "success", userCustomerCRTInfo: crtInfo(data) });
        break;
    }
  }

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
    this.post("selectExtensionHandler", {
      reason,
      userCustomerCRTInfo: { extensionName: extension.name, phone: extension.phone },
    });
  }

  campaignSelected(data) {
    this.post("selectCampaignHandler", {
      reason: `${data.campaignName}(${data.campaignId})`,
      campaignId: data.campaignId,
      campaignName: data.campaignName,
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
    const additionalParams = screenPopParams(data);
    this.post("showCrm", { phone: data.phone, requestId: data.screenPopId, additionalParams });
    this.post("showCrmDetailed", {
      recordInfo: { phone: data.phone, requestId: data.screenPopId, ...additionalParams },
    });
  }

  dialFailed(reason) {
    this.post("failedDoDialNotifyHandler", { reason });
  }

  transferRequested(data) {
    const known = TRANSFER_HANDLERS[data.transferKind];
    if (!known) return;
    const [method, reason] = known;
    this.post(method, {
      reason,
      userCustomerCRTInfo: {
        ...crtInfo(data),
        legCrtObjectId: data.legId ?? null,
        transferKind: data.transferKind,
        target: data.target,
        newCallId: data.newCallId ?? null,
      },
    });
  }

  conferenceRequested(data) {
    const known = CONFERENCE_HANDLERS[data.conferenceKind];
    if (!known) return;
    const [method, reason] = known;
    this.post(method, {
      reason,
      userCustomerCRTInfo: {
        ...crtInfo(data),
        legCrtObjectId: data.legId,
        conferenceKind: data.conferenceKind,
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

  // The embed doctor's diagnosis, for a CRM page that registered embedErrorHandler.
  embedError(code, message, fix) {
    this.post("embedErrorHandler", { code, message, fix });
  }
}
