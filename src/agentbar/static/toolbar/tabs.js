// Several tabs of one CRM: exactly one toolbar leads (pops screens, fires the CRM's call
// handlers); the others say the agent is active in another tab and offer to take over.
// Leadership is a Web Lock; news between tabs goes over a BroadcastChannel. Both are scoped
// to the iframe's storage partition, i.e. to one CRM site: two CRMs do not contend.

const LOCK = "agentbar.leader";
const CHANNEL = "agentbar.tabs";

export class TabLeader {
  constructor({ onLeading, onMessage }) {
    this.onLeading = onLeading;
    this.onMessage = onMessage;
    this.leading = false;
    this.waiting = null; // AbortController of the queued (not yet granted) lock request
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
    if (this.channel) this.channel.onmessage = (event) => this.onMessage(event.data);
  }

  start() {
    if (!navigator.locks) {
      // No Web Locks (an old browser, or a page that is not a secure context): every tab
      // leads, as before there were tabs.
      this.set(true);
      return;
    }
    // Lead at once if no tab does; otherwise follow, and queue to lead when it goes away.
    this.hold({ ifAvailable: true });
  }

  queue() {
    this.waiting = new AbortController();
    this.hold({ signal: this.waiting.signal });
  }

  takeOver() {
    if (!navigator.locks || this.leading) return;
    this.waiting?.abort(); // the queued request would otherwise be granted later as a second hold
    this.waiting = null;
    this.hold({ steal: true });
  }

  hold(options) {
    let granted = false;
    navigator.locks
      .request(LOCK, options, (lock) => {
        if (lock === null) {
          this.set(false); // ifAvailable, and another tab leads
          this.queue();
          return undefined;
        }
        granted = true;
        this.waiting = null;
        this.set(true);
        this.post({ type: "leader" });
        // Held while this page lives; the browser releases it when the page goes away.
        return new Promise(() => {});
      })
      .catch((error) => {
        if (error.name !== "AbortError") throw error;
        if (!granted) return; // a queued request withdrawn for our own take-over
        // Another tab took over: follow, and queue to lead again when it goes away.
        this.set(false);
        this.queue();
      });
  }

  set(leading) {
    this.leading = leading;
    this.onLeading(leading);
  }

  post(message) {
    this.channel?.postMessage(message);
  }
}
