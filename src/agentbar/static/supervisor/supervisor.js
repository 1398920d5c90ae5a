// The supervisor page: asks for the admin token (kept in this tab's sessionStorage), follows
// the floor over the supervisor socket, shows the wallboard and logs agents out through the
// REST API.

import { TOKEN_KEY } from "./admin-api.js";
import { CLOSE_BAD_TOKEN, FloorSocket, socketUrl } from "./floor-socket.js";
import { FloorTables, label } from "./floor-tables.js";
import { Wallboard } from "./wallboard.js";

const SOCKET_PATH = "/api/v1/supervisor/socket";
const TICK_MS = 1000;

const $ = (id) => document.getElementById(id);
let socket = null;

const tables = new FloorTables(document, { onForceLogout: forceLogout });
const wallboard = new Wallboard(document, { onTokenRefused: (message) => askForToken(message) });

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function notice(message) {
  $("notice").textContent = message;
}

function setConnection(state) {
  const connection = $("connection");
  if (connection.dataset.state === state) return;
  connection.dataset.state = state;
  connection.textContent = label(state);
}

function askForToken(error = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  if (socket !== null) socket.stop();
  socket = null;
  wallboard.stop();
  setConnection("offline");
  $("view-floor").hidden = true;
  $("forget-token").hidden = true;
  $("view-token").hidden = false;
  showError(error);
  $("token-input").value = "";
  $("token-input").focus();
}

function follow(token) {
  $("view-token").hidden = true;
  $("view-floor").hidden = false;
  $("forget-token").hidden = false;
  showError("");
  wallboard.start(token);
  socket = new FloorSocket(socketUrl(SOCKET_PATH), token, {
    onState: setConnection,
    onFrame: (frame) => {
      tables.apply(frame);
      wallboard.apply(frame);
    },
    onRefused: (code, reason) =>
      askForToken(
        code === CLOSE_BAD_TOKEN
          ? "That admin token is not valid."
          : `agentbar refused the connection: ${reason}`,
      ),
  });
  socket.connect();
}

async function forceLogout(agent) {
  const who = `${agent.name} (${agent.agentId})`;
  const question =
    `Log out ${who}?\n\n` +
    "A ringing call goes back to its queue; a live call is ended and disposed by the system.";
  if (!window.confirm(question)) return;
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null) {
    askForToken("Enter the admin token again.");
    return;
  }
  let response;
  try {
    response = await fetch(`/api/v1/agents/${encodeURIComponent(agent.agentId)}/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
  } catch {
    showError(`Could not reach agentbar to log out ${who}.`);
    return;
  }
  if (response.status === 204) {
    showError("");
    notice(`${who} was logged out.`);
  } else if (response.status === 401 || response.status === 403) {
    askForToken("That admin token is not valid.");
  } else {
    let detail = `HTTP ${response.status}`;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      // not JSON: keep the status
    }
    showError(`Could not log out ${who}: ${detail}`);
  }
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token-input").value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  follow(token);
});

$("forget-token").addEventListener("click", () => askForToken());

setInterval(() => {
  tables.tick();
  wallboard.tick();
}, TICK_MS);

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) follow(saved);
else askForToken();
