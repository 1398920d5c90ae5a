// The toolbar's own controls: each button, field and menu wired to what it asks for (an
// action, a session move, a tab take-over). What they show is views.js's business.

const $ = (id) => document.getElementById(id);

export function bindControls(toolbar, view) {
  const t = toolbar;
  const a = t.actions;
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    t.session.login($("login-username").value, $("login-password").value, "AUTH_TYPE_PASSWORD");
  });
  $("extension-select").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.value) a.chooseExtension(option.value, option.dataset.phone);
  });
  $("extension-form").addEventListener("submit", (event) => {
    event.preventDefault();
    a.chooseExtension($("extension-input").value, null);
  });
  $("campaign-select").addEventListener("change", (event) => {
    if (event.target.value) a.act("campaign.select", { campaignId: event.target.value }).catch(() => {});
  });
  $("ready").addEventListener("click", () => a.act("presence.ready").catch(() => {}));
  $("preview-dial").addEventListener("click", () => a.act("lead.dial").catch(() => {}));
  $("preview-skip").addEventListener("click", () => a.act("lead.skip").catch(() => {}));
  $("break").addEventListener("click", () => a.takeBreak($("break-reason").value));
  $("auto-call").addEventListener("change", (event) => a.setAutoCall(event.target.checked));
  $("hangup").addEventListener("click", () => a.act("call.hangup").catch(() => {}));
  $("hold").addEventListener("click", () => {
    const held = t.snapshot?.call?.onHold;
    a.act(held ? "call.resume" : "call.hold").catch(() => {});
  });
  $("transfer").addEventListener("click", () =>
    a.transfer($("transfer-kind").value, $("transfer-target").value),
  );
  $("transfer-complete").addEventListener("click", () =>
    a.act("call.transfer.complete").catch(() => {}),
  );
  $("transfer-cancel").addEventListener("click", () => a.act("call.transfer.cancel").catch(() => {}));
  $("conference").addEventListener("click", () =>
    a.conference($("conference-kind").value, $("conference-target").value),
  );
  $("legs").addEventListener("click", (event) => {
    const legId = event.target.dataset?.legId;
    if (legId) a.act("call.leg.drop", { legId }).catch(() => {});
  });
  $("dial-form").addEventListener("submit", (event) => {
    event.preventDefault();
    a.dial($("dial-number").value, "manual");
  });
  $("logout").addEventListener("click", () => t.session.logout());
  $("force-login").addEventListener("click", () => t.session.forceLogin());
  $("take-over").addEventListener("click", () => t.takeOver());
  $("disposition-class").addEventListener("change", () => view.fillCodes());
  // Escape backs out: it dismisses the error shown and clears the field being typed in.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    view.clearError();
    const field = document.activeElement;
    if (field?.tagName === "INPUT" && field.type !== "checkbox") field.value = "";
  });
  $("dispose").addEventListener("click", () => {
    const when = $("callback-time").value; // local date and time, from datetime-local
    const at = when ? new Date(when).toISOString() : null;
    a.dispose($("disposition-code").value, null, $("disposition-note").value, at);
  });
}
