// Figures as the supervisor's pages print and add them up: percentages, and a day's totals
// from its interval rows (the definitions are docs/reports.md's).

// A time of day on this browser's clock: "09:15", or "09:15:30" `withSeconds`.
export function clockText(date, withSeconds = false) {
  const pad = (n) => String(n).padStart(2, "0");
  const minutes = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withSeconds ? `${minutes}:${pad(date.getSeconds())}` : minutes;
}

export function percentText(value) {
  return value === null || value === undefined ? "—" : `${Number(value.toFixed(1))}%`;
}

// The totals of interval rows. Service level and abandon rate count the calls whose wait is
// over (answered or abandoned; short abandons and calls still waiting left out), as each
// row's service level does; ASA is weighted by each row's answered calls (a row's ASA
// is its answered waits over its answered calls, to a tenth of a second). AHT is left out: a
// row does not say how many calls its AHT averages over.
export function dayFigures(rows) {
  const sums = { offered: 0, answered: 0, abandoned: 0, short: 0, within: 0, waits: 0 };
  let maxWait = null;
  for (const row of rows) {
    sums.offered += row.offered;
    sums.answered += row.answered;
    sums.abandoned += row.abandoned;
    sums.short += row.shortAbandoned;
    sums.within += row.answeredWithinThreshold;
    if (row.asaSeconds !== null) sums.waits += row.asaSeconds * row.answered;
    if (row.maxWaitSeconds !== null) maxWait = Math.max(maxWait ?? 0, row.maxWaitSeconds);
  }
  const counted = sums.answered + sums.abandoned;
  return {
    offered: sums.offered,
    answered: sums.answered,
    abandoned: sums.abandoned,
    shortAbandoned: sums.short,
    answeredWithinThreshold: sums.within,
    serviceLevel: counted > 0 ? (100 * sums.within) / counted : null,
    asaSeconds: sums.answered > 0 ? sums.waits / sums.answered : null,
    abandonRate: counted > 0 ? (100 * sums.abandoned) / counted : null,
    maxWaitSeconds: maxWait,
  };
}
