// The supervisor's socket: the admin token in the first frame, then a snapshot of the floor
// and frames of changes; reconnection with backoff. It knows frames, not tables.

const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
export const CLOSE_NO_TOKEN = 4401;
export const CLOSE_BAD_TOKEN = 4403;

export class FloorSocket {
  // onState(state): "connecting" | "live" | "reconnecting" | "offline"
  // onFrame(frame): a snapshot or changes frame
  // onRefused(code, reason): the server refused the token; no reconnection follows
  constructor(url, token, { onState, onFrame, onRefused }) {
    this.url = url;
    this.token = token;
    this.onState = onState;
    this.onFrame = onFrame;
    this.onRefused = onRefused;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = false;
  }

  connect() {
    this.stopped = false;
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ cmd: "auth", token: this.token }));
    });
    ws.addEventListener("message", (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        console.warn("agentbar supervisor: unreadable frame", message.data);
        return;
      }
      if (frame.type === "snapshot") {
        this.attempt = 0;
        this.onState("live");
      }
      this.onFrame(frame);
    });
    ws.addEventListener("close", (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (close.code === CLOSE_BAD_TOKEN || close.code === CLOSE_NO_TOKEN) {
        this.stopped = true;
        this.onState("offline");
        this.onRefused(close.code, close.reason);
        return;
      }
      if (this.stopped) {
        this.onState("offline");
        return;
      }
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      this.onState("reconnecting");
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws !== null) this.ws.close(1000, "supervisor left");
  }
}

export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
