// @vitest-environment jsdom
// What the widget does about sharing: the bundle without Graphviz draws the
// kernel's layout, and the picture saved beside the widget is hidden where the
// widget itself shows.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { createFakeModel } from "../fake-model.js";
import { hideSavedPicture, PICTURE_MARK } from "../saved-picture.js";
import { TEST_DIR, attributeBecomes, loadFixture } from "./helpers.js";

const KERNEL_LAYOUT_BUNDLE = join(TEST_DIR, "../../vizgrad/static/widget-kernel-layout.js");
const worked = loadFixture("worked_example");

describe("the bundle for kernels that lay out", () => {
  let widget;
  let kernelSvg;
  const mounted = [];

  beforeAll(async () => {
    if (!existsSync(KERNEL_LAYOUT_BUNDLE)) throw new Error("run `npm run build` first");
    widget = (await import("../../vizgrad/static/widget-kernel-layout.js")).default;
    // what graphviz-pure sends from the kernel: the same Graphviz, the same SVG
    kernelSvg = (await Graphviz.load()).layout(worked.dot, "svg", "dot");
  });

  afterEach(() => {
    while (mounted.length) mounted.pop()();
  });

  function mount(values) {
    const model = createFakeModel({ graph: worked.graph, dot: worked.dot, step: 0, collapsed: [], ...values });
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = widget.render({ model, el });
    mounted.push(() => { cleanup?.(); el.remove(); });
    return { model, root: el.querySelector(".vizgrad-widget") };
  }

  test("draws and steps with the layout the kernel sent", async () => {
    const { model, root } = mount({ svg: kernelSvg });
    await attributeBecomes(root, "data-rendered", "true");
    expect(root.querySelectorAll(".vg-canvas > svg g.node").length).toBe(
      worked.graph.nodes.length);
    root.querySelector('[aria-label="Next step"]').click();
    await attributeBecomes(root, "data-step", "1");
    expect(model.saved.at(-1).step).toBe(1);
  });

  test("without the kernel's layout it says it cannot draw, and does not hang", async () => {
    const { root } = mount({ svg: "" });
    await attributeBecomes(root, "aria-busy", "false");
    expect(root.textContent).toContain("no Graphviz of its own");
  });
});

describe("what the widget asks the kernel for", () => {
  let widget;
  let kernelSvg;
  const mounted = [];

  beforeAll(async () => {
    widget = (await import("../../vizgrad/static/widget-kernel-layout.js")).default;
    kernelSvg = (await Graphviz.load()).layout(worked.dot, "svg", "dot");
  });

  afterEach(() => {
    while (mounted.length) mounted.pop()();
  });

  // a model whose kernel answers requests as vizgrad's does, from the full graph
  function mountWithKernel(graph) {
    const model = createFakeModel({ graph, dot: worked.dot, svg: kernelSvg, step: 0, collapsed: [] });
    const listeners = [];
    const on = model.on;
    model.on = (event, callback) => (event === "msg:custom" ? listeners.push(callback) : on(event, callback));
    model.sent = [];
    model.send = (message) => {
      model.sent.push(message);
      const reply = message.type === "steps"
        ? { type: "steps", start: message.from, steps: worked.graph.steps.slice(message.from) }
        : { type: "detail", id: message.id, detail: { value: "every entry of x", grad: "its gradient" } };
      queueMicrotask(() => listeners.forEach((callback) => callback(reply)));
    };
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = widget.render({ model, el });
    mounted.push(() => { cleanup?.(); el.remove(); });
    return { model, root: el.querySelector(".vizgrad-widget") };
  }

  test("a step past the explanations sent is explained once the kernel answers", async () => {
    const last = worked.graph.steps.length - 1;
    const graph = { ...worked.graph, steps: worked.graph.steps.slice(0, 2), more_steps: true, last_step: last };
    const { model, root } = mountWithKernel(graph);
    await attributeBecomes(root, "data-rendered", "true");
    root.querySelector('[aria-label="Last step"]').click();
    await attributeBecomes(root, "data-step", String(last));
    expect(model.sent).toContainEqual({ type: "steps", from: last });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(root.querySelector(".vg-explain").textContent).toContain(worked.graph.steps[last].lines.at(-1));
  });

  test("a click on a value sent short asks for its full text and shows it", async () => {
    const x = worked.graph.nodes.find((node) => node.label === "x");
    const graph = { ...worked.graph,
      nodes: worked.graph.nodes.map((node) => (node === x ? { ...node, detail: { value: null, grad: null } } : node)) };
    const { model, root } = mountWithKernel(graph);
    await attributeBecomes(root, "data-rendered", "true");
    root.querySelector(`.vg-canvas > svg g[id="${x.id}"]`)
      .dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    expect(model.sent).toContainEqual({ type: "detail", id: x.id });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(root.querySelector(".vg-details").textContent).toContain("every entry of x");
  });
});

describe("the picture saved beside the widget", () => {
  afterEach(() => document.body.replaceChildren());

  // JupyterLab's and nbconvert's output area: one child per output
  function outputArea() {
    const area = document.createElement("div");
    area.className = "jp-OutputArea";
    const own = document.createElement("div");
    own.className = "jp-OutputArea-child";
    const el = document.createElement("div");
    own.append(el);
    area.append(own);
    document.body.append(area);
    return { area, el };
  }

  function pictureOutput(svg, encode = (text) => `data:image/svg+xml,${encodeURIComponent(text)}`) {
    const child = document.createElement("div");
    child.className = "jp-OutputArea-child";
    const output = document.createElement("div");
    output.setAttribute("data-mime-type", "image/svg+xml");
    const img = document.createElement("img");
    img.setAttribute("src", encode(svg));
    output.append(img);
    child.append(output);
    return child;
  }

  const ours = `<?xml version="1.0"?>\n<svg ${PICTURE_MARK}="" width="10"><text>∂f/∂x = 24</text></svg>`;
  const base64 = (text) => `data:image/svg+xml;base64,${Buffer.from(text).toString("base64")}`;

  test.each([["percent-encoded (JupyterLab)", undefined], ["base64 (nbconvert)", base64]])(
    "is hidden when it follows the widget, %s", (_, encode) => {
      const { area, el } = outputArea();
      const picture = pictureOutput(ours, encode);
      area.append(picture);
      const undo = hideSavedPicture(el);
      expect(picture.style.display).toBe("none");
      undo();
      expect(picture.style.display).toBe("");
    });

  test("someone else's SVG after the widget stays", () => {
    const { area, el } = outputArea();
    const theirs = pictureOutput('<svg width="10"><circle r="3"/></svg>');
    area.append(theirs);
    hideSavedPicture(el);
    expect(theirs.style.display).toBe("");
  });

  test("a picture that arrives or is replaced after the widget is hidden too", async () => {
    const { area, el } = outputArea();
    hideSavedPicture(el);
    const late = pictureOutput(ours);
    area.append(late);
    await new Promise((resolve) => new MutationObserver(resolve).observe(late, { attributes: true }));
    expect(late.style.display).toBe("none");
  });
});
