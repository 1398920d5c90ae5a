// The toolbar: connects the agent's session on the agentbar socket to the CRM page, and
// renders what the server decides. The server sends the agent's view (agent, call and legs,
// lead) in the snapshot and in a `view` frame after the events that changed it; events only
// fire the CRM page's handlers. Nothing here rebuilds the server's state from events.

import { Actions } from "./actions.js";
import { CrmPage } from "./crm/handlers.js";
import { BrowserPhone } from "./phone.js";
import { Pops } from "./pops.js";
import { Session } from "./session.js";
import { RECONNECT_LATER, RECONNECT_NOW, RECONNECT_WHEN_NEEDED, ToolbarSocket } from "./socket.js";
import { keptIn } from "./storage.js";
import { TabLeader } from "./tabs.js";
import { View } from "./views.js";

// The last event seq this tab saw, kept across a refresh of the CRM page (sessionStorage is
// per tab), so the resumed toolbar asks for what it missed while the page reloaded.
const SEQ_KEY = "agentbar.lastSeq";
const CLOSE_SESSION_ENDED = 4001;
// How long a `view` frame waits for the page's next frame before a timer draws it (renderSoon).
const FRAME_FALLBACK_MS = 100;
// The server's close of a socket that did not log in or resume in time: policy (1008), with a
// reason "log in within N s". Other 1008s (a refused Origin) carry another reason or none.
const CLOSE_POLICY = 1008;
const closedForLoginDeadline = (code, reason) =>
  code === CLOSE_POLICY && String(reason ?? "").startsWith("log in");
const STORAGE_BLOCKED =
  "This browser blocks agentbar's storage in this page: a refresh will log you out. " +
  `To keep the session, allow cookies for ${window.location.host}.`;

export class Toolbar {
  constructor(config, crmOrigin) {
    const kept = keptIn("localStorage");
    const tabKept = keptIn("sessionStorage");
    this.storageBlocked = !kept.persistent || !tabKept.persistent;
    this.tabStore = tabKept.storage;
    this.config = config;
    this.crmOrigin = crmOrigin;
    this.snapshot = null; // what the server last told us: agent, call, lead, campaigns...
    this.lastSeq = Number(this.tabStore.getItem(SEQ_KEY)) || 0;
    this.pops = new Pops(kept.storage);
    this.session = new Session(this, kept.storage);
    this.actions = new Actions(this);
    this.view = new View(this); // its controls call on the session and the actions
    this.phone = new BrowserPhone(this, kept.storage);
    this.leader = new TabLeader({
      onLeading: (leading) => this.onLeading(leading),
      onMessage: (message) => this.onTabMessage(message),
    });
    this.crm = new CrmPage(crmOrigin);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new ToolbarSocket(`${scheme}://${location.host}${config.socketPath}`, {
      onEvent: (frame) => this.onEvent(frame),
      onView: (frame) => this.onView(frame),
      onOpen: () => this.onOpen(),
      onClose: (code, reason) => this.onClose(code, reason),
    });
    this.firstOpen = true;
    this.renderDue = false;
  }

  start() {
    if (this.storageBlocked) {
      console.warn(`agentbar: ${STORAGE_BLOCKED}`);
      this.view.notice(STORAGE_BLOCKED);
    }
    this.crm.start();
    this.crm.loaded();
    this.view.status("connecting");
    this.view.connection("connecting");
    this.leader.start();
    // A page hidden after a frame was asked for draws it now: that frame would never come, and
    // the timer backing it up comes later.
    document.addEventListener("visibilitychange", () => {
      if (this.renderDue) this.render();
    });
    this.socket.connect();
  }

  render() {
    this.renderDue = false;
    this.view.due(false);
    this.view.render(this.snapshot);
    this.phone.sync(this.snapshot, this.leader.leading);
  }

  // A `view` frame is drawn with the page's next frame, not at once: it follows the events of
  // a move (a screen pop among them), and drawn at once it would hold back the CRM page's
  // handling of the pop, which waits behind it on the same main thread. A hidden page draws
  // no frames, so a timer stands in there. A visible page may draw none for the toolbar
  // either: Chromium gives none to a cross-origin frame the CRM page has scrolled out of view
  // or collapsed (display:none, and visibility:hidden when the frame is out of process, which
  // an IntersectionObserver does not report). The views, and the browser phone's ringing and
  // answering with them, must not wait for the toolbar to come back: a timer backs the frame
  // up, and whichever comes first draws. By the timer's time the pop has been handled.
  renderSoon() {
    if (this.renderDue) return;
    this.renderDue = true;
    this.view.due(true);
    const draw = () => {
      if (this.renderDue) this.render();
    };
    if (document.visibilityState === "visible") {
      requestAnimationFrame(draw);
      setTimeout(draw, FRAME_FALLBACK_MS);
    } else setTimeout(draw, 0);
  }

  // -- tabs ---------------------------------------------------------------------------------

  onLeading(leading) {
    this.view.otherTab(!leading);
    if (this.snapshot || !leading) this.render();
    else this.phone.sync(null, leading);
  }

  takeOver() {
    this.leader.takeOver();
  }

  onTabMessage(message) {
    // Another tab logged in: a tab still showing the login form picks the session up. An
    // idle toolbar (no socket while logged out) connects, and resumes once it opens; one
    // connecting resumes when it opens anyway.
    if (message?.type === "session" && message.loggedIn && !this.snapshot) {
      if (this.socket.open) this.session.resume(true);
      else this.socket.wake();
    }
  }

  // -- connection ---------------------------------------------------------------------------

  async onOpen() {
    this.view.connection("online");
    const announce = this.firstOpen;
    this.firstOpen = false;
    await this.session.resume(announce);
  }

  onClose(code, reason) {
    const loggedOut = this.session.closedByLogout();
    // No session to keep, and the server closed the socket on purpose: after a logout, a
    // session it ended, or its login deadline (a socket that has not logged in within
    // AGENTBAR_SOCKET_AUTH_TIMEOUT). Reconnecting would only bring the deadline's close again,
    // every few seconds, with "reconnecting" flashing on the login form: the toolbar goes idle
    // instead, and the next request (a login: it waits for the socket) or a session shared by
    // another tab opens the next socket. Any other close while logged out (the server went
    // away, a proxy refused the socket) reconnects with backoff as before: the embed doctor
    // counts those failures and diagnoses them.
    const onPurpose = code === CLOSE_SESSION_ENDED || loggedOut || closedForLoginDeadline(code, reason);
    if (onPurpose && !this.session.hasToken()) {
      this.view.connection("idle");
      return RECONNECT_WHEN_NEEDED;
    }
    if (code === CLOSE_SESSION_ENDED || loggedOut) {
      this.view.connection("connecting");
      // The server closed it on purpose and is up: reconnect at once, so the resume (or the
      // next login) is served at once.
      return RECONNECT_NOW;
    }
    this.view.status("reconnecting");
    this.view.connection("reconnecting");
    return RECONNECT_LATER;
  }

  // -- what the server says -----------------------------------------------------------------

  applySnapshot(snapshot, replaying = false) {
    this.snapshot = snapshot;
    // When replaying, the server sends the events after our lastSeq next: the snapshot already
    // holds their effect, and they only fire the CRM's handlers (e.g. a hangup missed while
    // away), so lastSeq must stay put until they have come.
    if (!replaying) this.setLastSeq(Math.max(this.lastSeq, snapshot.seq));
    this.render();
  }

  showLoggedOut() {
    this.snapshot = null;
    this.render();
  }

  onEvent(frame) {
    // Dedupe by seq: a replayed or re-sent event is handled once.
    if (frame.seq <= this.lastSeq || !this.snapshot) return;
    this.setLastSeq(frame.seq);
    if (frame.event === "session.ended") {
      this.session.ended();
      // This tab's own logout is reported by `logout` once its answer comes: the event of the
      // logout may come first (its answer and its events travel apart).
      if (!this.session.loggingOut) {
        this.crm.loggedOut(frame.data.reason);
        this.crm.loginStatus(false);
      }
      return;
    }
    // Only the leading tab speaks to its CRM page about calls and presence, and a call pops
    // the CRM's record once, whichever tab saw it first.
    if (!this.leader.leading) return;
    if (frame.event === "call.screen_pop" && !this.pops.claim(frame.data.screenPopId)) return;
    this.crm.announce(frame);
  }

  onView(frame) {
    if (!this.snapshot) return;
    Object.assign(this.snapshot, frame.view);
    this.renderSoon();
  }

  setLastSeq(seq) {
    this.lastSeq = seq;
    this.tabStore.setItem(SEQ_KEY, String(seq));
  }
}
