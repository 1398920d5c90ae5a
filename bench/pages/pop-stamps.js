// The screen pop's stages, stamped in the browser without touching the product: Playwright
// runs this in every frame before the frame's own scripts. In the toolbar's frame it stamps
// each `call.offered` and `call.screen_pop` frame as its WebSocket delivers it; in the CRM
// page it stamps the toolbar's `showCrm` message as the page receives it, before the glue
// script handles it.
// performance.timeOrigin + performance.now(): the wall clock below a millisecond.
(function () {
  function wall() {
    return performance.timeOrigin + performance.now();
  }
  if (window.top === window) {
    window.__pageReceived = [];
    // Capture phase, added before any of the page's scripts ran: it runs ahead of the glue.
    window.addEventListener(
      "message",
      function (event) {
        if (typeof event.data !== "string" || event.data.indexOf('"method":"showCrm"') === -1) {
          return;
        }
        var at = wall();
        window.__pageReceived.push({ wall: at, id: JSON.parse(event.data).requestId });
      },
      true,
    );
    return;
  }
  if (window.location.pathname.indexOf("toolbar-crm.htm") === -1) return;
  window.__toolbarReceived = [];
  window.__toolbarOffered = [];
  var Native = window.WebSocket;
  // The stamping listener is added in the constructor, so ahead of the toolbar's own.
  class Stamped extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", function (event) {
        if (typeof event.data !== "string") return;
        var pop = event.data.indexOf("call.screen_pop") !== -1;
        if (!pop && event.data.indexOf("call.offered") === -1) return;
        var at = wall();
        var frame = JSON.parse(event.data);
        if (frame.event === "call.screen_pop") {
          window.__toolbarReceived.push({
            wall: at,
            decided: frame.at,
            id: frame.data.screenPopId,
            call: frame.data.callId,
          });
        } else if (frame.event === "call.offered") {
          window.__toolbarOffered.push({ wall: at, decided: frame.at, id: frame.data.callId });
        }
      });
    }
  }
  window.WebSocket = Stamped;
})();
