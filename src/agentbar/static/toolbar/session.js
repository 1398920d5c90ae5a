// The agent's session: login (and the force login it may need), resume after a refresh or a
// reconnect, logout. The token is kept in this CRM's storage, so every tab shares the session.

import { refused, succeeded } from "./outcomes.js";

const TOKEN_KEY = "agentbar.session";
// The server's answer to empty credentials (SPEC §3, the CRM's login answer), given without asking it.
const CREDENTIALS_EMPTY = "username or password empty";

export class Session {
  constructor(toolbar, store) {
    this.toolbar = toolbar;
    this.store = store;
    this.pendingForce = null; // credentials of a login refused with "force login required"
    this.loggingOut = false;
  }

  async resume(announce) {
    const t = this.toolbar;
    const token = this.store.getItem(TOKEN_KEY);
    if (!token) {
      t.showLoggedOut();
      if (announce) t.crm.loginStatus(false);
      return;
    }
    try {
      const fields = { token, crmOrigin: t.crmOrigin };
      if (t.lastSeq > 0) fields.lastSeq = t.lastSeq;
      const answer = await t.socket.request("auth.resume", fields);
      this.started(answer.snapshot, answer.replayed > 0);
      if (announce) t.crm.loginStatus(true);
    } catch (error) {
      if (error.code === "disconnected" || error.code === "timeout") return;
      this.store.removeItem(TOKEN_KEY);
      t.showLoggedOut();
      if (announce) t.crm.loginStatus(false);
    }
  }

  async login(username, password, authPolicy, force = false) {
    const t = this.toolbar;
    t.view.clearError();
    const user = String(username ?? "");
    const secret = String(password ?? "");
    // Refused here, before anything is sent: no login attempt reaches the server (nor its
    // audit log and failed-login throttle), and the CRM hears the server's own wording.
    if (!user.trim() || !secret.trim()) return this.loginRefused(CREDENTIALS_EMPTY);
    try {
      const answer = await t.socket.request("auth.login", {
        username: user,
        password: secret,
        authPolicy: String(authPolicy ?? ""),
        crmOrigin: t.crmOrigin,
        force,
      });
      this.store.setItem(TOKEN_KEY, answer.token);
      this.started(answer.snapshot);
      t.crm.loginResult("success");
      if (answer.forced) t.crm.forceLogin("previous session was logged out");
      t.crm.loginStatus(true);
      t.leader.post({ type: "session", loggedIn: true });
      this.announceCampaign(answer.snapshot);
      if (!answer.snapshot.agent.extension) t.crm.askExtension();
      return succeeded();
    } catch (error) {
      if (error.code === "force_login_required") {
        this.pendingForce = { username, password, authPolicy };
      }
      return this.loginRefused(error.message);
    }
  }

  loginRefused(reason) {
    const t = this.toolbar;
    t.view.error(reason);
    t.view.forceLoginOffered(Boolean(this.pendingForce));
    t.crm.loginResult(reason);
    return refused(reason);
  }

  started(snapshot, replaying = false) {
    this.pendingForce = null;
    this.toolbar.view.forceLoginOffered(false);
    this.toolbar.applySnapshot(snapshot, replaying);
  }

  announceCampaign(snapshot) {
    // A campaign chosen before this toolbar listened (the agent's only one, selected at
    // login, or one carried over by a force login) is news to the CRM page all the same.
    const campaign = snapshot.campaigns.find((c) => c.id === snapshot.agent.campaignId);
    if (campaign) {
      this.toolbar.crm.campaignSelected({ campaignId: campaign.id, campaignName: campaign.name });
    }
  }

  forceLogin() {
    if (!this.pendingForce) {
      const reason = "no login is waiting for a force login";
      this.toolbar.crm.loginResult(reason);
      return refused(reason);
    }
    const { username, password, authPolicy } = this.pendingForce;
    return this.login(username, password, authPolicy, true);
  }

  async logout() {
    const t = this.toolbar;
    this.loggingOut = true;
    try {
      // The server closes this socket once it has answered: what the CRM asks next (a login
      // as another agent) waits for the next socket, which opens at once.
      await t.socket.request("auth.logout", {}, { endsSocket: true });
      this.ended();
      t.crm.loggedOut("success");
      t.crm.loginStatus(false);
      return succeeded();
    } catch (error) {
      this.loggingOut = false;
      t.view.error(error.message);
      t.crm.loggedOut(error.message);
      return refused(error.message);
    }
  }

  // The session ended: by this tab's logout, or by the server (session.ended).
  ended() {
    this.store.removeItem(TOKEN_KEY);
    this.toolbar.showLoggedOut();
  }

  // Whether a session is kept (here or by another tab of this CRM): only then is a socket
  // worth holding open.
  hasToken() {
    return Boolean(this.store.getItem(TOKEN_KEY));
  }

  // Whether the socket closed because the session ended, rather than dropped: consumed once.
  closedByLogout() {
    const was = this.loggingOut;
    this.loggingOut = false;
    return was;
  }
}
