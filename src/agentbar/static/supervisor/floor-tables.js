// The tables of the floor (agents, queues, predictive dialers, calls in progress): rows kept
// by id, replaced in place from the server's frames, times in state ticking on the page's
// clock. Text only ever goes in through textContent.

export function label(state) {
  return state.replaceAll("_", " ");
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

// A share as a percentage: 0.012 -> "1.2%" (`digits` decimals), 0.025 -> "2.5%" (exact).
export function percent(share, digits = null) {
  const value = share * 100;
  // toPrecision drops the float's noise (0.07 * 100 is 7.000000000000001) before printing.
  return `${digits === null ? Number(value.toPrecision(12)) : value.toFixed(digits)}%`;
}

function cell(testid, text, tag = "td") {
  const td = document.createElement(tag);
  td.dataset.testid = testid;
  td.textContent = text ?? "";
  return td;
}

// The cell naming its row, for screen readers' table navigation.
function rowHeader(testid, text) {
  const th = cell(testid, text, "th");
  th.scope = "row";
  return th;
}

function sinceCell(testid, since) {
  const td = cell(testid, "");
  td.className = "since";
  if (since !== null && since !== undefined) td.dataset.since = String(since);
  return td;
}

// One table: rows by id, kept in order by `sortKey`, the empty note shown when none.
class Table {
  constructor(body, { empty, count, key, sortKey, render }) {
    this.body = body;
    this.empty = empty;
    this.count = count;
    this.key = key;
    this.sortKey = sortKey;
    this.render = render;
    this.rows = new Map();
  }

  replaceAll(items) {
    this.rows.clear();
    this.body.replaceChildren();
    this.upsert(items);
  }

  upsert(items) {
    let moved = false; // re-sort only when a row arrives or its place may change
    for (const item of items) {
      const id = this.key(item);
      const row = this.render(item);
      row.dataset.key = this.sortKey(item);
      const old = this.rows.get(id);
      if (old) {
        moved ||= old.dataset.key !== row.dataset.key;
        old.replaceWith(row);
      } else {
        moved = true;
        this.body.append(row);
      }
      this.rows.set(id, row);
    }
    if (moved) this.sort();
    this.summarise();
  }

  remove(ids) {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row) row.remove();
      this.rows.delete(id);
    }
    this.summarise();
  }

  sort() {
    const ordered = [...this.rows.values()].sort((a, b) =>
      a.dataset.key.localeCompare(b.dataset.key, undefined, { numeric: true }),
    );
    if (ordered.some((row, index) => this.body.children[index] !== row)) {
      this.body.replaceChildren(...ordered);
    }
  }

  summarise() {
    if (this.empty) this.empty.hidden = this.rows.size > 0;
    if (this.count) this.count.textContent = String(this.rows.size);
  }
}

export class FloorTables {
  // onForceLogout(agent): the supervisor pressed an agent's logout button
  constructor(doc, { onForceLogout }) {
    this.offsetMs = 0; // the server's clock minus the page's
    this.agents = new Table(doc.getElementById("agents-body"), {
      empty: doc.getElementById("agents-empty"),
      count: doc.getElementById("agents-count"),
      key: (a) => a.agentId,
      sortKey: (a) => `${a.name}\u0000${a.agentId}`,
      render: (a) => agentRow(a, onForceLogout),
    });
    this.queues = new Table(doc.getElementById("queues-body"), {
      key: (q) => q.campaignId,
      sortKey: (q) => `${q.kind}\u0000${q.name}`,
      render: queueRow,
    });
    this.dialers = new Table(doc.getElementById("dialers-body"), {
      empty: doc.getElementById("dialers-empty"),
      key: (d) => d.campaignId,
      sortKey: (d) => `${d.name}\u0000${d.campaignId}`,
      render: dialerRow,
    });
    this.calls = new Table(doc.getElementById("calls-body"), {
      empty: doc.getElementById("calls-empty"),
      count: doc.getElementById("calls-count"),
      key: (c) => c.callId,
      sortKey: (c) => `${c.agentName ?? "\uffff"}\u0000${c.agentId ?? ""}\u0000${c.callId}`,
      render: callRow,
    });
  }

  apply(frame) {
    this.offsetMs = frame.at * 1000 - Date.now();
    if (frame.type === "snapshot") {
      this.agents.replaceAll(frame.agents);
      this.queues.replaceAll(frame.queues);
      this.dialers.replaceAll(frame.dialers ?? []);
      this.calls.replaceAll(frame.calls);
    } else if (frame.type === "changes") {
      this.agents.remove(frame.agentsGone);
      this.agents.upsert(frame.agents);
      this.queues.upsert(frame.queues);
      this.dialers.remove(frame.dialersGone ?? []);
      this.dialers.upsert(frame.dialers ?? []);
      this.calls.remove(frame.callsGone);
      this.calls.upsert(frame.calls);
    }
    this.tick();
  }

  // Rewrite every time in state from the server's clock as the page estimates it.
  tick() {
    const now = (Date.now() + this.offsetMs) / 1000;
    for (const td of document.querySelectorAll("td.since")) {
      const since = td.dataset.since;
      td.textContent = since === undefined ? "—" : duration(now - Number(since));
    }
  }
}

function agentRow(agent, onForceLogout) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "agent-row";
  tr.dataset.agentId = agent.agentId;
  tr.dataset.state = agent.state;
  const name = rowHeader("agent-name", `${agent.name} (${agent.agentId})`);
  const state = cell("agent-state", label(agent.state));
  state.className = "state";
  const action = document.createElement("td");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "danger";
  button.dataset.testid = "force-logout";
  button.textContent = "Log out";
  button.setAttribute("aria-label", `Log out ${agent.name} (${agent.agentId})`);
  button.addEventListener("click", () => onForceLogout(agent));
  action.append(button);
  tr.append(
    name,
    state,
    cell("agent-reason", agent.reason),
    cell("agent-campaign", agent.campaign),
    sinceCell("agent-since", agent.since),
    action,
  );
  return tr;
}

function queueRow(queue) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "queue-row";
  tr.dataset.campaignId = queue.campaignId;
  tr.dataset.campaign = queue.name;
  const name = rowHeader("queue-name", queue.name);
  tr.append(
    name,
    cell("queue-kind", queue.kind),
    cell("queue-waiting", String(queue.waiting)),
    sinceCell("queue-longest", queue.oldestSince),
    cell("queue-ready", String(queue.ready)),
  );
  return tr;
}

// A predictive campaign's dialer: its mode now and why, and its abandon rate in the window
// beside the campaign's limit ("1.2% of 3% over 30d").
function dialerRow(dialer) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "dialer-row";
  tr.dataset.campaignId = dialer.campaignId;
  tr.dataset.campaign = dialer.name;
  tr.dataset.mode = dialer.mode ?? "not_dialled";
  const mode = document.createElement("td");
  const modeName = document.createElement("span");
  modeName.className = "mode";
  modeName.dataset.testid = "dialer-mode";
  modeName.textContent = dialer.mode ?? dialer.reason;
  mode.append(modeName);
  if (dialer.mode !== null) {
    const reason = document.createElement("span");
    reason.className = "reason";
    reason.dataset.testid = "dialer-reason";
    reason.textContent = dialer.reason;
    mode.append(reason);
  }
  const rate = dialer.abandonRate === null ? "—" : percent(dialer.abandonRate, 1);
  const measured = dialer.dialLevel !== null; // none before the pacer first decides
  tr.append(
    rowHeader("dialer-name", dialer.name),
    mode,
    cell("dialer-level", dialer.dialLevel === null ? "—" : dialer.dialLevel.toFixed(2)),
    cell("dialer-in-flight", String(dialer.callsInFlight)),
    cell("dialer-abandon-rate", `${rate} of ${percent(dialer.limit)} over ${dialer.window}`),
    cell("dialer-live-answered", measured ? String(dialer.liveAnswered) : "—"),
    cell("dialer-abandoned", measured ? String(dialer.abandoned) : "—"),
  );
  return tr;
}

function callRow(call) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "call-row";
  tr.dataset.callId = call.callId;
  tr.dataset.state = call.state;
  const phone = rowHeader("call-phone", call.phone);
  const agent = call.agentId ? `${call.agentName ?? call.agentId} (${call.agentId})` : "—";
  const state = cell("call-state", label(call.state));
  state.className = "state";
  tr.append(
    phone,
    cell("call-agent", agent),
    cell("call-campaign", call.campaign),
    cell("call-type", label(call.callType)),
    state,
    sinceCell("call-since", call.since),
    cell("call-id", call.callId),
  );
  return tr;
}
