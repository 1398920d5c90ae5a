// The toolbar's WebSocket to agentbar: numbered requests with answers, seq-numbered events,
// the agent's views, reconnection with backoff. It knows frames, not what they mean.
//
// A request made while the socket is (re)connecting, or after a request that ends this socket
// (a logout: the server closes it once it has answered), waits for the next socket instead of
// failing: a CRM that logs out and straight back in is served. Waiting requests go out in the
// order they were made, right after what the toolbar sends first on open (`auth.resume`).
//
// A socket is not always held open: the server closes one that has not logged in within a
// deadline, so the toolbar lets such a socket go idle (RECONNECT_WHEN_NEEDED) and the next
// request opens a new one, waiting for it like any other.

const REQUEST_TIMEOUT_MS = 10000;
// How long a request waits for the socket to open: a few backoff steps, and short enough that
// waiting and then answering stays within the glue's own 15 s promise timeout; an action the
// agent clicked during an outage is not carried out long after they gave up on it.
const OPEN_WAIT_MS = 5000;
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

// What `onClose` answers: reconnect at once (the server closed on purpose and is up), after
// the backoff (the connection dropped), when a request next needs a socket (no session: the
// server would only close an idle unauthenticated socket again), or not at all (falsy).
export const RECONNECT_NOW = "now";
export const RECONNECT_LATER = "later";
export const RECONNECT_WHEN_NEEDED = "when-needed";

export class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const notConnected = () => new RequestError("disconnected", "not connected to agentbar");

export class ToolbarSocket {
  constructor(url, { onEvent, onView, onOpen, onClose }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onView = onView;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.nextId = 1;
    this.pending = new Map(); // sent, waiting for their answer
    this.waiting = []; // not sent yet, waiting for an open socket
    this.attempt = 0;
    this.ws = null;
    this.retry = null; // the backoff timer of the next connection, while one is due
    this.stopped = false;
    this.ending = false; // a request that ends this socket was sent: the next ones wait
  }

  connect() {
    clearTimeout(this.retry);
    this.retry = null;
    this.stopped = false;
    this.ending = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      // What onOpen sends before its first await (the resume) goes before the requests that
      // waited: the server answers frames in order, so they are handled once authenticated.
      const waited = this.waiting;
      this.waiting = [];
      this.onOpen();
      for (const request of waited) this.dispatch(request);
    });
    ws.addEventListener("message", (message) => this.receive(message.data));
    ws.addEventListener("close", (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ending = false;
      this.failPending(new RequestError("disconnected", "connection to agentbar lost"));
      const again = this.onClose(close.code, close.reason);
      if (!again || this.stopped) {
        this.stop(); // no socket comes next: what waits for one fails now, and so will requests
        return;
      }
      if (again === RECONNECT_WHEN_NEEDED) {
        // Idle until a request comes; one already waiting (a login right after a logout) is
        // that request.
        if (this.waiting.length > 0) this.connect();
        return;
      }
      if (again === RECONNECT_NOW) {
        this.attempt = 0;
        this.connect();
        return;
      }
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      this.retry = setTimeout(() => this.connect(), delay);
    });
  }

  stop() {
    this.stopped = true;
    this.failWaiting();
  }

  // No socket, none coming: the next request (or `wake`) opens one.
  get idle() {
    return !this.stopped && this.ws === null && this.retry === null;
  }

  // Open a socket if none is open or coming (another tab shared a session to resume).
  wake() {
    if (this.idle) this.connect();
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // `endsSocket`: the server closes this socket once it has answered (a logout), so the
  // requests made after this one wait for the next socket.
  request(cmd, fields = {}, { endsSocket = false } = {}) {
    if (this.stopped) return Promise.reject(notConnected());
    return new Promise((resolve, reject) => {
      this.dispatch({ cmd, fields, endsSocket, resolve, reject, timer: null });
    });
  }

  dispatch(request) {
    if (this.open && !this.ending) {
      this.send(request);
      return;
    }
    if (request.timer === null) {
      request.timer = setTimeout(() => {
        this.waiting = this.waiting.filter((other) => other !== request);
        request.reject(notConnected());
      }, OPEN_WAIT_MS);
    }
    this.waiting.push(request);
    this.wake(); // an idle toolbar connects for it; the request is sent once it opens
  }

  send(request) {
    const { cmd, fields, endsSocket, resolve, reject } = request;
    clearTimeout(request.timer);
    const id = this.nextId++;
    const ws = this.ws;
    const settled = (ok) => {
      // A refused or unanswered logout leaves the socket open: the waiting requests use it.
      if (endsSocket && !ok && this.ws === ws) this.stopEnding();
    };
    const timer = setTimeout(() => {
      this.pending.delete(id);
      reject(new RequestError("timeout", `agentbar did not answer '${cmd}' in time`));
      settled(false);
    }, REQUEST_TIMEOUT_MS);
    this.pending.set(id, { resolve, reject, timer, settled });
    if (endsSocket) this.ending = true;
    ws.send(JSON.stringify({ id, cmd, ...fields }));
  }

  stopEnding() {
    this.ending = false;
    const waited = this.waiting;
    this.waiting = [];
    for (const request of waited) this.dispatch(request);
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
      waiting.settled(frame.ok);
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

  failWaiting() {
    const waited = this.waiting;
    this.waiting = [];
    for (const { reject, timer } of waited) {
      clearTimeout(timer);
      reject(notConnected());
    }
  }
}
