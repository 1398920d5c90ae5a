// The CRM page's methods (the `method` of its messages, with the CRM API's field names), each
// turned into what the toolbar does: a session move, an action, a prefilled field. The plain
// ones report through the bridge's settle (a {outcome} value); the rest answer a request that
// carries requestMethodId themselves, with {status: "success"} or {status: "failed", code,
// reason}.

import { callbackInstant } from "../actions.js";
import { refused, succeeded } from "../outcomes.js";
import { DISPOSITION_CODES, DISPOSITION_CODES_WITH_CLASS } from "./names.js";

const HIDDEN = "crmHidden"; // data-crm-hidden: toolbar.css hides it whatever render() says

export function crmCommands(toolbar) {
  return { ...plainCommands(toolbar), ...answeringCommands(toolbar) };
}

function plainCommands(toolbar) {
  const { session, actions, view, crm } = toolbar;
  const listCodes = async (handler, campaignId) => {
    try {
      const dispositionCodes = await actions.dispositionCodes(campaignId);
      crm.dispositionCodes(handler, dispositionCodes);
      return succeeded({ dispositionCodes });
    } catch (error) {
      crm.dispositionFailed(error.message);
      return refused(error.message);
    }
  };
  return {
    doLogin: (m) => session.login(m.username, m.password, m.authPolicy),
    doForceLogin: () => session.forceLogin(),
    doLogout: () => session.logout(),
    setLoginCredentials: (m) => view.prefillLogin(m.userId, m.password),
    setExtensionMetadata: (m) => actions.chooseExtension(m.extensionName, m.extensionPhone),
    getDispositionCodes: (m) => listCodes(DISPOSITION_CODES, m.campaignId),
    getDispositionCodesWithDispositionClass: (m) =>
      listCodes(DISPOSITION_CODES_WITH_CLASS, m.campaignId),
    disposeCallByDisposition: (m) =>
      actions.dispose(m.dispositionCode, m.crtObjectId, m.additionalParameters),
    doDial: (m) =>
      actions.dial(m.phone, "click_to_dial", {
        customerId: m.customerId,
        campaignId: m.campaignId,
        additionalParams: m.additionalParams,
      }),
    populateNumberInDialBox: (m) => view.prefillDial(m.phone),
    disposeNDial: (m) => actions.disposeAndDial(m.dispositionCode, m.phone),
    disposeAndScheduleCallback: (m) => scheduleCallback(toolbar, m),
  };
}

// disposeAndScheduleCallback: the 'Callback' disposition plus a scheduled call back.
function scheduleCallback(toolbar, message) {
  const at = callbackInstant(message.callBackTime);
  if (!at) {
    toolbar.crm.callbackFailed(`callback time '${message.callBackTime}' is not a date and time`);
    return undefined;
  }
  const callback = { at, selfCallback: Boolean(message.selfCallBack) };
  if (message.phoneNumber) callback.phone = String(message.phoneNumber);
  if (message.callBackParams && typeof message.callBackParams === "object") {
    callback.params = message.callBackParams;
  }
  return toolbar.actions.disposeWithCallback(callback, message.additionalParameters);
}

function answeringCommands(toolbar) {
  const bridge = toolbar.crm;
  const actions = toolbar.actions;
  const failed = (message, error) =>
    bridge.answer(message.requestMethodId, {
      status: "failed",
      code: error.code ?? "failed",
      reason: error.message ?? String(error),
    });
  const loggedIn = (message) => {
    if (toolbar.snapshot) return true;
    failed(message, { code: "not_authenticated", message: "log in first" });
    return false;
  };

  return {
    // api.setRecordInfoForShowCrm: the CRM record shown for a screen pop.
    recordInfoForShowCrm: async (message) => {
      try {
        await actions.acknowledgeScreenPop(message.showCrmrequestId, message.recordId);
        bridge.answer(message.requestMethodId, { status: "success" });
      } catch (error) {
        bridge.answer(message.requestMethodId, { status: "failed", reason: error.message });
      }
    },

    // selectExtension(callContextId, phone): bind the provisioned extension with that phone
    // (or name); a callContextId naming one of the agent's campaigns (id or name) selects it.
    selectExtension: async (message) => {
      const phone = String(message.phone ?? "").trim();
      if (!toolbar.snapshot) {
        bridge.extensionFailed("log in first", { name: null, phone });
        failed(message, { code: "not_authenticated", message: "log in first" });
        return;
      }
      // A large center's snapshot lists no extensions: the server finds the one with the phone.
      const extension = toolbar.snapshot.extensions.find((e) => e.phone === phone || e.name === phone);
      if (!extension && (toolbar.snapshot.extensionsListed !== false || !phone)) {
        const reason = `no extension with phone '${phone}' is provisioned`;
        bridge.extensionFailed(reason, { name: null, phone });
        failed(message, { code: "unknown_extension", message: reason });
        return;
      }
      const fields = extension ? { name: extension.name, phone: extension.phone } : { phone };
      try {
        await actions.act("extension.select", fields);
      } catch (error) {
        bridge.extensionFailed(error.message, { name: extension?.name ?? null, phone });
        failed(message, error);
        return;
      }
      const context = message.callContextId == null ? "" : String(message.callContextId);
      const campaign = toolbar.snapshot?.campaigns.find((c) => c.id === context || c.name === context);
      if (campaign && campaign.id !== toolbar.snapshot.agent.campaignId) {
        try {
          await actions.act("campaign.select", { campaignId: campaign.id });
        } catch (error) {
          failed(message, error);
          return;
        }
      }
      bridge.answer(message.requestMethodId, { status: "success" });
    },

    // hideUI(uiElements): the controls named (their data-testid, as in docs/toolbar.md) are
    // hidden; each call gives the whole set, so hideUI([]) shows everything again.
    configureUI: (message) => {
      const names = uiNames(message.uiElements);
      const unknown = names.filter((name) => !document.querySelector(`[data-testid="${cssName(name)}"]`));
      for (const element of document.querySelectorAll("[data-crm-hidden]")) {
        delete element.dataset[HIDDEN];
      }
      for (const name of names) {
        for (const element of document.querySelectorAll(`[data-testid="${cssName(name)}"]`)) {
          // A control inside a <label> goes with its label, or the caption would stay behind.
          const target = element.closest("label") ?? element;
          target.dataset[HIDDEN] = "";
          element.dataset[HIDDEN] = "";
        }
      }
      if (unknown.length) {
        const reason = `unknown UI elements: ${unknown.join(", ")} (names are the toolbar's data-testids)`;
        console.warn(`agentbar: ${reason}`);
        failed(message, { code: "unknown_ui_element", message: reason });
        return;
      }
      bridge.answer(message.requestMethodId, { status: "success", hidden: names });
    },

    // refreshTelephony(crtObjectId): read the agent's state afresh and render it.
    refreshTelephony: async (message) => {
      if (!loggedIn(message)) return;
      try {
        const answer = await actions.act("snapshot");
        toolbar.applySnapshot(answer.snapshot);
        bridge.answer(message.requestMethodId, {
          status: "success",
          state: answer.snapshot.agent.state,
          callId: answer.snapshot.call?.callId ?? null,
        });
      } catch (error) {
        failed(message, error);
      }
    },

    // setRecordInfoForCrt(crtObjectId, recordId, ...): the CRM record of a call, named by
    // either leg's CRT id, stored on the call as a screen pop's acknowledgement is.
    setRecordInfoForCrt: async (message) => {
      if (!loggedIn(message)) return;
      try {
        const { crtObjectId, recordId, recordName, recordType } = message;
        await actions.recordCall(crtObjectId, recordId, recordName, recordType);
        bridge.answer(message.requestMethodId, { status: "success" });
      } catch (error) {
        failed(message, error);
      }
    },
  };
}

function uiNames(value) {
  const list = Array.isArray(value) ? value : String(value ?? "").split(/[\s,]+/);
  return list.map((name) => String(name).trim()).filter(Boolean);
}

function cssName(name) {
  return CSS.escape(name);
}
