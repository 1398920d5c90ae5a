// The wallboard: a tile per inbound campaign. Waiting calls, the longest wait and the agents
// by state come live from the supervisor socket's rows; today's service level, ASA and
// abandon rate from the interval report (from this browser's midnight to now, 15-minute
// intervals), read again every 10 s and soon after a call changes on the floor (at most once
// a second). Its chart of calls waiting shows each interval's average through the day (the
// report's `averageWaiting`) and the count waiting now, sampled every 5 s since the page opened.

import { getJson, isoSeconds, localDay, query, TokenRefused } from "./admin-api.js";
import { serviceLevelChart, waitingChart } from "./charts.js";
import { dayFigures, percentText } from "./figures.js";
import { duration } from "./floor-tables.js";

const REFRESH_MS = 10_000;
const MIN_GAP_MS = 1_000;
const SAMPLE_MS = 5_000;
const MAX_SAMPLES = (24 * 3600 * 1000) / SAMPLE_MS; // a day of samples
const INTERVAL_MINUTES = 15;
const CHART_SIZE = { width: 300, height: 110 };

// A campaign's defaults (the API's) until its view is read.
const DEFAULT_THRESHOLDS = {
  serviceLevelWarning: 80,
  serviceLevelAlarm: 60,
  waitWarningSeconds: 30,
  waitAlarmSeconds: 60,
};
const DEFAULT_SERVICE_LEVEL_SECONDS = 20;

// The groups the agents are counted in, and the states each holds.
const AGENT_GROUPS = [
  ["ready", "ready", ["ready"]],
  ["on-call", "on call", ["reserved", "dialing", "on_call", "invited", "conferencing"]],
  ["wrap-up", "wrap-up", ["wrap_up"]],
  ["not-ready", "not ready", ["not_ready"]],
  ["break", "break", ["break"]],
];

function element(tag, { testid, className, text } = {}) {
  const el = document.createElement(tag);
  if (testid) el.dataset.testid = testid;
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function serviceLevelLevel(value, thresholds) {
  if (value === null) return "none";
  if (value < thresholds.serviceLevelAlarm) return "alarm";
  if (value < thresholds.serviceLevelWarning) return "warning";
  return "ok";
}

function waitLevel(seconds, thresholds) {
  if (seconds === null) return "none";
  if (seconds > thresholds.waitAlarmSeconds) return "alarm";
  if (seconds > thresholds.waitWarningSeconds) return "warning";
  return "ok";
}

class Tile {
  constructor(queue) {
    this.campaignId = queue.campaignId;
    this.name = queue.name;
    this.samples = { times: [], counts: [] };
    this.el = element("article", { testid: "wallboard-tile", className: "tile" });
    this.el.dataset.campaign = queue.name;
    this.el.setAttribute("aria-label", queue.name);
    const figures = element("dl", { className: "figures" });
    this.figures = {};
    const figure = (key, label) => {
      const box = element("div", { className: "figure" });
      const dd = element("dd", { testid: `wallboard-${key}`, text: "—" });
      dd.dataset.level = "none";
      box.append(element("dt", { text: label }), dd);
      figures.append(box);
      this.figures[key] = dd;
    };
    figure("waiting", "Waiting");
    figure("longest-wait", "Longest wait");
    figure("service-level", "Service level");
    figure("asa", "ASA");
    figure("abandon-rate", "Abandon rate");
    const counts = element("p", { className: "counts", testid: "wallboard-counts" });
    this.counts = {};
    for (const [key, label] of [
      ["offered", "offered"],
      ["answered", "answered"],
      ["abandoned", "abandoned"],
    ]) {
      const n = element("span", { testid: `wallboard-${key}`, text: "0" });
      this.counts[key] = n;
      counts.append(n, ` ${label} `);
    }
    this.serviceLevelNote = element("span", { className: "note" });
    counts.append(this.serviceLevelNote);
    const agents = element("ul", { className: "agent-states", testid: "wallboard-agents" });
    agents.setAttribute("aria-label", "Agents by state");
    this.agentCounts = {};
    for (const [key, label] of AGENT_GROUPS) {
      const item = element("li");
      item.dataset.state = key;
      const n = element("span", { testid: `wallboard-agents-${key}`, className: "n", text: "0" });
      this.agentCounts[key] = n;
      item.append(n, ` ${label}`);
      agents.append(item);
    }
    const charts = element("div", { className: "charts" });
    const waitingBox = element("figure", { testid: "wallboard-waiting-chart", className: "chart" });
    const levelBox = element("figure", {
      testid: "wallboard-service-level-chart",
      className: "chart",
    });
    waitingBox.setAttribute("aria-label", "Calls waiting today");
    levelBox.setAttribute("aria-label", "Service level per 15 minutes today");
    charts.append(
      this.captioned(waitingBox, "Calls waiting today (average per 15 min; now, live)"),
      this.captioned(levelBox, "Service level per 15 min, today"),
    );
    this.waitingChart = waitingChart(waitingBox, CHART_SIZE);
    this.levelChart = serviceLevelChart(levelBox, CHART_SIZE);
    this.el.append(element("h3", { testid: "wallboard-name", text: queue.name }));
    this.el.append(figures, counts, agents, charts);
  }

  captioned(box, caption) {
    const wrap = element("div");
    wrap.append(element("p", { className: "caption", text: caption }), box);
    return wrap;
  }

  setFigure(key, text, level = "none") {
    const dd = this.figures[key];
    if (dd.textContent !== text) dd.textContent = text;
    dd.dataset.level = level;
  }

  showQueue(queue, now, thresholds) {
    this.queue = queue;
    this.setFigure("waiting", String(queue.waiting));
    this.showLongestWait(now, thresholds);
  }

  showLongestWait(now, thresholds) {
    const since = this.queue?.oldestSince ?? null;
    const seconds = since === null ? null : Math.max(0, now - since);
    const text = seconds === null ? "—" : duration(seconds);
    this.setFigure("longest-wait", text, waitLevel(seconds, thresholds));
  }

  showAgents(agents) {
    for (const [key, , states] of AGENT_GROUPS) {
      const n = agents.filter((a) => a.campaign === this.name && states.includes(a.state)).length;
      this.agentCounts[key].textContent = String(n);
    }
  }

  showDay(rows, day, campaign) {
    const today = dayFigures(rows);
    const thresholds = campaign.wallboard;
    const level = today.serviceLevel;
    this.setFigure("service-level", percentText(level), serviceLevelLevel(level, thresholds));
    const asa = today.asaSeconds;
    this.setFigure("asa", asa === null ? "—" : duration(Math.round(asa)));
    this.setFigure("abandon-rate", percentText(today.abandonRate));
    for (const key of ["offered", "answered", "abandoned"]) {
      this.counts[key].textContent = String(today[key]);
    }
    const within = campaign.serviceLevelSeconds;
    this.serviceLevelNote.textContent = `· service level: answered within ${within} s`;
    this.day = [day.start.getTime() / 1000, day.end.getTime() / 1000];
    this.rows = rows;
    this.levelChart.update(rows, ...this.day, thresholds);
    this.drawWaiting();
  }

  drawWaiting() {
    if (this.day === undefined) return; // today's rows first: they set the chart's day
    this.waitingChart.update(this.rows, ...this.day, this.samples.times, this.samples.counts);
  }

  sample(at) {
    if (this.queue === undefined) return;
    const { times, counts } = this.samples;
    times.push(at);
    counts.push(this.queue.waiting);
    if (times.length > MAX_SAMPLES) {
      times.shift();
      counts.shift();
    }
    this.drawWaiting();
  }

  destroy() {
    this.waitingChart.destroy();
    this.levelChart.destroy();
    this.el.remove();
  }
}

export class Wallboard {
  // onTokenRefused(message): the API refused the token (the page asks for it again)
  constructor(doc, { onTokenRefused }) {
    this.tilesEl = doc.getElementById("wallboard-tiles");
    this.emptyEl = doc.getElementById("wallboard-empty");
    this.problemEl = doc.getElementById("wallboard-problem");
    this.sectionEl = doc.getElementById("wallboard");
    this.onTokenRefused = onTokenRefused;
    this.tiles = new Map(); // campaign id -> Tile
    this.queues = new Map(); // campaign id -> queue row
    this.agents = new Map(); // agent id -> agent row
    this.campaigns = new Map(); // campaign name -> { serviceLevelSeconds, wallboard }
    this.offsetMs = 0;
    this.token = null;
    this.live = false; // the socket took the token
    this.timers = [];
    this.pending = null;
    this.inFlight = false;
    this.again = false;
    this.lastRead = 0;
    this.reads = 0;
  }

  // The REST calls wait for the socket's first snapshot: the token is checked there first,
  // and a wrong one is not also guessed at the API (whose throttle would count it).
  start(token) {
    this.stop();
    this.token = token;
  }

  accepted() {
    this.live = true;
    this.timers = [
      setInterval(() => this.requestRefresh(), REFRESH_MS),
      setInterval(() => this.sample(), SAMPLE_MS),
    ];
    this.loadCampaigns();
  }

  stop() {
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.pending);
    this.timers = [];
    this.pending = null;
    this.token = null;
    this.live = false;
    for (const tile of this.tiles.values()) tile.destroy();
    this.tiles.clear();
    this.queues.clear();
    this.agents.clear();
  }

  now() {
    return (Date.now() + this.offsetMs) / 1000;
  }

  apply(frame) {
    this.offsetMs = frame.at * 1000 - Date.now();
    if (frame.type === "snapshot" && !this.live && this.token !== null) this.accepted();
    const first = this.tiles.size === 0;
    if (frame.type === "snapshot") {
      this.queues = new Map(frame.queues.map((q) => [q.campaignId, q]));
      this.agents = new Map(frame.agents.map((a) => [a.agentId, a]));
    } else if (frame.type === "changes") {
      for (const q of frame.queues) this.queues.set(q.campaignId, q);
      for (const id of frame.agentsGone) this.agents.delete(id);
      for (const a of frame.agents) this.agents.set(a.agentId, a);
    } else {
      return;
    }
    this.syncTiles();
    const agents = [...this.agents.values()];
    for (const tile of this.tiles.values()) {
      tile.showQueue(this.queues.get(tile.campaignId), this.now(), this.thresholds(tile.name));
      tile.showAgents(agents);
    }
    if (first && this.tiles.size > 0) this.sample();
    const callsMoved =
      frame.type === "snapshot" ||
      frame.calls.length > 0 ||
      frame.callsGone.length > 0 ||
      frame.queues.length > 0;
    if (callsMoved) this.requestRefresh();
  }

  syncTiles() {
    const inbound = [...this.queues.values()]
      .filter((q) => q.kind === "inbound")
      .sort((a, b) => a.name.localeCompare(b.name));
    const wanted = new Set(inbound.map((q) => q.campaignId));
    for (const [id, tile] of this.tiles) {
      if (!wanted.has(id)) {
        tile.destroy();
        this.tiles.delete(id);
      }
    }
    let unknown = false;
    for (const queue of inbound) {
      if (!this.tiles.has(queue.campaignId)) {
        this.tiles.set(queue.campaignId, new Tile(queue));
        unknown ||= !this.campaigns.has(queue.name);
      }
    }
    const ordered = inbound.map((q) => this.tiles.get(q.campaignId).el);
    if (ordered.some((el, index) => this.tilesEl.children[index] !== el)) {
      this.tilesEl.replaceChildren(...ordered);
    }
    this.emptyEl.hidden = this.tiles.size > 0;
    if (unknown && this.campaigns.size > 0) this.loadCampaigns();
  }

  campaign(name) {
    return (
      this.campaigns.get(name) ?? {
        serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS,
        wallboard: DEFAULT_THRESHOLDS,
      }
    );
  }

  thresholds(name) {
    return this.campaign(name).wallboard;
  }

  // Redraw the longest waits from the server's clock as the page estimates it.
  tick() {
    for (const tile of this.tiles.values()) {
      tile.showLongestWait(this.now(), this.thresholds(tile.name));
    }
  }

  sample() {
    const at = this.now();
    for (const tile of this.tiles.values()) tile.sample(at);
  }

  async loadCampaigns() {
    const token = this.token;
    try {
      const views = await getJson("/api/v1/campaigns", token);
      if (token !== this.token) return;
      for (const view of views) {
        this.campaigns.set(view.name, {
          serviceLevelSeconds: view.serviceLevelSeconds ?? DEFAULT_SERVICE_LEVEL_SECONDS,
          wallboard: { ...DEFAULT_THRESHOLDS, ...(view.wallboard ?? {}) },
        });
      }
      this.problem("");
      this.tick();
      this.requestRefresh();
    } catch (error) {
      this.failed(error, token);
    }
  }

  // Read today's figures now, or as soon as a second has passed since the last read began.
  requestRefresh() {
    if (!this.live) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const wait = this.lastRead + MIN_GAP_MS - Date.now();
    if (wait > 0) {
      this.pending ??= setTimeout(() => {
        this.pending = null;
        this.requestRefresh();
      }, wait);
      return;
    }
    this.refresh();
  }

  async refresh() {
    const token = this.token;
    this.inFlight = true;
    this.lastRead = Date.now();
    const day = localDay(new Date());
    // Up to now on the server's clock, rounded up to the second so that a call queued a
    // moment ago is in; never an empty range, even in midnight's first second.
    const nowMs = Date.now() + this.offsetMs;
    const to = new Date(Math.max(Math.ceil(nowMs / 1000) * 1000, day.start.getTime() + 1000));
    const range = { from: isoSeconds(day.start), to: isoSeconds(to) };
    const params = query({ ...range, interval: INTERVAL_MINUTES });
    try {
      await Promise.all(
        [...this.tiles.values()].map(async (tile) => {
          const campaign = encodeURIComponent(tile.name);
          const path = `/api/v1/reports/campaigns/${campaign}/intervals?${params}`;
          const report = await getJson(path, token);
          if (token === this.token && this.tiles.get(tile.campaignId) === tile) {
            tile.showDay(report.rows, day, this.campaign(tile.name));
          }
        }),
      );
      if (token === this.token) {
        this.reads += 1;
        this.sectionEl.dataset.reads = String(this.reads);
        this.problem("");
      }
    } catch (error) {
      this.failed(error, token);
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.requestRefresh();
      }
    }
  }

  failed(error, token) {
    if (token !== this.token) return;
    if (error instanceof TokenRefused) this.onTokenRefused(error.message);
    else this.problem(`Today's figures could not be read: ${error.message}`);
  }

  problem(message) {
    this.problemEl.textContent = message;
    this.problemEl.hidden = !message;
  }
}
