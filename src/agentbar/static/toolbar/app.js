// The toolbar: wires the CRM bridge to the agentbar socket and renders the agent's state.

import { CrmBridge } from "./crm-bridge.js";
import { crmCommands } from "./crm-commands.js";
import { diagnoseEmbedding, reportEmbedProblem, watchConnection } from "./embed-doctor.js";
import { ToolbarSocket } from "./socket.js";
import { keptIn } from "./storage.js";
import { TabLeader } from "./tabs.js";
import { View } from "./views.js";

const TOKEN_KEY = "agentbar.session";
// Screen pops already shown, shared by every tab of this CRM (localStorage is partitioned by
// the CRM's site) and kept across page refreshes: one showCrm per call.
const POPPED_KEY = "agentbar.popped";
const POPPED_KEPT = 200;
// The last event seq this tab saw, kept across a refresh of the CRM page (sessionStorage is
// per tab), so the resumed toolbar asks for what it missed while the page reloaded.
const SEQ_KEY = "agentbar.lastSeq";
const CLOSE_SESSION_ENDED = 4001;
const kept = keptIn("localStorage");
const tabKept = keptIn("sessionStorage");
const localStore = kept.storage;
const tabStore = tabKept.storage;
const STORAGE_BLOCKED =
  "This browser blocks agentbar's storage in this page: a refresh will log you out. " +
  `To keep the session, allow cookies for ${window.location.host}.`;

class Toolbar {
  constructor(config, crmOrigin) {
    this.config = config;
    this.crmOrigin = crmOrigin;
    this.snapshot = null; // what the server last told us: agent, campaigns, call
    this.lastSeq = Number(tabStore.getItem(SEQ_KEY)) || 0;
    // Events up to this seq are already in the snapshot: replayed only for the CRM's handlers.
    this.replayUntil = 0;
    this.pendingForce = null; // credentials of a login refused with "force login required"
    this.loggingOut = false;
    this.view = new View(this);
    this.leader = new TabLeader({
      onLeading: (leading) => this.onLeading(leading),
      onMessage: (message) => this.onTabMessage(message),
    });
    this.bridge = new CrmBridge(crmOrigin, this.crmCommands());
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new ToolbarSocket(`${scheme}://${location.host}${config.socketPath}`, {
      onEvent: (frame) => this.onEvent(frame),
      onOpen: () => this.onOpen(),
      onClose: (code, reason) => this.onClose(code, reason),
    });
    this.firstOpen = true;
  }

  start() {
    if (!kept.persistent || !tabKept.persistent) {
      console.warn(`agentbar: ${STORAGE_BLOCKED}`);
      this.view.notice(STORAGE_BLOCKED);
    }
    this.bridge.start();
    this.bridge.loaded();
    this.view.status("connecting");
    this.view.connection("connecting");
    this.leader.start();
    this.socket.connect();
  }

  // -- tabs ---------------------------------------------------------------------------------

  onLeading(leading) {
    this.view.otherTab(!leading);
    if (this.snapshot || !leading) this.view.render(this.snapshot);
  }

  takeOver() {
    this.leader.takeOver();
  }

  onTabMessage(message) {
    // Another tab logged in: a tab still showing the login form picks the session up.
    if (message?.type === "session" && message.loggedIn && !this.snapshot && this.socket.open) {
      this.resume(true);
    }
  }

  hasPopped(requestId) {
    return readPopped().includes(requestId);
  }

  rememberPop(requestId) {
    const popped = readPopped().filter((id) => id !== requestId);
    popped.push(requestId);
    localStore.setItem(POPPED_KEY, JSON.stringify(popped.slice(-POPPED_KEPT)));
  }

  setLastSeq(seq) {
    this.lastSeq = seq;
    tabStore.setItem(SEQ_KEY, String(seq));
  }

  // -- connection ---------------------------------------------------------------------------

  async onOpen() {
    this.view.connection("online");
    const announce = this.firstOpen;
    this.firstOpen = false;
    await this.resume(announce);
  }

  async resume(announce) {
    const token = localStore.getItem(TOKEN_KEY);
    if (!token) {
      this.showLoggedOut();
      if (announce) this.bridge.loginStatus(false);
      return;
    }
    try {
      const fields = { token, crmOrigin: this.crmOrigin };
      if (this.lastSeq > 0) fields.lastSeq = this.lastSeq;
      const answer = await this.socket.request("auth.resume", fields);
      this.applySnapshot(answer.snapshot, answer.replayed > 0);
      if (announce) this.bridge.loginStatus(true);
    } catch (error) {
      if (error.code === "disconnected" || error.code === "timeout") return;
      localStore.removeItem(TOKEN_KEY);
      this.showLoggedOut();
      if (announce) this.bridge.loginStatus(false);
    }
  }

  onClose(code, reason) {
    if (code === CLOSE_SESSION_ENDED || this.loggingOut) {
      this.loggingOut = false;
      this.view.connection("connecting");
      return true; // reconnect, unauthenticated, ready for the next login
    }
    this.view.status("reconnecting");
    this.view.connection("reconnecting");
    return true;
  }

  // -- sessions -----------------------------------------------------------------------------

  async login(username, password, authPolicy, force = false) {
    this.view.clearError();
    try {
      const answer = await this.socket.request("auth.login", {
        username: String(username ?? ""),
        password: String(password ?? ""),
        authPolicy: String(authPolicy ?? ""),
        crmOrigin: this.crmOrigin,
        force,
      });
      this.pendingForce = null;
      localStore.setItem(TOKEN_KEY, answer.token);
      this.applySnapshot(answer.snapshot);
      this.bridge.loginResult("success");
      if (answer.forced) this.bridge.forceLogin("previous session was logged out");
      this.bridge.loginStatus(true);
      this.leader.post({ type: "session", loggedIn: true });
      this.announceCampaign(answer.snapshot);
      if (!answer.snapshot.agent.extension) this.bridge.askExtension();
      return succeeded();
    } catch (error) {
      if (error.code === "force_login_required") {
        this.pendingForce = { username, password, authPolicy };
      }
      this.view.error(error.message);
      this.view.forceLoginOffered(Boolean(this.pendingForce));
      this.bridge.loginResult(error.message);
      return refused(error.message);
    }
  }

  announceCampaign(snapshot) {
    // A campaign chosen before this toolbar listened (the agent's only one, selected at
    // login, or one carried over by a force login) is news to the CRM page all the same.
    const campaign = snapshot.campaigns.find((c) => c.id === snapshot.agent.campaignId);
    if (campaign) {
      this.bridge.campaignSelected({ campaign_id: campaign.id, campaign_name: campaign.name });
    }
  }

  forceLogin() {
    if (!this.pendingForce) {
      const reason = "no login is waiting for a force login";
      this.bridge.loginResult(reason);
      return refused(reason);
    }
    const { username, password, authPolicy } = this.pendingForce;
    return this.login(username, password, authPolicy, true);
  }

  async logout() {
    this.loggingOut = true;
    try {
      await this.socket.request("auth.logout");
      this.endSession();
      this.bridge.loggedOut("success");
      this.bridge.loginStatus(false);
      return succeeded();
    } catch (error) {
      this.loggingOut = false;
      this.view.error(error.message);
      this.bridge.loggedOut(error.message);
      return refused(error.message);
    }
  }

  endSession() {
    localStore.removeItem(TOKEN_KEY);
    this.snapshot = null;
    this.showLoggedOut();
  }

  showLoggedOut() {
    this.snapshot = null;
    this.view.render(null);
  }

  // -- server events ------------------------------------------------------------------------

  applySnapshot(snapshot, replaying = false) {
    this.snapshot = snapshot;
    if (replaying) {
      // The server replays the events after our lastSeq next; the snapshot already holds
      // their effect, so they only fire the CRM's handlers (e.g. a hangup missed while away).
      this.replayUntil = snapshot.seq;
    } else {
      this.setLastSeq(Math.max(this.lastSeq, snapshot.seq));
    }
    this.pendingForce = null;
    this.view.forceLoginOffered(false);
    this.view.render(snapshot);
  }

  onEvent(frame) {
    // Dedupe by seq: a replayed or re-sent event is handled once.
    if (frame.seq <= this.lastSeq || !this.snapshot) return;
    this.setLastSeq(frame.seq);
    if (frame.event === "session.ended") {
      this.endSession();
      this.bridge.loggedOut(frame.data.reason);
      this.bridge.loginStatus(false);
      return;
    }
    if (frame.seq > this.replayUntil) this.applyEvent(frame);
    // Only the leading tab speaks to its CRM page about calls and presence.
    if (this.leader.leading) this.announce(frame);
    this.view.render(this.snapshot);
  }

  announce(frame) {
    const data = frame.data;
    switch (frame.event) {
      case "agent.extension_selected":
        this.bridge.extensionSelected(data);
        break;
      case "agent.campaign_selected":
        this.bridge.campaignSelected(data);
        break;
      case "agent.auto_call_changed":
        this.bridge.autoCall(data.on);
        break;
      case "agent.state_changed":
        this.bridge.presence(data);
        break;
      case "call.dialing":
        this.bridge.callInitiated(data);
        break;
      case "call.screen_pop":
        if (!this.hasPopped(data.show_crm_request_id)) {
          this.rememberPop(data.show_crm_request_id);
          this.bridge.screenPop(data);
        }
        break;
      case "call.transfer_requested":
        this.bridge.transferRequested(data);
        break;
      case "call.conference_requested":
        this.bridge.conferenceRequested(data);
        break;
      case "call.ended":
        this.bridge.callEnded(data);
        break;
    }
  }

  applyEvent(frame) {
    const data = frame.data;
    const agent = this.snapshot.agent;
    switch (frame.event) {
      case "agent.extension_selected":
        agent.extension = { name: data.name, phone: data.phone };
        break;
      case "agent.campaign_selected":
        agent.campaignId = data.campaign_id;
        break;
      case "agent.auto_call_changed":
        agent.autoCall = data.on;
        break;
      case "agent.state_changed":
        agent.state = data.state;
        agent.breakReason = data.state === "break" ? data.reason : null;
        // A conference party leaves straight back to ready: no wrap-up, no disposition.
        if (this.snapshot.call?.role === "party" && !["invited", "conferencing"].includes(data.state)) {
          this.snapshot.call = null;
        }
        break;
      case "call.offered":
        this.snapshot.call = { callId: data.call_id, state: "offered" };
        break;
      case "call.dialing":
        this.snapshot.lead = null;
        this.snapshot.call = callView(data, "dialing");
        break;
      case "call.connected":
        this.snapshot.call = {
          ...(this.snapshot.call || {}),
          ...callView(data, "connected"),
          answeredAt: frame.at,
        };
        break;
      case "call.screen_pop":
        this.snapshot.call = { ...callView(data, "connected"), ...(this.snapshot.call || {}) };
        break;
      case "lead.presented":
        this.snapshot.lead = {
          leadId: data.lead_id,
          phone: data.phone,
          name: data.name,
          data: data.data,
        };
        break;
      case "lead.released":
        if (this.snapshot.lead?.leadId === data.lead_id) this.snapshot.lead = null;
        break;
      case "call.held":
      case "call.resumed":
        if (this.snapshot.call) this.snapshot.call.onHold = frame.event === "call.held";
        break;
      case "call.transfer_requested":
        if (this.snapshot.call && data.transfer_kind === "incall") {
          this.snapshot.call.state = "consulting";
          this.snapshot.call.onHold = true;
          addLeg(this.snapshot.call, data.leg_id, "phone", data.target, "consult");
        }
        break;
      case "call.transfer_finished":
        if (this.snapshot.call && data.transfer_kind === "incall" && data.outcome !== "completed") {
          this.snapshot.call.state = "connected";
        }
        break;
      case "call.conference_requested":
        if (this.snapshot.call) {
          addLeg(this.snapshot.call, data.leg_id, data.conference_kind, data.target, "conference");
        }
        break;
      case "call.leg_connected":
        for (const leg of this.snapshot.call?.legs ?? []) {
          if (leg.legId === data.leg_id) leg.state = "connected";
        }
        break;
      case "call.leg_ended":
        if (this.snapshot.call?.legs) {
          this.snapshot.call.legs = this.snapshot.call.legs.filter((l) => l.legId !== data.leg_id);
        }
        break;
      case "call.conference_joined":
        this.snapshot.call = {
          callId: data.call_id,
          state: "connected",
          phone: data.phone,
          campaignId: data.campaign_id,
          role: "party",
          legs: [],
        };
        break;
      case "call.ended":
        if (this.snapshot.call) this.snapshot.call.state = "wrap_up";
        break;
      case "call.disposed":
        this.snapshot.call = null;
        break;
    }
  }

  // -- agent actions (from the toolbar's own controls and from the CRM) ---------------------

  async act(cmd, fields = {}) {
    this.view.clearError();
    try {
      return await this.socket.request(cmd, fields);
    } catch (error) {
      this.view.error(error.message);
      throw error;
    }
  }

  async takeBreak(reason) {
    try {
      await this.act("presence.break", { reason: String(reason ?? "") });
    } catch {
      // shown in place by act(); breakHandler fires only when the break happens
    }
  }

  async setAutoCall(on) {
    try {
      await this.act("presence.auto_call", { on: Boolean(on) });
    } catch (error) {
      this.bridge.autoCall(on, error.message);
      this.view.render(this.snapshot); // the checkbox shows what is, not what was asked
    }
  }

  async selectExtension(name, phone) {
    try {
      // Either may be missing (typed by the agent, or named by the CRM): the server resolves it.
      const fields = {};
      if (name != null && String(name).trim()) fields.name = String(name).trim();
      if (phone != null && String(phone).trim()) fields.phone = String(phone).trim();
      await this.act("extension.select", fields);
    } catch (error) {
      this.bridge.extensionFailed(error.message, { extensionName: name, phone });
    }
  }

  async dispositionCodes(method, campaignId) {
    try {
      const fields = campaignId ? { campaignId: String(campaignId) } : {};
      const answer = await this.act("disposition.list", fields);
      this.bridge.dispositionCodes(method, answer.dispositionCodes);
      return succeeded({ dispositionCodes: answer.dispositionCodes });
    } catch (error) {
      this.bridge.dispositionFailed(error.message);
      return refused(error.message);
    }
  }

  async dispose(code, crtObjectId, note, callbackAt = null) {
    try {
      const fields = { code: String(code ?? "") };
      if (crtObjectId) fields.crtObjectId = String(crtObjectId);
      if (note) fields.note = noteText(note);
      if (callbackAt) fields.callback = { at: callbackAt, selfCallback: true };
      await this.act("disposition.dispose", fields);
      this.bridge.disposed("success");
      return succeeded();
    } catch (error) {
      this.bridge.dispositionFailed(error.message);
      return refused(error.message);
    }
  }

  async disposeWithCallback(message) {
    // disposeAndScheduleCallback: the 'Callback' disposition plus a scheduled call back.
    const at = callbackInstant(message.callBackTime);
    if (!at) {
      const reason = `callback time '${message.callBackTime}' is not a date and time`;
      this.bridge.callbackFailed(reason);
      return;
    }
    const callback = { at, selfCallback: Boolean(message.selfCallBack) };
    if (message.phoneNumber) callback.phone = String(message.phoneNumber);
    if (message.callBackParams && typeof message.callBackParams === "object") {
      callback.params = message.callBackParams;
    }
    try {
      const fields = { code: "Callback", callback };
      if (message.additionalParameters) fields.note = noteText(message.additionalParameters);
      const answer = await this.act("disposition.dispose", fields);
      this.bridge.disposed("success");
      this.bridge.callbackScheduled(answer.callbackId, at);
    } catch (error) {
      this.bridge.callbackFailed(error.message);
    }
  }

  async disposeAndDial(code, phone) {
    try {
      const answer = await this.act("disposition.dispose_and_dial", {
        code: String(code ?? ""),
        phone: String(phone ?? ""),
      });
      this.bridge.disposedAndDialled(answer.callId);
    } catch (error) {
      this.bridge.dispositionFailed(error.message);
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
      this.bridge.dialFailed(error.message);
      return refused(error.message);
    }
  }

  transfer(kind, target) {
    return this.act("call.transfer", { kind, target: String(target ?? "").trim() }).catch(() => null);
  }

  conference(kind, target) {
    return this.act("call.conference", { kind, target: String(target ?? "").trim() }).catch(() => null);
  }

  async acknowledgeScreenPop(message) {
    try {
      await this.socket.request("showcrm.ack", {
        requestId: String(message.showCrmrequestId ?? ""),
        recordId: String(message.recordId ?? ""),
      });
      this.bridge.answer(message.requestMethodId, { status: "success" });
    } catch (error) {
      this.bridge.answer(message.requestMethodId, { status: "failed", reason: error.message });
    }
  }

  crmCommands() {
    return {
      doLogin: (m) => this.login(m.username, m.password, m.authPolicy),
      doForceLogin: () => this.forceLogin(),
      doLogout: () => this.logout(),
      setLoginCredentials: (m) => this.view.prefillLogin(m.userId, m.password),
      setExtensionMetadata: (m) => this.selectExtension(m.extensionName, m.extensionPhone),
      getDispositionCodes: (m) => this.dispositionCodes("getDispositionCodesHandler", m.campaignId),
      getDispositionCodesWithDispositionClass: (m) =>
        this.dispositionCodes("getDispositionCodeWithClassHandler", m.campaignId),
      disposeCallByDisposition: (m) =>
        this.dispose(m.dispositionCode, m.crtObjectId, m.additionalParameters),
      recordInfoForShowCrm: (m) => this.acknowledgeScreenPop(m),
      doDial: (m) =>
        this.dial(m.phone, "click_to_dial", {
          customerId: m.customerId,
          campaignId: m.campaignId,
          additionalParams: m.additionalParams,
        }),
      populateNumberInDialBox: (m) => this.view.prefillDial(m.phone),
      disposeNDial: (m) => this.disposeAndDial(m.dispositionCode, m.phone),
      disposeAndScheduleCallback: (m) => this.disposeWithCallback(m),
    };
  }
}

// What a command the CRM sent came to, for the answer to its request (crm-bridge.js `settle`):
// a promise waiting on that request settles on this, whatever else the toolbar does meanwhile.
function succeeded(value = {}) {
  return { outcome: "success", ...value };
}

function refused(reason) {
  return { outcome: "failed", reason: String(reason) };
}

function readPopped() {
  try {
    const popped = JSON.parse(localStore.getItem(POPPED_KEY) ?? "[]");
    return Array.isArray(popped) ? popped : [];
  } catch {
    return [];
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

function addLeg(call, legId, kind, party, purpose) {
  call.legs = [...(call.legs ?? []), { legId, kind, party, purpose, state: "ringing" }];
}

function callView(data, state) {
  return {
    callId: data.call_id,
    state,
    callType: data.call_type,
    phone: data.phone,
    campaignId: data.campaign_id,
    campaignName: data.campaign_name,
    userCrtObjectId: data.user_crt,
    customerCrtObjectId: data.customer_crt,
    showCrmRequestId: data.show_crm_request_id,
  };
}

function main() {
  const config = JSON.parse(document.body.dataset.config);
  // The embed doctor decides whether this toolbar can work where it was put, and says why not.
  const embedding = diagnoseEmbedding(config);
  if (!embedding.crmOrigin) {
    reportEmbedProblem(new View(null), embedding);
    return;
  }
  const toolbar = new Toolbar(config, embedding.crmOrigin);
  toolbar.bridge.extend(crmCommands(toolbar));
  watchConnection(toolbar);
  toolbar.start();
}

main();
