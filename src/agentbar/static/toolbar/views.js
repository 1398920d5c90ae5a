// What the agent sees: one section per situation, chosen from the agent's state, drawn from
// the view the server sent (render) and nothing else.

import { bindControls } from "./controls.js";

const $ = (id) => document.getElementById(id);

const STATE_LABELS = {
  not_ready: "not ready",
  ready: "ready",
  break: "on break",
  reserved: "ringing",
  dialing: "dialling",
  on_call: "on call",
  wrap_up: "wrap-up",
  invited: "conference ringing",
  conferencing: "in conference",
};

// How the selected campaign's leads reach the agent; a manual campaign says nothing.
const DIAL_MODE_LABELS = {
  preview: "Preview dialing",
  progressive: "Progressive dialing",
  predictive: "Predictive dialing",
};

// The modes in which the dialer places calls only for agents with auto-call on.
const AUTO_CALL_MODES = ["progressive", "predictive"];

const SECTIONS = ["view-other-tab", "view-login", "view-agent", "view-preview", "view-call", "view-wrapup"];

export class View {
  constructor(toolbar) {
    this.toolbar = toolbar;
    this.elsewhere = false; // another tab of this CRM leads
    this.plan = []; // the current call's disposition classes, for the class select
    this.timer = null;
    if (toolbar) bindControls(toolbar, this);
  }

  status(text, state = "") {
    const status = $("status");
    status.textContent = text;
    status.dataset.state = state;
  }

  // While a newer view waits for its frame the status says so (data-due): whoever reads the
  // status from outside (a test, the conformance kit) can wait for it to be current.
  due(pending) {
    $("status").toggleAttribute("data-due", pending);
  }

  error(message) {
    const error = $("error");
    error.textContent = message;
    error.hidden = false;
  }

  notice(message) {
    const notice = $("notice");
    notice.textContent = message;
    notice.hidden = false;
  }

  clearError() {
    $("error").hidden = true;
  }

  connection(state) {
    const dot = $("connection");
    dot.dataset.state = state;
    dot.setAttribute("aria-label", `connection: ${state}`);
    dot.title = `connection: ${state}`;
  }

  forceLoginOffered(offered) {
    $("force-login").hidden = !offered;
    if (offered && document.hasFocus()) $("force-login").focus();
  }

  otherTab(elsewhere) {
    this.elsewhere = elsewhere;
  }

  fatal(message) {
    for (const section of document.querySelectorAll("section")) section.hidden = true;
    this.status("not available");
    this.error(message);
  }

  prefillDial(phone) {
    // The agent confirms: the number waits in the box until they press Dial.
    $("dial-number").value = phone == null ? "" : String(phone);
    $("dial-number").focus();
  }

  prefillLogin(userId, password) {
    if (userId) $("login-username").value = userId;
    if (password) $("login-password").value = password;
  }

  render(snapshot) {
    this.show(snapshot);
    this.keepFocus();
  }

  show(snapshot) {
    const show = (id, visible) => ($(id).hidden = !visible);
    if (this.elsewhere) {
      // Another tab leads: this one only says so, and offers to take over.
      if (snapshot) this.status(STATE_LABELS[snapshot.agent.state] ?? snapshot.agent.state, snapshot.agent.state);
      for (const id of SECTIONS) show(id, id === "view-other-tab");
      this.tick(null);
      return;
    }
    show("view-other-tab", false);
    if (!snapshot) {
      this.status("logged out");
      show("view-login", true);
      for (const id of ["view-agent", "view-preview", "view-call", "view-wrapup"]) show(id, false);
      this.tick(null);
      return;
    }
    const { agent, call } = snapshot;
    this.status(STATE_LABELS[agent.state] ?? agent.state, agent.state);
    show("view-login", false);
    const busy = ["reserved", "dialing", "on_call", "wrap_up", "invited", "conferencing"].includes(
      agent.state,
    );
    show("view-agent", !busy);
    show(
      "view-call",
      ["reserved", "dialing", "on_call", "invited", "conferencing"].includes(agent.state),
    );
    show("view-wrapup", agent.state === "wrap_up");
    const lead = agent.state === "ready" ? snapshot.lead : null;
    show("view-preview", Boolean(lead));
    if (lead) {
      $("preview-phone").textContent = lead.phone;
      $("preview-name").textContent = lead.name ?? "";
    }
    $("agent-name").textContent = agent.name;
    $("extension-label").textContent = agent.extension ? agent.extension.name : "no extension";
    this.fillExtensions(snapshot);
    this.fillCampaigns(snapshot);
    this.fillBreakReasons(snapshot);
    $("ready").disabled = agent.state === "ready" || !agent.extension || !agent.campaignId;
    $("dial").disabled = !agent.extension || !agent.campaignId;
    $("break").disabled = !$("break-reason").value;
    // Auto-call only means something where the dialer places calls: outbound campaigns.
    const campaign = snapshot.campaigns.find((c) => c.id === agent.campaignId);
    show("auto-call-row", campaign?.kind === "outbound");
    $("auto-call").checked = Boolean(agent.autoCall);
    this.showDialMode(campaign, Boolean(agent.autoCall));
    if (call) {
      const owner = agent.state === "on_call" && call.role !== "party";
      const consulting = call.state === "consulting";
      show("call-moves", owner);
      show("consult-row", owner && consulting);
      $("transfer").disabled = !owner || consulting;
      $("conference").disabled = !owner || consulting;
      this.fillLegs(call, owner);
      $("hold").disabled = agent.state !== "on_call" || consulting;
      $("hold").textContent = call.onHold ? "Resume" : "Hold";
      $("call-phone").textContent = call.phone ?? "";
      $("call-meta").textContent = [call.callType, call.campaignName].filter(Boolean).join(" · ");
    }
    this.tick(!$("view-call").hidden && call?.answeredAt ? call.answeredAt : null);
    if (agent.state === "wrap_up") this.fillDispositions(snapshot);
  }

  tick(answeredAt) {
    // The call timer counts from the answer (server time, seconds) while the call panel shows.
    clearInterval(this.timer);
    this.timer = null;
    const timer = $("call-timer");
    timer.hidden = answeredAt === null;
    if (answeredAt === null) return;
    const update = () => (timer.textContent = duration(Date.now() / 1000 - answeredAt));
    update();
    this.timer = setInterval(update, 1000);
  }

  keepFocus() {
    // A keyboard user whose control just disappeared (the view changed under them) lands on
    // the first control of what is shown now, not on the page body. Only while the toolbar
    // has focus: a call arriving must never pull focus out of the CRM's own form. Nor scroll
    // the CRM page: the agent may have scrolled it past the toolbar to read the record, and
    // a view the server sent is no move of theirs.
    if (!document.hasFocus()) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.offsetParent !== null) return;
    for (const id of SECTIONS) {
      const section = $(id);
      if (section.hidden) continue;
      const first = section.querySelector("input:not([hidden]), select, button:not([disabled]):not([hidden])");
      if (first && first.offsetParent !== null) {
        first.focus({ preventScroll: true });
        return;
      }
    }
  }

  fillLegs(call, owner) {
    const list = $("legs");
    list.replaceChildren(
      ...(call.legs ?? []).map((leg) => {
        const item = document.createElement("li");
        item.textContent = `${leg.party} (${leg.purpose}, ${leg.state}) `;
        if (owner) {
          const drop = document.createElement("button");
          drop.type = "button";
          drop.textContent = "Drop";
          drop.dataset.testid = "leg-drop";
          drop.dataset.legId = leg.legId;
          drop.setAttribute("aria-label", `Drop ${leg.party}`);
          item.append(drop);
        }
        return item;
      }),
    );
  }

  fillExtensions(snapshot) {
    const select = $("extension-select");
    const current = snapshot.agent.extension;
    // A large center's snapshot lists no extensions: the agent types one instead.
    const listed = snapshot.extensionsListed !== false;
    $("extension-menu").hidden = !listed;
    $("extension-form").hidden = listed;
    if (!listed) {
      const input = $("extension-input");
      if (document.activeElement !== input) input.value = current ? current.name : "";
      return;
    }
    const wanted = [["", "choose…", ""], ...snapshot.extensions.map((e) => [e.name, e.name, e.phone])];
    replaceOptions(select, wanted, current ? current.name : "");
  }

  fillCampaigns(snapshot) {
    const select = $("campaign-select");
    const wanted = [["", "choose…"], ...snapshot.campaigns.map((c) => [c.id, c.name])];
    replaceOptions(select, wanted, snapshot.agent.campaignId ?? "");
  }

  showDialMode(campaign, autoCall) {
    const line = $("dial-mode");
    const mode = DIAL_MODE_LABELS[campaign?.dialMode];
    line.hidden = !mode;
    if (!mode) return;
    line.dataset.mode = campaign.dialMode;
    // Here the dialer calls only for agents with auto-call on: say whether this one will get calls.
    const auto = AUTO_CALL_MODES.includes(campaign.dialMode);
    line.textContent = auto ? `${mode} · auto-call ${autoCall ? "on" : "off"}` : mode;
  }

  fillBreakReasons(snapshot) {
    const select = $("break-reason");
    const wanted = snapshot.breakReasons.map((r) => [
      r.name,
      r.productive ? `${r.name} (productive)` : r.name,
    ]);
    // Keep the agent's choice across re-renders; start from the current break, else the first.
    const value = select.value || snapshot.agent.breakReason || (wanted[0]?.[0] ?? "");
    replaceOptions(select, wanted, value);
  }

  async fillDispositions(snapshot) {
    const select = $("disposition-code");
    if (select.dataset.callId === snapshot.call?.callId) return;
    select.dataset.callId = snapshot.call?.callId ?? "";
    $("disposition-note").value = "";
    $("callback-time").value = "";
    try {
      this.plan = await this.toolbar.actions.dispositionCodes();
      // "All classes" first, so the code select offers every code, as before, until the
      // agent narrows it by class.
      const classes = $("disposition-class");
      classes.replaceChildren(
        new Option("All classes", ""),
        ...this.plan.map((k) => new Option(k.dispositionClass, k.dispositionClass)),
      );
      this.fillCodes();
      this.keepFocus();
    } catch {
      select.dataset.callId = "";
    }
  }

  fillCodes() {
    const select = $("disposition-code");
    const wanted = $("disposition-class").value;
    select.replaceChildren();
    for (const klass of this.plan) {
      if (wanted && klass.dispositionClass !== wanted) continue;
      const group = document.createElement("optgroup");
      group.label = klass.dispositionClass;
      for (const code of klass.dispositionCodes) group.append(new Option(code, code));
      select.append(group);
    }
  }
}

function duration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function replaceOptions(select, wanted, value) {
  const key = JSON.stringify(wanted);
  if (select.dataset.key !== key) {
    select.replaceChildren(
      ...wanted.map(([optionValue, label, phone]) => {
        const option = new Option(label, optionValue);
        if (phone) option.dataset.phone = phone;
        return option;
      }),
    );
    select.dataset.key = key;
  }
  select.value = value;
}
