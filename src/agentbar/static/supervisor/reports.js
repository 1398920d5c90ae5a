// The report page: a day (the browser's local day) and a campaign; the campaign's interval
// report and the agents' report of that day, as tables and charts, each downloadable as CSV.
// The admin token is the supervisor page's (this tab's sessionStorage); the choice is kept in
// the address (?day=&campaign=&interval=), so a report can be reloaded or linked to.

import {
  TOKEN_KEY,
  TokenRefused,
  downloadFile,
  getJson,
  isoSeconds,
  localDay,
  query,
  savedToken,
} from "./admin-api.js";
import { intervalChart, occupancyChart } from "./charts.js";
import { clockText, dayFigures, percentText } from "./figures.js";
import { duration } from "./floor-tables.js";

const $ = (id) => document.getElementById(id);
const CHART_HEIGHT = 220;

let token = null;
let shown = 0; // the latest load: an older one's answers are dropped
let charts = null;

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function status(state, message) {
  $("report-status").dataset.state = state;
  $("report-status").textContent = message;
}

function askForToken(error = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  shown += 1;
  $("view-reports").hidden = true;
  $("forget-token").hidden = true;
  $("view-token").hidden = false;
  showError(error);
  $("token-input").value = "";
  $("token-input").focus();
}

function failed(error) {
  if (error instanceof TokenRefused) askForToken(error.message);
  else {
    status("failed", "");
    showError(error.message);
  }
}

function chartWidth(container) {
  return Math.max(320, Math.min(1000, container.clientWidth || 800));
}

function dateValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// A day as the API's range.
function dayRange(range) {
  return { from: isoSeconds(range.start), to: isoSeconds(range.end) };
}

// The local day the date input names.
function chosenDay() {
  const [year, month, day] = $("report-day").value.split("-").map(Number);
  return localDay(new Date(year, month - 1, day));
}

function choice() {
  return {
    day: $("report-day").value,
    campaign: $("report-campaign").value,
    interval: $("report-interval").value,
  };
}

async function open(given) {
  token = given;
  $("view-token").hidden = true;
  $("view-reports").hidden = false;
  $("forget-token").hidden = false;
  showError("");
  const asked = new URLSearchParams(location.search);
  $("report-day").value = asked.get("day") || dateValue(new Date());
  if (["15", "30", "60"].includes(asked.get("interval"))) {
    $("report-interval").value = asked.get("interval");
  }
  let campaigns;
  try {
    campaigns = await getJson("/api/v1/campaigns", given);
  } catch (error) {
    failed(error);
    return;
  }
  if (token !== given) return;
  // Inbound campaigns first: their queues are what interval reports are mostly about.
  const rank = (campaign) => (campaign.kind === "inbound" ? 0 : 1);
  campaigns.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const select = $("report-campaign");
  select.replaceChildren(
    ...campaigns.map((campaign) => {
      const option = document.createElement("option");
      option.value = campaign.name;
      option.textContent = `${campaign.name} (${campaign.kind})`;
      return option;
    }),
  );
  const named = campaigns.find((c) => c.name === asked.get("campaign"));
  if (named) select.value = named.name;
  charts ??= {
    intervals: intervalChart($("interval-chart"), {
      width: chartWidth($("interval-chart")),
      height: CHART_HEIGHT,
    }),
    occupancy: occupancyChart($("occupancy-chart"), {
      width: chartWidth($("occupancy-chart")),
      height: CHART_HEIGHT,
    }),
  };
  load();
}

async function load() {
  const { day, campaign, interval } = choice();
  if (!day || !campaign || token === null) return;
  history.replaceState(null, "", `?${query({ day, campaign, interval })}`);
  const ticket = ++shown;
  const range = chosenDay();
  const between = dayRange(range);
  status("loading", `Reading ${campaign} on ${day}…`);
  showError("");
  try {
    const [intervals, agents] = await Promise.all([
      getJson(intervalsPath(campaign, { ...between, interval }), token),
      getJson(`/api/v1/reports/agents?${query(between)}`, token),
    ]);
    if (ticket !== shown) return;
    const dayStart = range.start.getTime() / 1000;
    const dayEnd = range.end.getTime() / 1000;
    showIntervals(intervals, dayStart, dayEnd);
    showAgents(agents.rows);
    status("ready", `${campaign} on ${day}, ${interval}-minute intervals.`);
  } catch (error) {
    if (ticket === shown) failed(error);
  }
}

function intervalsPath(campaign, params) {
  return `/api/v1/reports/campaigns/${encodeURIComponent(campaign)}/intervals?${query(params)}`;
}

function cell(testid, text, tag = "td") {
  const td = document.createElement(tag);
  td.dataset.testid = testid;
  td.textContent = text;
  if (tag === "th") td.scope = "row";
  return td;
}

function seconds(value) {
  return value === null || value === undefined ? "—" : duration(Math.round(value));
}

function intervalCells(prefix, figures) {
  return [
    cell(`${prefix}-offered`, String(figures.offered)),
    cell(`${prefix}-answered`, String(figures.answered)),
    cell(`${prefix}-abandoned`, String(figures.abandoned)),
    cell(`${prefix}-short-abandoned`, String(figures.shortAbandoned)),
    cell(`${prefix}-within`, String(figures.answeredWithinThreshold)),
    cell(`${prefix}-service-level`, percentText(figures.serviceLevel)),
    cell(`${prefix}-asa`, seconds(figures.asaSeconds)),
    cell(`${prefix}-aht`, seconds(figures.ahtSeconds)),
    cell(`${prefix}-max-wait`, seconds(figures.maxWaitSeconds)),
  ];
}

function showIntervals(report, dayStart, dayEnd) {
  const rows = report.rows.map((row) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = "interval-row";
    tr.dataset.start = row.start;
    const start = cell("interval-start", clockText(new Date(row.start)), "th");
    tr.append(start, ...intervalCells("interval", row));
    return tr;
  });
  $("interval-body").replaceChildren(...rows);
  const total = document.createElement("tr");
  total.dataset.testid = "interval-total-row";
  const sums = { ...dayFigures(report.rows), ahtSeconds: null };
  total.append(cell("interval-total-start", "Day", "th"), ...intervalCells("interval-total", sums));
  $("interval-total").replaceChildren(total);
  const threshold = report.serviceLevelSeconds;
  $("intervals-note").textContent = `service level: answered within ${threshold} s`;
  charts.intervals.update(report.rows, dayStart, dayEnd);
}

function listed(values, format) {
  return Object.entries(values ?? {})
    .map(([name, value]) => `${name} ${format(value)}`)
    .join(", ");
}

function showAgents(rows) {
  const sorted = [...rows].sort((a, b) => a.name.localeCompare(b.name));
  $("agent-body").replaceChildren(
    ...sorted.map((agent) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = "agent-report-row";
      tr.dataset.agentId = agent.agentId;
      tr.append(
        cell("agent-report-name", `${agent.name} (${agent.agentId})`, "th"),
        cell("agent-report-logged-in", seconds(agent.loggedInSeconds)),
        cell("agent-report-ready", seconds(agent.readySeconds)),
        cell("agent-report-not-ready", seconds(agent.notReadySeconds)),
        cell("agent-report-break", seconds(agent.breakSeconds)),
        cell("agent-report-handling", seconds(agent.handlingSeconds)),
        cell("agent-report-wrap-up", seconds(agent.wrapUpSeconds)),
        cell("agent-report-occupancy", percentText(agent.occupancy)),
        cell("agent-report-calls", String(agent.callsHandled)),
        cell("agent-report-talk", seconds(agent.talkSeconds)),
        cell("agent-report-hold", seconds(agent.holdSeconds)),
        cell("agent-report-wrap", seconds(agent.wrapSeconds)),
        cell("agent-report-aht", seconds(agent.ahtSeconds)),
        cell("agent-report-breaks", listed(agent.breaks, seconds)),
        cell("agent-report-dispositions", listed(agent.dispositions, String)),
      );
      return tr;
    }),
  );
  $("agent-empty").hidden = rows.length > 0;
  charts.occupancy.update(sorted);
}

function slug(text) {
  return text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

async function download(path, filename) {
  if (token === null) return;
  try {
    await downloadFile(path, token, filename);
  } catch (error) {
    failed(error);
  }
}

$("interval-csv").addEventListener("click", () => {
  const { day, campaign, interval } = choice();
  const range = chosenDay();
  const params = { ...dayRange(range), interval, format: "csv" };
  const filename = `intervals-${slug(campaign)}-${day}-${interval}min.csv`;
  download(intervalsPath(campaign, params), filename);
});

$("agent-csv").addEventListener("click", () => {
  const { day } = choice();
  const range = chosenDay();
  const params = { ...dayRange(range), format: "csv" };
  download(`/api/v1/reports/agents?${query(params)}`, `agents-${day}.csv`);
});

$("report-form").addEventListener("change", () => load());
$("report-form").addEventListener("submit", (event) => event.preventDefault());

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const given = $("token-input").value.trim();
  if (!given) return;
  sessionStorage.setItem(TOKEN_KEY, given);
  open(given);
});

$("forget-token").addEventListener("click", () => askForToken());

const saved = savedToken();
if (saved) open(saved);
else askForToken();
