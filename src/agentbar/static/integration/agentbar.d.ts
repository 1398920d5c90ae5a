// Types for agentbar's glue script (ameyo-integration.js): window.ameyo.integration, the
// handlers a CRM page registers, and the promise API window.AgentBar.
// Served at <agentbar>/ameyowebaccess/toolbar/js/agentbar.d.ts; see docs/integration-guide.md.

export {};

declare global {
  /** Identifies a call's two legs (CRT = call record trail). */
  interface AgentBarCrtInfo {
    userCrtObjectId?: string;
    customerCrtObjectId?: string;
    callId?: string;
    campaignId?: string;
    phone?: string;
    [key: string]: unknown;
  }

  interface AgentBarShowCrmParams extends AgentBarCrtInfo {
    callType?:
      | "inbound"
      | "manual"
      | "click_to_dial"
      | "preview"
      | "progressive"
      | "predictive"
      | "callback";
    campaignName?: string;
    crtObjectId?: string;
  }

  interface AgentBarDispositionClass {
    dispositionClass: string;
    dispositionCodes: string[];
  }

  interface AgentBarExtensionInfo {
    name: string;
    phone: string;
  }

  interface AgentBarAnswer {
    result: { status: "success" | "failed" | "done"; reason?: string; code?: string; [key: string]: unknown };
  }

  type AgentBarCallback = (answer: AgentBarAnswer) => void;

  type AgentBarEmbedErrorCode =
    | "not_framed"
    | "origin_missing"
    | "origin_malformed"
    | "origin_not_allowed"
    | "origin_mismatch"
    | "socket_refused"
    | "server_unreachable";

  /** Every handler a CRM page may register, with its arguments. */
  interface AgentBarHandlers {
    onLoadHandler(): void;
    loginHandler(status: string, details: Record<string, unknown>): void;
    loginStatusHandler(status: "logged in" | "logged out", details: Record<string, unknown>): void;
    forceLoginHandler(status: string, details: { responseText?: string }): void;
    logoutHandler(status: string, details: Record<string, unknown>): void;
    showCrm(phone: string, additionalParams: AgentBarShowCrmParams, requestId: string): void;
    showCrmDetailed(recordInfo: AgentBarShowCrmParams & { requestId: string }): void;
    selectExtensionHandler(status: string, info: { extensionName: string | null; phone: string }): void;
    modifyExtensionHandler(status: string, info: { extensionName: string | null; phone: string }): void;
    selectCampaignHandler(campaign: string, details: { campaignId: string; campaignName: string }): void;
    autoCallOnHandler(status: string, details: Record<string, unknown>): void;
    autoCallOffHandler(status: string, details: Record<string, unknown>): void;
    readyHandler(status: string, details: Record<string, unknown>): void;
    breakHandler(reason: string, details: Record<string, unknown>): void;
    hangupHandler(status: string, info: AgentBarCrtInfo): void;
    callInitiatedHandler(status: string, info: AgentBarCrtInfo): void;
    failedDoDialNotifyHandler(reason: string, details: Record<string, unknown>): void;
    transferToPhoneHandler(reason: string, info: AgentBarCrtInfo): void;
    transferInCallHandler(reason: string, info: AgentBarCrtInfo): void;
    transferToAQHandler(reason: string, info: AgentBarCrtInfo): void;
    transferToIVRHandler(reason: string, info: AgentBarCrtInfo): void;
    transferToUserHandler(reason: string, info: AgentBarCrtInfo): void;
    transferToCampaignHandler(reason: string, info: AgentBarCrtInfo): void;
    conferWithPhoneHandler(reason: string, info: AgentBarCrtInfo): void;
    conferWithTPVHandler(reason: string, info: AgentBarCrtInfo): void;
    conferWithUserHandler(reason: string, info: AgentBarCrtInfo): void;
    conferWithLocalIVRHandler(reason: string, info: AgentBarCrtInfo): void;
    handleDispositionCodes(codes: AgentBarDispositionClass[]): void;
    getDispositionCodesHandler(codes: AgentBarDispositionClass[]): void;
    getDispositionCodeWithClassHandler(codes: AgentBarDispositionClass[]): void;
    handleDisposeCallByDispositionCode(
      status: string,
      details: { dialStatus?: string; callId?: string; [key: string]: unknown },
    ): void;
    disposeCallByDispositionCodeHandler(status: string, details: Record<string, unknown>): void;
    disposeAndDialHandler(status: string, details: { dialStatus?: string; callId?: string }): void;
    handleFailedDispositionNotifyGeneric(reason: string, details: Record<string, unknown>): void;
    failedDispositionNotifyHandler(reason: string, details: Record<string, unknown>): void;
    callbackSuccessNotifyHandler(status: string, details: { callbackId: string; callbackTime: string }): void;
    failedScheduleCallBackNotifyHandler(reason: string, details: Record<string, unknown>): void;
    embedErrorHandler(code: AgentBarEmbedErrorCode, details: { message: string; fix: string }): void;
  }

  type AgentBarHandlerName = keyof AgentBarHandlers;

  interface AmeyoIntegration {
    /** When event `name` fires, `obj[name](...args)` is called. */
    registerCustomFunction<N extends AgentBarHandlerName>(
      name: N,
      obj: { [K in N]: AgentBarHandlers[K] },
    ): void;
    doLogin(username: string, password: string, authPolicy: string): void;
    doForceLogin(): void;
    doLogout(): void;
    doDial(
      phone: string,
      customerId?: string | null,
      additionalParams?: Record<string, unknown> | null,
      searchable?: unknown,
      customerRecords?: unknown,
      campaignId?: string | null,
    ): void;
    populateNumberInDialBox(phone: string): void;
    getDispositionCodes(campaignId?: string): void;
    getDispositionCodesWithDispositionClass(campaignId?: string): void;
    disposeCallByDisposition(dispositionCode: string, crtObjectId?: string | null, additionalNote?: unknown): void;
    disposeNDial(dispositionCode: string, phone: string): void;
    disposeAndScheduleCallback(
      phone: string,
      selfCallback: boolean,
      callbackTime: number | string,
      callbackParams?: Record<string, unknown> | null,
      additionalParams?: unknown,
    ): void;
    setLoginInfo(userId: string, password?: string): void;
    setExtensionInfo(info: AgentBarExtensionInfo): void;
    selectExtension(callContextId: string | null, phone: string): void;
    /** Hides the toolbar controls named by their data-testid; each call gives the whole set. */
    hideUI(uiElements: string[] | string): void;
    refreshTelephony(crtObjectId?: string): void;
    setRecordInfoForCrt(
      crtObjectId: string,
      recordId: string,
      ...rest: Array<string | Record<string, unknown> | AgentBarCallback | undefined>
    ): void;
    setBaseUrl(url: string): void;
    getBaseUrl(): string;
    api: {
      /** The callback is the last argument that is a function (the documented example passes
       *  it fourth). */
      setRecordInfoForShowCrm(
        showCrmRequestId: string,
        recordId: string,
        ...rest: Array<string | Record<string, unknown> | AgentBarCallback | undefined>
      ): void;
    };
  }

  interface AgentBarError extends Error {
    /** e.g. timeout, no_answer, unsupported_method, force_login_required, an embed error code */
    code: string;
    details?: unknown;
  }

  interface AgentBarDialOptions {
    customerId?: string;
    additionalParams?: Record<string, unknown>;
    searchable?: unknown;
    customerRecords?: unknown;
    campaignId?: string;
  }

  interface AgentBarConnection {
    login(username: string, password: string, authPolicy?: string): Promise<{ status: "success" }>;
    forceLogin(): Promise<{ status: "success" }>;
    logout(): Promise<{ status: "success" }>;
    dial(phone: string, opts?: AgentBarDialOptions): Promise<{ callId: string }>;
    dispositionCodes(campaignId?: string): Promise<AgentBarDispositionClass[]>;
    dispose(code: string, opts?: { crtObjectId?: string; note?: string }): Promise<{ status: "success" }>;
    on<N extends AgentBarHandlerName>(name: N, fn: AgentBarHandlers[N]): this;
    off<N extends AgentBarHandlerName>(name: N, fn: AgentBarHandlers[N]): this;
  }

  interface AgentBarStatic {
    attach(iframe: HTMLIFrameElement, options?: { timeoutMs?: number }): Promise<AgentBarConnection>;
  }

  interface Window {
    ameyo: { integration: AmeyoIntegration };
    AgentBar: AgentBarStatic;
    getExtensionInfo?: () => AgentBarExtensionInfo;
  }

  var ameyo: { integration: AmeyoIntegration };
  var AgentBar: AgentBarStatic;
}
