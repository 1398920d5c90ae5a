// The supervisor's charts, drawn by uPlot (window.uPlot, loaded by the page as a classic
// script from /supervisor/static/vendor/). Each chart is made on its first data and updated in
// place after; its container's data-points says how many x values it shows, for tests and
// for people reading the page without the library (the charts then say why they are missing).

import { clockText, percentText } from "./figures.js";

export const COLORS = {
  offered: "#2a62d9",
  answered: "#1e8e3e",
  abandoned: "#b3261e",
  level: "#7b3fbf",
  warning: "#c77700",
  alarm: "#b3261e",
  waiting: "#2a62d9",
  occupancy: "#0b7a75",
};

const MISSING = "Charts need uPlot, which scripts/setup installs.";

export function chartsAvailable() {
  return typeof window.uPlot === "function";
}

// A chart in `container`: `options(uPlot)` gives its uPlot options (sizes included).
class Chart {
  constructor(container, options) {
    this.container = container;
    this.options = options;
    this.plot = null;
    container.dataset.points = "0";
  }

  show(data) {
    this.container.dataset.points = String(data[0].length);
    if (!chartsAvailable()) {
      this.container.dataset.unavailable = "true";
      this.container.textContent = MISSING;
      return;
    }
    if (this.plot === null) {
      this.plot = new window.uPlot(this.options(window.uPlot), data, this.container);
    } else {
      this.plot.setData(data);
    }
  }

  destroy() {
    if (this.plot !== null) this.plot.destroy();
    this.plot = null;
  }
}

// Times of day, with seconds when the ticks are less than a minute apart (`step`, seconds).
const TIME_AXIS = {
  values: (u, splits, axis, space, step) =>
    splits.map((seconds) => clockText(new Date(seconds * 1000), step < 60)),
  size: 30,
};
// Calls are whole: no tick between two counts.
const COUNT_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const percentAxis = (side) => ({
  scale: "%",
  side,
  size: 50,
  values: (u, splits) => splits.map((v) => `${v}%`),
  grid: { show: side === 3 },
});

// Calls waiting in one queue through the day: each interval's average (the interval report's
// `averageWaiting`) as steps, and the count waiting now, sampled since the page opened, as a
// line. Both on one time axis: uPlot wants one x array, so absent values are nulls.
export function waitingChart(container, { width, height }) {
  let day = [0, 1];
  const chart = new Chart(container, (uPlot) => ({
    width,
    height,
    legend: { show: false },
    scales: {
      x: { time: true, range: () => day },
      y: { range: (u, min, max) => [0, Math.max(3, Math.ceil(max ?? 0) + 1)] },
    },
    axes: [TIME_AXIS, { size: 36, incrs: COUNT_INCREMENTS }],
    series: [
      {},
      {
        label: "Average waiting",
        stroke: COLORS.waiting,
        fill: "rgba(42, 98, 217, 0.12)",
        width: 1,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: false },
        spanGaps: true,
      },
      {
        label: "Waiting now",
        stroke: COLORS.waiting,
        width: 2,
        points: { show: false },
        spanGaps: true,
      },
    ],
  }));
  return {
    // rows: today's interval rows; dayStart/dayEnd: seconds; times/counts: the live samples
    update(rows, dayStart, dayEnd, times, counts) {
      day = [dayStart, dayEnd];
      const at = new Map();
      for (const row of rows) at.set(Date.parse(row.start) / 1000, [row.averageWaiting, null]);
      times.forEach((time, i) => {
        const values = at.get(time) ?? [null, null];
        values[1] = counts[i];
        at.set(time, values);
      });
      const xs = [...at.keys()].sort((a, b) => a - b);
      chart.show([xs, xs.map((x) => at.get(x)[0]), xs.map((x) => at.get(x)[1])]);
    },
    destroy: () => chart.destroy(),
  };
}

function threshold(label, stroke) {
  return { label, scale: "%", stroke, dash: [4, 4], points: { show: false } };
}

// The service level of each interval of a day, with the campaign's warning and alarm lines.
export function serviceLevelChart(container, { width, height, legend = false }) {
  let day = [0, 1];
  const chart = new Chart(container, () => ({
    width,
    height,
    legend: { show: legend },
    scales: { x: { time: true, range: () => day }, "%": { range: [0, 100] } },
    axes: [TIME_AXIS, percentAxis(3)],
    series: [
      {},
      {
        label: "Service level",
        scale: "%",
        stroke: COLORS.level,
        width: 2,
        points: { show: true, size: 5 },
        value: (u, v) => percentText(v),
      },
      threshold("Warning", COLORS.warning),
      threshold("Alarm", COLORS.alarm),
    ],
  }));
  return {
    // rows: interval rows; dayStart/dayEnd: seconds; thresholds: the campaign's wallboard ones
    update(rows, dayStart, dayEnd, thresholds) {
      day = [dayStart, dayEnd];
      // The day's end closes the threshold lines: they cross the whole day.
      const starts = [...rows.map((row) => Date.parse(row.start) / 1000), dayEnd];
      chart.show([
        starts,
        [...rows.map((row) => row.serviceLevel), null],
        starts.map(() => thresholds.serviceLevelWarning),
        starts.map(() => thresholds.serviceLevelAlarm),
      ]);
    },
    destroy: () => chart.destroy(),
  };
}

function callLine(label, stroke) {
  return { label, scale: "calls", stroke, width: 2, points: { size: 5 } };
}

// A day's intervals: calls offered as bars, answered and abandoned as lines, service level on
// its own percent axis.
export function intervalChart(container, { width, height }) {
  let day = [0, 1];
  const chart = new Chart(container, (uPlot) => ({
    width,
    height,
    scales: {
      x: { time: true, range: () => day },
      calls: { range: (u, min, max) => [0, Math.max(2, max)] },
      "%": { range: [0, 100] },
    },
    axes: [TIME_AXIS, { scale: "calls", size: 36, incrs: COUNT_INCREMENTS }, percentAxis(1)],
    series: [
      {},
      {
        label: "Offered",
        scale: "calls",
        stroke: COLORS.offered,
        fill: "rgba(42, 98, 217, 0.25)",
        paths: uPlot.paths.bars({ size: [0.7, 40], align: 1 }),
        points: { show: false },
      },
      callLine("Answered", COLORS.answered),
      callLine("Abandoned", COLORS.abandoned),
      {
        label: "Service level",
        scale: "%",
        stroke: COLORS.level,
        dash: [6, 3],
        width: 2,
        points: { size: 5 },
        value: (u, v) => percentText(v),
      },
    ],
  }));
  return {
    update(rows, dayStart, dayEnd) {
      day = [dayStart, dayEnd];
      chart.show([
        rows.map((row) => Date.parse(row.start) / 1000),
        rows.map((row) => row.offered),
        rows.map((row) => row.answered),
        rows.map((row) => row.abandoned),
        rows.map((row) => row.serviceLevel),
      ]);
    },
    destroy: () => chart.destroy(),
  };
}

// Each agent's occupancy as a bar, the agents named along the x axis.
export function occupancyChart(container, { width, height }) {
  let names = [];
  const chart = new Chart(container, (uPlot) => ({
    width,
    height,
    legend: { show: false },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(names.length, 1) - 0.5] },
      "%": { range: [0, 100] },
    },
    axes: [
      {
        splits: () => names.map((_, index) => index),
        values: (u, splits) => splits.map((index) => names[index] ?? ""),
        size: 40,
        grid: { show: false },
      },
      percentAxis(3),
    ],
    series: [
      {},
      {
        label: "Occupancy",
        scale: "%",
        stroke: COLORS.occupancy,
        fill: "rgba(11, 122, 117, 0.35)",
        paths: uPlot.paths.bars({ size: [0.6, 80] }),
        points: { show: false },
      },
    ],
  }));
  return {
    update(rows) {
      names = rows.map((row) => row.name);
      chart.show([rows.map((_, index) => index), rows.map((row) => row.occupancy)]);
    },
    destroy: () => chart.destroy(),
  };
}
