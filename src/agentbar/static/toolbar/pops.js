// One screen pop per call: the pops already shown are shared by every tab of this CRM
// (localStorage is partitioned by the CRM's site) and kept across page refreshes, so a call
// pops the CRM's record once, whichever tab leads and however often the page reloads.

const POPPED_KEY = "agentbar.popped";
const POPPED_KEPT = 200;

export class Pops {
  constructor(store) {
    this.store = store;
  }

  // True the first time a screen pop is claimed, false ever after.
  claim(screenPopId) {
    const popped = this.read();
    if (popped.includes(screenPopId)) return false;
    popped.push(screenPopId);
    this.store.setItem(POPPED_KEY, JSON.stringify(popped.slice(-POPPED_KEPT)));
    return true;
  }

  read() {
    try {
      const popped = JSON.parse(this.store.getItem(POPPED_KEY) ?? "[]");
      return Array.isArray(popped) ? popped : [];
    } catch {
      return [];
    }
  }
}
