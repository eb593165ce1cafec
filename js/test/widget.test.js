// @vitest-environment jsdom
// The widget as a notebook user drives it, run twice: against the source
// (js/widget.js) and against the bundle the Python package ships.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { TEST_DIR, attributeBecomes, fixtureNames, gradientTexts, isHidden, loadFixture, mountWidget }
  from "./helpers.js";

const BUNDLE = join(TEST_DIR, "../../vizgrad/static/widget.js");

const builds = [
  ["source", () => import("../widget.js")],
  ["bundle", () => {
    if (!existsSync(BUNDLE)) throw new Error("vizgrad/static/widget.js is missing: run `npm run build` first");
    return import("../../vizgrad/static/widget.js");
  }],
];

const worked = loadFixture("worked_example");
const byLabel = (fixture, label) => fixture.graph.nodes.find((node) => node.label === label);
const lastStepOf = (fixture) => fixture.graph.steps.length - 1;
const clickOn = (element) => element.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));

describe.each(builds)("widget (%s)", (_, load) => {
  let widget;
  const mounted = [];
  const mount = async (...args) => {
    const handle = await mountWidget(widget, ...args);
    mounted.push(handle);
    return handle;
  };

  beforeAll(async () => {
    widget = (await load()).default;
  });

  afterEach(() => {
    while (mounted.length) mounted.pop().unmount();
    vi.restoreAllMocks();
  });

  test("draws the graph once and builds the controls", async () => {
    const w = await mount(worked);
    expect(w.root.classList.contains("vizgrad-widget")).toBe(true);
    expect(w.root.getAttribute("data-rendered")).toBe("true");
    for (const label of ["First step", "Previous step", "Play", "Next step", "Last step", "Speed", "Step",
      "Zoom in", "Zoom out", "Fit", "Download SVG", "Full screen"]) {
      expect(w.control(label), label).not.toBeNull();
    }
    expect(w.control("Step").type).toBe("range");
    for (const node of worked.graph.nodes) expect(w.group(node.id).getAttribute("class")).toContain("node");
    for (const edge of worked.graph.edges) expect(w.group(edge.id).getAttribute("class")).toContain("edge");
    expect(w.root.textContent).toContain("step 0 / 4");
  });

  test("step 0 hides every gradient; the last step shows them all", async () => {
    const w = await mount(worked);
    const all = [...worked.graph.nodes, ...worked.graph.edges]
      .flatMap((item) => gradientTexts(w.group(item.id), worked.graph.colors));
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter(isHidden)).toHaveLength(all.length);
    w.click("Last step");
    await w.stepDrawn(4);
    expect(all.filter(isHidden)).toHaveLength(0);
  });

  test("Next moves one step, tells the model, highlights the op and explains it", async () => {
    const w = await mount(worked);
    w.click("Next step");
    await w.stepDrawn(1);
    expect(w.model.get("step")).toBe(1);
    expect(w.model.saved.at(-1).step).toBe(1);
    const step = worked.graph.steps[1];
    const shape = w.group(step.node).querySelector("ellipse, polygon, path");
    expect(shape.getAttribute("fill")).toBe(worked.graph.colors.current);
    expect(w.explanation()).toContain(step.title);
    for (const line of step.lines) expect(w.explanation()).toContain(line);
    expect(w.root.textContent).toContain("step 1 / 4");
  });

  test("leaving an op gives its shape back its own fill", async () => {
    const w = await mount(worked, { step: 1 });
    const first = w.group(worked.graph.steps[1].node).querySelector("ellipse");
    expect(first.getAttribute("fill")).toBe(worked.graph.colors.current);
    w.click("Next step");
    await w.stepDrawn(2);
    expect(first.getAttribute("fill")).toBe("none");
    const second = w.group(worked.graph.steps[2].node).querySelector("ellipse");
    expect(second.getAttribute("fill")).toBe(worked.graph.colors.current);
  });

  test("gradients appear at the step they arrive: ∂f/∂y at 3, ∂f/∂x at 4", async () => {
    const w = await mount(worked);
    const x = byLabel(worked, "x");
    const y = byLabel(worked, "y");
    const gradOf = (node) => gradientTexts(w.group(node.id), worked.graph.colors)[0];
    expect(gradOf(x).textContent).toContain("24");
    expect(gradOf(y).textContent).toContain("10");
    w.model.set("step", 3); // as Python would
    await w.stepDrawn(3);
    expect(isHidden(gradOf(y))).toBe(false);
    expect(isHidden(gradOf(x))).toBe(true);
    expect(w.control("Step").value).toBe("3");
    expect(w.root.textContent).toContain("step 3 / 4");
    w.model.set("step", 4);
    await w.stepDrawn(4);
    expect(isHidden(gradOf(x))).toBe(false);
  });

  test("stepping never lays out again: the same SVG, nodes where they were", async () => {
    const w = await mount(worked);
    const svg = w.svg();
    const ellipse = w.group("n2").querySelector("ellipse").outerHTML;
    for (const label of ["Next step", "Next step", "Last step", "Previous step", "First step"]) w.click(label);
    await w.stepDrawn(0);
    expect(w.svg()).toBe(svg);
    expect(w.group("n2").querySelector("ellipse").outerHTML).toBe(ellipse);
  });

  test("a click draws its step once, not again when the model echoes it", async () => {
    const w = await mount(worked);
    const draws = [];
    const watch = new MutationObserver((records) => draws.push(...records.map(() => w.root.getAttribute("data-step"))));
    watch.observe(w.root, { attributes: true, attributeFilter: ["data-step"] });
    w.click("Next step");
    w.click("Next step");
    w.model.set("step", 2); // the echo, again
    await Promise.resolve();
    watch.disconnect();
    expect(w.model.get("step")).toBe(2);
    expect(draws).toEqual(["2", "2"]); // two clicks, two draws (the observer sees the final value)
  });

  test("First, Previous, Last, the slider and the arrow keys all move the step", async () => {
    const w = await mount(worked, { step: 2 });
    w.click("Previous step");
    await w.stepDrawn(1);
    w.click("Last step");
    await w.stepDrawn(4);
    w.click("First step");
    await w.stepDrawn(0);
    const slider = w.control("Step");
    slider.value = "3";
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await w.stepDrawn(3);
    w.press("ArrowRight");
    await w.stepDrawn(4);
    w.press("ArrowRight"); // already last: stays
    w.press("ArrowLeft");
    await w.stepDrawn(3);
    w.press("Home");
    await w.stepDrawn(0);
    expect(w.model.saved.map((values) => values.step)).toEqual([1, 4, 0, 3, 4, 3, 0]);
  });

  test("a presenter's clicker steps, and the notebook never sees the widget's keys", async () => {
    const w = await mount(worked);
    // Notebook 7 and JupyterLab read shortcuts on the document, in the capture phase
    const seenByNotebook = [];
    const notebook = (event) => seenByNotebook.push(event.key);
    document.addEventListener("keydown", notebook, true);
    try {
      for (const [key, modifiers, step] of [["PageDown", {}, 1], [" ", {}, 2], ["ArrowDown", {}, 3],
        ["PageUp", {}, 2], [" ", { shiftKey: true }, 1], ["ArrowUp", {}, 0], ["Enter", {}, 1], ["End", {}, 4]]) {
        const event = w.press(key, modifiers);
        await w.stepDrawn(step);
        expect(event.defaultPrevented, key).toBe(true); // no page scroll, no cell edit
      }
      expect(seenByNotebook).toEqual([]);
      // keys that are not the widget's, and keys aimed elsewhere, pass through untouched
      w.press("a");
      const outside = document.createElement("div");
      document.body.append(outside);
      const elsewhere = w.press("PageUp", { target: outside });
      outside.remove();
      expect(elsewhere.defaultPrevented).toBe(false);
      expect(seenByNotebook).toEqual(["a", "PageUp"]);
      expect(w.root.getAttribute("data-step")).toBe("4");
      // a focused button keeps Enter for itself
      const enter = w.press("Enter", { target: w.control("First step") });
      expect(enter.defaultPrevented).toBe(false);
    } finally {
      document.removeEventListener("keydown", notebook, true);
    }
  });

  test("F opens presentation mode (the whole window where full screen is refused); Esc leaves", async () => {
    const w = await mount(worked);
    expect(w.control("Full screen")).not.toBeNull();
    w.press("f");
    expect(w.root.classList.contains("vg-presenting")).toBe(true);
    expect(w.control("Leave full screen")).not.toBeNull();
    w.press("PageDown"); // the controls still work in presentation mode
    await w.stepDrawn(1);
    w.press("Escape");
    expect(w.root.classList.contains("vg-presenting")).toBe(false);
    w.click("Full screen");
    expect(w.root.classList.contains("vg-presenting")).toBe(true);
    w.click("Leave full screen");
    expect(w.root.classList.contains("vg-presenting")).toBe(false);
  });

  test("the scale trait sizes the text", async () => {
    const w = await mount(worked);
    w.model.set("scale", 1.5);
    expect(w.root.style.getPropertyValue("--vg-scale")).toBe("1.5");
  });

  test("Play is disabled on a graph with no backward steps", async () => {
    const w = await mount({ ...worked, graph: { ...worked.graph, steps: worked.graph.steps.slice(0, 1) } });
    expect(w.root.textContent).toContain("step 0 / 0");
    expect(w.control("Play").getAttribute("aria-disabled")).toBe("true");
    w.click("Play");
    expect(w.control("Pause")).toBeNull();
  });

  test("Play walks to the last step and turns back into Play", async () => {
    const w = await mount(worked);
    const speed = w.control("Speed");
    speed.value = String(speed.options.length - 1); // fastest
    speed.dispatchEvent(new Event("change", { bubbles: true }));
    w.click("Play");
    expect(w.root.querySelector('[aria-label="Pause"]')).not.toBeNull();
    await w.stepDrawn(1);
    await w.stepDrawn(4);
    await attributeBecomes(w.root.querySelector(".vg-play"), "aria-label", "Play");
    expect(w.model.get("step")).toBe(4);
  });

  test("clicking a node shows its label, shape, dtype, value and gradient", async () => {
    const w = await mount(worked);
    const x = byLabel(worked, "x");
    clickOn(w.group(x.id).querySelector("text"));
    expect(w.details()).toContain("x");
    expect(w.details()).toContain("float64");
    expect(w.details()).toContain("()");
    const [summary, ...values] = x.detail.value.split("\n");
    for (const line of [summary, ...values]) expect(w.details()).toContain(line);
    // the summary line wraps in a narrow panel (never cut off); the array keeps its columns
    const head = w.root.querySelector(".vg-details .vg-detail-head");
    expect(head.textContent).toBe(summary);
    expect(head.closest("pre")).toBeNull();
    expect(head.nextElementSibling.localName).toBe("pre");
    expect(w.details()).toContain("no gradient yet");
    expect(w.details()).not.toContain(x.detail.grad.split("\n").at(-1)); // ∂f/∂x = 24
    w.click("Last step");
    await w.stepDrawn(4);
    for (const line of x.detail.grad.split("\n")) expect(w.details()).toContain(line);
  });

  test("a node's notes are the ones its data carries, written in Python", async () => {
    const graph = structuredClone(worked.graph);
    const x = graph.nodes.find((node) => node.label === "x");
    x.notes = [{ mark: null, text: "a note the narration wrote" }];
    x.unconnected = true; // a flag alone no longer makes the view write a note of its own
    const w = await mount({ ...worked, graph });
    clickOn(w.group(x.id).querySelector("text"));
    expect(w.details()).toContain("a note the narration wrote");
    expect(w.details()).not.toContain("not connected");
  });

  test("clicking an edge shows the value that flowed and the gradient that came back", async () => {
    const w = await mount(worked, { step: 4 });
    const edge = worked.graph.edges.find((e) => e.grad === "9");
    clickOn(w.group(edge.id).querySelector("path"));
    expect(w.details()).toContain("y → mul2");
    for (const line of [...edge.detail.value.split("\n"), ...edge.detail.grad.split("\n")]) {
      expect(w.details()).toContain(line);
    }
  });

  test("no name can inject HTML or script", async () => {
    const injection = loadFixture("injection");
    const w = await mount(injection, { step: lastStepOf(injection) });
    expect(w.root.querySelectorAll("script, img, iframe, foreignObject")).toHaveLength(0);
    const onAttributes = [...w.root.querySelectorAll("*")]
      .flatMap((element) => [...element.attributes].map((attribute) => attribute.name))
      .filter((name) => name.startsWith("on"));
    expect(onAttributes).toEqual([]);
    expect(w.svg().textContent).toContain("<script>alert(1)</script>");
    const scriptNode = injection.graph.nodes.find((node) => node.label.startsWith("<script>"));
    clickOn(w.group(scriptNode.id).querySelector("text"));
    expect(w.details()).toContain("<script>alert(1)</script>");
    expect(w.root.querySelector(".vg-details").innerHTML).toContain("&lt;script&gt;");
    expect(w.explanation()).toContain("<");
  });

  test("clicking a scope collapses it through the model; clicking the box expands it", async () => {
    const scoped = loadFixture("scoped");
    const w = await mount(scoped);
    // play the kernel: a new `collapsed` brings the DOT for it
    w.model.on("change:collapsed", () => w.model.set("dot", scoped.dots[w.model.get("collapsed").join(",")]));
    const scope = scoped.graph.scopes[0];
    const drawnAs = () => w.group(scope.id)?.classList;
    expect(drawnAs().contains("cluster")).toBe(true);
    clickOn(w.group(scope.id).querySelector("text"));
    expect(w.model.get("collapsed")).toEqual([scope.name]);
    expect(w.model.saved.at(-1).collapsed).toEqual([scope.name]);
    expect(w.root.getAttribute("aria-busy")).toBe("true"); // laying out the new DOT
    await attributeBecomes(w.root, "aria-busy", "false");
    expect(drawnAs().contains("node")).toBe(true);
    // a step whose op is inside the collapsed scope lights up the scope's box
    const inside = scoped.graph.steps.findIndex((step) =>
      scoped.graph.nodes.find((node) => node.id === step.node)?.scope === scope.id);
    w.model.set("step", inside);
    await w.stepDrawn(inside);
    expect(w.group(scope.id).querySelector("polygon").getAttribute("fill")).toBe(scoped.graph.colors.current);
    clickOn(w.group(scope.id).querySelector("text"));
    expect(w.model.get("collapsed")).toEqual([]);
    await attributeBecomes(w.root, "aria-busy", "false");
    expect(drawnAs().contains("cluster")).toBe(true);
  });

  test("Download SVG saves the step as shown, named after the target", async () => {
    const w = await mount(worked, { step: 2 });
    const blobs = [];
    URL.createObjectURL = vi.fn((blob) => {
      blobs.push(blob);
      return "blob:vizgrad-test";
    });
    URL.revokeObjectURL = vi.fn();
    const clicked = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function () {
      clicked.push(this.getAttribute("download"));
    });
    w.click("Download SVG");
    expect(clicked).toEqual(["f_step2.svg"]);
    const text = await blobs[0].text();
    expect(text.startsWith("<?xml")).toBe(true);
    const saved = new DOMParser().parseFromString(text, "image/svg+xml");
    expect(saved.documentElement.localName).toBe("svg");
    expect(text).toContain("∂ 1"); // arrived by step 2
    expect(text).not.toContain("∂f/∂x = 24"); // arrives at step 4
    const current = saved.querySelector(`g[id="${worked.graph.steps[2].node}"] ellipse`);
    expect(current.getAttribute("fill")).toBe(worked.graph.colors.current);
  });

  test("zoom buttons scale the drawing and Fit puts it back", async () => {
    const w = await mount(worked);
    const canvas = w.root.querySelector(".vg-canvas");
    const before = canvas.style.transform;
    w.click("Zoom in");
    expect(canvas.style.transform).toContain("scale(1.25)");
    w.click("Zoom out");
    w.click("Zoom out");
    expect(canvas.style.transform).toContain("scale(0.8)");
    w.click("Fit");
    expect(canvas.style.transform).toBe(before);
  });

  test("the widget cleans up after itself", async () => {
    const w = await mount(worked);
    expect(w.model.listenerCount()).toBeGreaterThan(0);
    w.unmount();
    mounted.pop();
    expect(w.model.listenerCount()).toBe(0);
    expect(w.el.querySelector(".vizgrad-widget")).toBeNull();
  });

  test("one stylesheet for any number of widgets, with theme variables", async () => {
    const first = await mount(worked);
    await mount(worked);
    expect(document.querySelectorAll("style#vizgrad-widget-style")).toHaveLength(1);
    expect(first.root.style.getPropertyValue("--vg-grad-light")).toBe(worked.graph.colors.grad);
    expect(first.root.style.getPropertyValue("--vg-grad-dark")).toMatch(/^#[0-9a-f]{6}$/);
  });

  test("the colours come from the graph's palette, not from the widget", async () => {
    // the Python side writes the palette into both the DOT and graph.colors
    const repaint = { current: "#c8f0c8", grad: "#8a2be2", value: "#207040", dim: "#6a5acd", edge: "#3c8dbc" };
    const fixture = structuredClone(worked);
    for (const [key, color] of Object.entries(repaint)) {
      fixture.dot = fixture.dot.replaceAll(worked.graph.colors[key], color);
      fixture.graph.colors[key] = color;
    }
    const w = await mount(fixture, { step: 2 });
    const step = fixture.graph.steps[2];
    expect(w.group(step.node).querySelector("ellipse, polygon, path").getAttribute("fill")).toBe(repaint.current);
    expect(w.root.style.getPropertyValue("--vg-current")).toBe(repaint.current);
    expect(w.root.style.getPropertyValue("--vg-grad-light")).toBe(repaint.grad);
    expect(w.root.style.getPropertyValue("--vg-value-light")).toBe(repaint.value);
    const arrived = gradientTexts(w.group(step.edges[0]), fixture.graph.colors);
    expect(arrived.length).toBeGreaterThan(0);
    for (const text of arrived) expect(text.classList.contains("vg-grad")).toBe(true);
    expect(w.svg().querySelectorAll("text.vg-dim").length).toBeGreaterThan(0);
    expect(w.svg().querySelectorAll(".vg-edge-stroke").length).toBeGreaterThan(0);

    const blobs = [];
    URL.createObjectURL = vi.fn((blob) => {
      blobs.push(blob);
      return "blob:vizgrad-test";
    });
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    w.click("Download SVG");
    const saved = new DOMParser().parseFromString(await blobs[0].text(), "image/svg+xml");
    const arrow = saved.querySelector(`g[id="${step.edges[0]}"] > path`);
    expect(arrow.getAttribute("stroke")).toBe(repaint.grad);
    expect(saved.querySelector(`g[id="${step.node}"] ellipse`).getAttribute("fill")).toBe(repaint.current);
  });

  test.each(fixtureNames())("fixture %s: each step shows exactly the gradients that have arrived", async (name) => {
    const fixture = loadFixture(name);
    const w = await mount(fixture);
    const items = [...fixture.graph.nodes, ...fixture.graph.edges].filter((item) => w.group(item.id));
    for (let step = 0; step <= lastStepOf(fixture); step++) {
      w.model.set("step", step);
      await w.stepDrawn(step);
      for (const item of items) {
        const arrived = item.grad_step != null && item.grad_step <= step;
        for (const text of gradientTexts(w.group(item.id), fixture.graph.colors)) {
          expect(isHidden(text), `${item.id} at step ${step}`).toBe(!arrived);
        }
      }
      expect(w.explanation()).toContain(fixture.graph.steps[step].title);
    }
  });
});
