// A CRM page's code against agentbar.d.ts: every method and handler, legacy and promise styles.
// tests/unit/test_typings.py type-checks it with tsc; a type error fails the test.

/// <reference path="../../src/agentbar/static/integration/agentbar.d.ts" />

window.getExtensionInfo = () => ({ name: "SIP 1001", phone: "1001" });

const handlers: AgentBarHandlers = {
  onLoadHandler() {},
  loginHandler(status) { console.log(status.toUpperCase()); },
  loginStatusHandler(status) { console.log(status === "logged in"); },
  forceLoginHandler(status, details) { console.log(status, details.responseText); },
  logoutHandler(status) { console.log(status); },
  showCrm(phone, params, requestId) {
    console.log(phone, params.callType, params.userCrtObjectId);
    ameyo.integration.api.setRecordInfoForShowCrm(requestId, "rec-1", phone, (answer) => {
      console.log(answer.result.status);
    });
  },
  showCrmDetailed(info) { console.log(info.requestId); },
  selectExtensionHandler(status, info) { console.log(status, info.phone); },
  modifyExtensionHandler(status, info) { console.log(status, info.extensionName); },
  selectCampaignHandler(campaign, details) { console.log(campaign, details.campaignId); },
  autoCallOnHandler(status) { console.log(status); },
  autoCallOffHandler(status) { console.log(status); },
  readyHandler(status) { console.log(status); },
  breakHandler(reason) { console.log(reason); },
  hangupHandler(status, info) { console.log(status, info.customerCrtObjectId); },
  callInitiatedHandler(status, info) { console.log(status, info.callId); },
  failedDoDialNotifyHandler(reason) { console.log(reason); },
  transferToPhoneHandler(reason, info) { console.log(reason, info); },
  transferInCallHandler(reason, info) { console.log(reason, info); },
  transferToAQHandler(reason, info) { console.log(reason, info); },
  transferToIVRHandler(reason, info) { console.log(reason, info); },
  transferToUserHandler(reason, info) { console.log(reason, info); },
  transferToCampaignHandler(reason, info) { console.log(reason, info); },
  conferWithPhoneHandler(reason, info) { console.log(reason, info); },
  conferWithTPVHandler(reason, info) { console.log(reason, info); },
  conferWithUserHandler(reason, info) { console.log(reason, info); },
  conferWithLocalIVRHandler(reason, info) { console.log(reason, info); },
  handleDispositionCodes(codes) { console.log(codes[0]?.dispositionCodes.join()); },
  getDispositionCodesHandler(codes) { console.log(codes.length); },
  getDispositionCodeWithClassHandler(codes) { console.log(codes.length); },
  handleDisposeCallByDispositionCode(status, details) { console.log(status, details.callId); },
  disposeCallByDispositionCodeHandler(status) { console.log(status); },
  disposeAndDialHandler(status, details) { console.log(status, details.dialStatus); },
  handleFailedDispositionNotifyGeneric(reason) { console.log(reason); },
  failedDispositionNotifyHandler(reason) { console.log(reason); },
  callbackSuccessNotifyHandler(status, details) { console.log(status, details.callbackId); },
  failedScheduleCallBackNotifyHandler(reason) { console.log(reason); },
  embedErrorHandler(code, details) { console.log(code, details.message, details.fix); },
};
for (const name of Object.keys(handlers) as AgentBarHandlerName[]) {
  ameyo.integration.registerCustomFunction(name, handlers);
}

const api = window.ameyo.integration;
api.doLogin("agent1", "agent1", "AUTH_TYPE_PASSWORD");
api.doForceLogin();
api.doLogout();
api.doDial("+14085551212", "cust-7", { ticket: 9 }, true, null, "2");
api.populateNumberInDialBox("+14085551212");
api.getDispositionCodes();
api.getDispositionCodes("2");
api.getDispositionCodesWithDispositionClass("2");
api.disposeCallByDisposition("Sale", "crt-1", "bought");
api.disposeNDial("Sale", "+14085551313");
api.disposeAndScheduleCallback("+14085551212", true, Date.now() + 3600_000, { a: 1 }, "note");
api.setLoginInfo("agent1", "agent1");
api.setExtensionInfo({ name: "SIP 1001", phone: "1001" });
api.selectExtension("Inbound Support", "1001");
api.hideUI(["dial", "auto-call"]);
api.refreshTelephony("crt-1");
api.setRecordInfoForCrt("crt-1", "rec-1", "Jane", "contact", { tier: "gold" });
api.setBaseUrl("https://agentbar.example.com/");
const base: string = api.getBaseUrl();
api.api.setRecordInfoForShowCrm("req-1", "rec-1", "Jane", "contact", {}, (answer) => {
  console.log(answer.result.status, base);
});

async function promiseStyle(iframe: HTMLIFrameElement): Promise<void> {
  const bar = await AgentBar.attach(iframe, { timeoutMs: 15000 });
  const onPop = (phone: string, params: AgentBarShowCrmParams, requestId: string) => {
    console.log(phone, params.callId, requestId);
  };
  bar.on("showCrm", onPop).on("hangupHandler", (status, info) => console.log(status, info.callId));
  await bar.login("agent1", "agent1", "AUTH_TYPE_PASSWORD");
  const { callId } = await bar.dial("+14085551212", { customerId: "7", additionalParams: { t: 1 } });
  const codes: AgentBarDispositionClass[] = await bar.dispositionCodes();
  await bar.dispose(codes[0]!.dispositionCodes[0]!, { note: callId });
  bar.off("showCrm", onPop);
  try {
    await bar.forceLogin();
  } catch (error) {
    console.log((error as AgentBarError).code);
  }
  await bar.logout();
}
void promiseStyle(document.getElementById("ameyoIframe") as HTMLIFrameElement);
