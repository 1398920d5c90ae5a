// The CRM API's methods that the core toolbar does not carry itself: selectExtension, hideUI
// (configureUI), refreshTelephony and setRecordInfoForCrt. Each does the real thing through
// the toolbar's socket and view; each answers a request that carries requestMethodId with
// {status: "success"} or {status: "failed", code, reason}.

const HIDDEN = "crmHidden"; // data-crm-hidden: toolbar.css hides it whatever render() says

export function crmCommands(toolbar) {
  const bridge = toolbar.bridge;
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
    // selectExtension(callContextId, phone): bind the provisioned extension with that phone
    // (or name); a callContextId naming one of the agent's campaigns (id or name) selects it.
    selectExtension: async (message) => {
      const phone = String(message.phone ?? "").trim();
      if (!toolbar.snapshot) {
        bridge.extensionFailed("log in first", { extensionName: null, phone });
        failed(message, { code: "not_authenticated", message: "log in first" });
        return;
      }
      // A large center's snapshot lists no extensions: the server finds the one with the phone.
      const extension = toolbar.snapshot.extensions.find((e) => e.phone === phone || e.name === phone);
      if (!extension && (toolbar.snapshot.extensionsListed !== false || !phone)) {
        const reason = `no extension with phone '${phone}' is provisioned`;
        bridge.extensionFailed(reason, { extensionName: null, phone });
        failed(message, { code: "unknown_extension", message: reason });
        return;
      }
      const fields = extension ? { name: extension.name, phone: extension.phone } : { phone };
      try {
        await toolbar.act("extension.select", fields);
      } catch (error) {
        bridge.extensionFailed(error.message, { extensionName: extension?.name ?? null, phone });
        failed(message, error);
        return;
      }
      const context = message.callContextId == null ? "" : String(message.callContextId);
      const campaign = toolbar.snapshot?.campaigns.find((c) => c.id === context || c.name === context);
      if (campaign && campaign.id !== toolbar.snapshot.agent.campaignId) {
        try {
          await toolbar.act("campaign.select", { campaignId: campaign.id });
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
        const answer = await toolbar.act("snapshot");
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
      const fields = {
        crtObjectId: String(message.crtObjectId ?? ""),
        recordId: String(message.recordId ?? ""),
      };
      if (message.recordName != null) fields.recordName = String(message.recordName);
      if (message.recordType != null) fields.recordType = String(message.recordType);
      try {
        await toolbar.act("call.record", fields);
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
