// The toolbar's WebSocket to agentbar: numbered requests with answers, seq-numbered events,
// the agent's views, reconnection with backoff. It knows frames, not what they mean.

const REQUEST_TIMEOUT_MS = 10000;
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class ToolbarSocket {
  constructor(url, { onEvent, onView, onOpen, onClose }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onView = onView;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
  }

  connect() {
    this.stopped = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onOpen();
    });
    ws.addEventListener("message", (message) => this.receive(message.data));
    ws.addEventListener("close", (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending(new RequestError("disconnected", "connection to agentbar lost"));
      const again = this.onClose(close.code, close.reason);
      if (again && !this.stopped) {
        const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
        this.attempt += 1;
        setTimeout(() => this.connect(), delay);
      }
    });
  }

  stop() {
    this.stopped = true;
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  request(cmd, fields = {}) {
    if (!this.open) {
      return Promise.reject(new RequestError("disconnected", "not connected to agentbar"));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError("timeout", `agentbar did not answer '${cmd}' in time`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, cmd, ...fields }));
    });
  }

  receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      console.warn("agentbar: unreadable frame from the server", text);
      return;
    }
    if ("re" in frame) {
      const waiting = this.pending.get(frame.re);
      if (!waiting) return;
      this.pending.delete(frame.re);
      clearTimeout(waiting.timer);
      if (frame.ok) waiting.resolve(frame);
      else waiting.reject(new RequestError(frame.error.code, frame.error.message));
    } else if ("event" in frame) {
      this.onEvent(frame);
    } else if ("view" in frame) {
      this.onView(frame);
    }
  }

  failPending(error) {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.pending.clear();
  }
}
