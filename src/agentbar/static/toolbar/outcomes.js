// What a command the CRM sent came to, for the answer to its request (crm/bridge.js `settle`):
// a promise waiting on that request settles on this, whatever else the toolbar does meanwhile.

export function succeeded(value = {}) {
  return { outcome: "success", ...value };
}

export function refused(reason) {
  return { outcome: "failed", reason: String(reason) };
}
