// Misuse that agentbar.d.ts must reject (the test expects tsc to fail here, line by line).
/// <reference path="../../src/agentbar/static/integration/agentbar.d.ts" />

ameyo.integration.doLogin("agent1"); // TS2554: arguments missing
ameyo.integration.registerCustomFunction("showCrm", { showCrm: (phone: number) => phone }); // TS2322
ameyo.integration.registerCustomFunction("noSuchHandler", {}); // TS2345
async function f(): Promise<void> {
  const bar = await AgentBar.attach(document.createElement("iframe"));
  const n: number = await bar.dispositionCodes(); // TS2322
  console.log(n);
}
void f();
