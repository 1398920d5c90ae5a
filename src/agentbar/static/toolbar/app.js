// The toolbar page's entry: check where the toolbar was put, then start it with the CRM
// page's commands wired in.

import { crmCommands } from "./crm/commands.js";
import { diagnoseEmbedding, reportEmbedProblem, watchConnection } from "./embed-doctor.js";
import { Toolbar } from "./toolbar.js";
import { View } from "./views.js";

function main() {
  const config = JSON.parse(document.body.dataset.config);
  // The embed doctor decides whether this toolbar can work where it was put, and says why not.
  const embedding = diagnoseEmbedding(config);
  if (!embedding.crmOrigin) {
    reportEmbedProblem(new View(null), embedding);
    return;
  }
  const toolbar = new Toolbar(config, embedding.crmOrigin);
  toolbar.crm.extend(crmCommands(toolbar));
  watchConnection(toolbar);
  toolbar.start();
}

main();
