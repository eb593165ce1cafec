// Drives the built widget on demo.html with a fake model (see demo.html).
import widget from "../vizgrad/static/widget.js";
import { createFakeModel } from "./fake-model.js";

const params = new URLSearchParams(location.search);
if (params.get("theme") === "dark") document.body.setAttribute("data-jp-theme-light", "false");
const cell = document.getElementById("cell");
const log = document.getElementById("log");
if (params.get("width")) cell.style.width = `${Number(params.get("width"))}px`;

const src = params.get("src") ?? `./test/fixtures/${params.get("fixture") ?? "worked_example"}.json`;
const fixture = await (await fetch(src)).json();
const model = createFakeModel({
  graph: fixture.graph,
  dot: fixture.dot,
  step: Number(params.get("step") ?? 0),
  collapsed: (fixture.graph.scopes ?? []).filter((s) => s.collapsed).map((s) => s.name),
});
// what the kernel would do: a new list of collapsed scopes brings new DOT
model.on("change:collapsed", () => {
  const dot = fixture.dots?.[model.get("collapsed").join(",")];
  if (dot) model.set("dot", dot);
  else log.textContent = `collapsed = ${JSON.stringify(model.get("collapsed"))} (no DOT for it in this fixture)`;
});
model.on("change:step", () => { log.textContent = `model step = ${model.get("step")}`; });
widget.render({ model, el: cell });
window.vizgradDemo = { model, fixture };
