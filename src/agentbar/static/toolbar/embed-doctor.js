// The embed doctor: when the toolbar cannot work it says exactly what is wrong and what the
// administrator (or the CRM page's developer) must change — to the agent, in the toolbar, and
// to the CRM page (crm/handlers.js `embedError`).
//
// It tells the CRM page only when the page's origin is known and on the allow-list: the
// browser's own word (location.ancestorOrigins) where there is one, else the `origin`
// parameter once it has passed every check. A page off the allow-list learns nothing.

import { crmPageUrl, originOf } from "./crm/bridge.js";
import { CrmPage } from "./crm/handlers.js";

const SETTING = "AGENTBAR_ALLOWED_ORIGINS";
const GUIDE = "docs/integration-guide.md";
const SNIPPET =
  '<iframe id="ameyoIframe" src="' +
  `${location.origin}/ameyowebaccess/toolbar-crm.htm?origin=' + window.location.href + '">`;
const SOCKET_FAILURES_BEFORE_REPORT = 3; // about two seconds of the socket's backoff

// {crmOrigin} when the toolbar may start, else {problem: {code, message, fix}, parentOrigin}.
export function diagnoseEmbedding(config, loc = location, win = window) {
  const allowed = config.allowedOrigins;
  const ancestor = loc.ancestorOrigins?.length ? loc.ancestorOrigins[0] : null;
  const parentOrigin = ancestor && allowed.includes(ancestor) ? ancestor : null;
  const problem = (code, message, fix, postTo = parentOrigin) => ({
    problem: { code, message, fix },
    parentOrigin: postTo,
  });

  if (win.parent === win) {
    return problem(
      "not_framed",
      "This toolbar was opened on its own; it works only inside a CRM page (an iframe).",
      `Embed it in the CRM page: ${SNIPPET} (see ${GUIDE}).`,
      null,
    );
  }
  const pageUrl = crmPageUrl(loc.search);
  if (!pageUrl) {
    return problem(
      "origin_missing",
      "The toolbar's URL has no ?origin= parameter, so it cannot know which CRM page it serves.",
      `The CRM page must load the toolbar as ${SNIPPET}.`,
    );
  }
  const crmOrigin = originOf(pageUrl);
  if (!crmOrigin) {
    return problem(
      "origin_malformed",
      `The toolbar's origin parameter '${pageUrl}' is not an absolute http(s) URL.`,
      "The CRM page must pass its own full URL (window.location.href), e.g. " +
        "?origin=https://crm.example.com/contacts.",
    );
  }
  if (!allowed.includes(crmOrigin)) {
    return problem(
      "origin_not_allowed",
      `The CRM origin ${crmOrigin} is not on this agentbar server's allow-list, so the toolbar ` +
        "will not talk to it.",
      `The administrator must add ${crmOrigin} to ${settingWithValue(allowed)} and restart agentbar.`,
    );
  }
  if (ancestor && ancestor !== crmOrigin) {
    return problem(
      "origin_mismatch",
      `The origin parameter names ${crmOrigin}, but the page embedding the toolbar is at ` +
        `${ancestor}; the toolbar would talk to a page that is not there.`,
      "The CRM page must pass its own URL (window.location.href) as the origin parameter.",
    );
  }
  return { crmOrigin };
}

function settingWithValue(allowed) {
  const now = allowed.length ? allowed.join(",") : "nothing";
  return `${SETTING} (comma-separated origins; now: ${now})`;
}

// Show a problem that stops the toolbar, and tell the CRM page when that is safe.
export function reportEmbedProblem(view, { problem, parentOrigin }) {
  view.fatal(`${problem.message} Fix: ${problem.fix}`);
  showPanel(problem);
  console.error(`agentbar: ${problem.code}: ${problem.message} Fix: ${problem.fix}`);
  if (parentOrigin) new CrmPage(parentOrigin).embedError(problem.code, problem.message, problem.fix);
}

// Watch the toolbar's socket: a few failed connections in a row are diagnosed and reported
// (through the toolbar's bridge, whose origin passed every check); a later success clears it.
export function watchConnection(toolbar) {
  const socket = toolbar.socket;
  const opened = socket.onOpen;
  const closed = socket.onClose;
  let open = false;
  let failures = 0;
  let reported = false;
  socket.onOpen = () => {
    open = true;
    failures = 0;
    if (reported) {
      reported = false;
      removePanel();
      toolbar.view.clearError();
    }
    return opened();
  };
  socket.onClose = (code, reason) => {
    const wasOpen = open;
    open = false;
    if (!wasOpen) {
      failures += 1;
      if (failures === SOCKET_FAILURES_BEFORE_REPORT && !reported) {
        reported = true;
        diagnoseSocket().then((problem) => {
          if (!reported) return; // it connected meanwhile
          toolbar.view.error(`${problem.message} Fix: ${problem.fix}`);
          showPanel(problem);
          console.error(`agentbar: ${problem.code}: ${problem.message}`);
          toolbar.crm.embedError(problem.code, problem.message, problem.fix);
        });
      }
    }
    return closed(code, reason);
  };
}

async function diagnoseSocket() {
  const where = `${location.origin}${socketPath()}`;
  let serverAnswers = false;
  try {
    serverAnswers = (await fetch("/healthz", { cache: "no-store" })).ok;
  } catch {
    serverAnswers = false;
  }
  if (serverAnswers) {
    return {
      code: "socket_refused",
      message: `agentbar answers, but its WebSocket ${where} was refused or dropped.`,
      fix:
        "If agentbar is behind a proxy, forward WebSocket upgrades (the Upgrade and Connection " +
        "headers) for /api/v1/socket and pass the Host and Origin headers through; the server " +
        "log names any socket it refused.",
    };
  }
  return {
    code: "server_unreachable",
    message: `The agentbar server at ${location.origin} cannot be reached.`,
    fix:
      "Start agentbar (agentbar serve), or open the network path and proxy between the " +
      `agent's browser and ${location.origin}.`,
  };
}

function socketPath() {
  try {
    return JSON.parse(document.body.dataset.config).socketPath;
  } catch {
    return "/api/v1/socket";
  }
}

function showPanel(problem) {
  removePanel();
  const panel = document.createElement("section");
  panel.className = "embed-error";
  panel.dataset.testid = "embed-error";
  panel.dataset.code = problem.code;
  panel.setAttribute("role", "alert");
  const message = document.createElement("p");
  message.className = "message";
  message.textContent = problem.message;
  const fix = document.createElement("p");
  fix.className = "fix";
  fix.textContent = `Fix: ${problem.fix}`;
  panel.append(message, fix);
  document.querySelector("header")?.after(panel) ?? document.body.prepend(panel);
}

function removePanel() {
  document.querySelector('[data-testid="embed-error"]')?.remove();
}
