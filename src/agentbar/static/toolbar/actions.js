// What the agent asks for, from the toolbar's own controls or through the CRM page: each is
// one socket command; a refusal is shown in place, and the CRM page hears the outcome of the
// moves it has handlers for. The screen changes when the server's next view says so.

import { refused, succeeded } from "./outcomes.js";

export class Actions {
  constructor(toolbar) {
    this.toolbar = toolbar;
  }

  get crm() {
    return this.toolbar.crm;
  }

  async act(cmd, fields = {}) {
    const view = this.toolbar.view;
    view.clearError();
    try {
      return await this.toolbar.socket.request(cmd, fields);
    } catch (error) {
      view.error(error.message);
      throw error;
    }
  }

  async takeBreak(reason) {
    try {
      await this.act("presence.break", { reason: String(reason ?? "") });
    } catch {
      // shown in place by act(); the CRM hears of the break only when it happens
    }
  }

  async setAutoCall(on) {
    try {
      await this.act("presence.auto_call", { on: Boolean(on) });
    } catch (error) {
      this.crm.autoCall(on, error.message);
      this.toolbar.render(); // the checkbox shows what is, not what was asked
    }
  }

  async chooseExtension(name, phone) {
    try {
      // Either may be missing (typed by the agent, or named by the CRM): the server resolves it.
      const fields = {};
      if (name != null && String(name).trim()) fields.name = String(name).trim();
      if (phone != null && String(phone).trim()) fields.phone = String(phone).trim();
      await this.act("extension.select", fields);
    } catch (error) {
      this.crm.extensionFailed(error.message, { name, phone });
    }
  }

  async dispositionCodes(campaignId) {
    const fields = campaignId ? { campaignId: String(campaignId) } : {};
    return (await this.act("disposition.list", fields)).dispositionCodes;
  }

  // `callRef`: the call meant (its id or either party's leg id), when the caller names one.
  async dispose(code, callRef, note, callbackAt = null) {
    try {
      const fields = { code: String(code ?? "") };
      if (callRef) fields.callRef = String(callRef);
      if (note) fields.note = noteText(note);
      if (callbackAt) fields.callback = { at: callbackAt, selfCallback: true };
      await this.act("disposition.dispose", fields);
      this.crm.disposed("success");
      return succeeded();
    } catch (error) {
      this.crm.dispositionFailed(error.message);
      return refused(error.message);
    }
  }

  // The 'Callback' disposition plus a scheduled call back: `callback` is {at, selfCallback,
  // phone?, params?}.
  async disposeWithCallback(callback, note) {
    try {
      const fields = { code: "Callback", callback };
      if (note) fields.note = noteText(note);
      const answer = await this.act("disposition.dispose", fields);
      this.crm.disposed("success");
      this.crm.callbackScheduled(answer.callbackId, callback.at);
    } catch (error) {
      this.crm.callbackFailed(error.message);
    }
  }

  async disposeAndDial(code, phone) {
    try {
      const answer = await this.act("disposition.dispose_and_dial", {
        code: String(code ?? ""),
        phone: String(phone ?? ""),
      });
      this.crm.disposedAndDialled(answer.callId);
    } catch (error) {
      this.crm.dispositionFailed(error.message);
    }
  }

  async dial(phone, callType, extra = {}) {
    try {
      const fields = { phone: String(phone ?? ""), callType };
      if (extra.customerId != null) fields.customerId = String(extra.customerId);
      if (extra.campaignId != null && extra.campaignId !== "") fields.campaignId = String(extra.campaignId);
      if (extra.additionalParams && typeof extra.additionalParams === "object") {
        fields.additionalParams = extra.additionalParams;
      }
      const answer = await this.act("call.dial", fields);
      return succeeded({ callId: answer.callId });
    } catch (error) {
      this.crm.dialFailed(error.message);
      return refused(error.message);
    }
  }

  transfer(kind, target) {
    return this.act("call.transfer", { kind, target: String(target ?? "").trim() }).catch(() => null);
  }

  conference(kind, target) {
    return this.act("call.conference", { kind, target: String(target ?? "").trim() }).catch(() => null);
  }

  // The CRM record shown for a screen pop; refused (thrown) if the server knows no such pop.
  acknowledgeScreenPop(screenPopId, recordId) {
    return this.toolbar.socket.request("screen_pop.ack", {
      screenPopId: String(screenPopId ?? ""),
      recordId: String(recordId ?? ""),
    });
  }

  // The CRM record a call belongs to, the call named by its id or either party's leg id.
  recordCall(callRef, recordId, recordName, recordType) {
    const fields = { callRef: String(callRef ?? ""), recordId: String(recordId ?? "") };
    if (recordName != null) fields.recordName = String(recordName);
    if (recordType != null) fields.recordType = String(recordType);
    return this.act("call.record", fields);
  }
}

function noteText(note) {
  return typeof note === "string" ? note : JSON.stringify(note);
}

// A callback time as CRMs pass it (epoch milliseconds, ISO 8601, or "yyyy-MM-dd HH:mm:ss" in
// the agent's own time zone) as an ISO instant, or null.
export function callbackInstant(value) {
  if (value === null || value === undefined || value === "") return null;
  const date =
    typeof value === "number" ? new Date(value) : new Date(String(value).trim().replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
