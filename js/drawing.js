// The laid-out SVG of one graph and its per-step look. Graphviz lays the graph
// out once, with every gradient label present; a step then only hides the
// gradients that have not arrived yet and marks the current operation, so
// nodes never move and stepping costs one pass over a precomputed list.
import { medianFontSize } from "./sizing.js";
import { ACTIVE_CONTENT, CUT_MARK, SANITISED_MARK } from "./svg-text.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const LIGHT_FILL_LUMINANCE = 0.6;
// characters of SVG parsed in one go: a few milliseconds of DOMParser
const BATCH_CHARS = 16_000;

// Long work calls `await pause()` between small units; a pause yields to the
// page when the current slice has run long enough (see view.js).
const noPause = () => undefined;

// SVG text from Graphviz -> an <svg> element of `document`, with anything that
// could run code removed. Graphviz escapes labels itself; this is a second wall.
// Text that the layout worker already cleaned and cut (svg-text.js) is parsed a
// batch of groups at a time, with pauses between; any other text is parsed and
// cleaned whole.
export async function parseSvg(svgText, document, pause = noPause) {
  if (!svgText.startsWith(SANITISED_MARK)) {
    const svg = parseXml(svgText);
    removeActiveContent(svg);
    return document.importNode(svg, true);
  }
  const pieces = svgText.slice(SANITISED_MARK.length).split(CUT_MARK);
  if (pieces.length < 3) return document.importNode(parseXml(pieces.join("")), true);
  // the <svg> and the graph's group, with its title and background; then the groups
  const svg = document.importNode(parseXml(pieces[0] + pieces[pieces.length - 1]), true);
  const graphGroup = [...svg.children].find((child) => child.localName === "g");
  if (!graphGroup) throw new Error("Graphviz returned SVG without a graph group");
  const wrapper = `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}">`;
  let batch = [];
  let size = 0;
  const flush = () => {
    const parsed = parseXml(wrapper + batch.join("") + "</svg>");
    graphGroup.append(...parsed.childNodes);
    batch = [];
    size = 0;
  };
  for (let index = 1; index < pieces.length - 1; index++) {
    batch.push(pieces[index]);
    size += pieces[index].length;
    if (size >= BATCH_CHARS) {
      flush();
      await pause();
    }
  }
  if (batch.length) flush();
  return svg;
}

function parseXml(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = parsed.documentElement;
  if (!svg || svg.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
    throw new Error("Graphviz returned SVG that does not parse");
  }
  return svg;
}

function removeActiveContent(svg) {
  for (const element of [...svg.getElementsByTagName("*")]) {
    if (ACTIVE_CONTENT.has(element.localName.toLowerCase())) {
      element.remove();
      continue;
    }
    for (const attribute of [...element.attributes]) {
      const name = attribute.localName.toLowerCase();
      const isLink = name === "href" && !attribute.value.trim().startsWith("#");
      if (name.startsWith("on") || isLink) element.removeAttributeNode(attribute);
    }
  }
}

// "n0" for "n0_e5", the copy of node n0 drawn beside its use along edge e5 (Python's
// dot.reference_id), "s3" for "s3_e9", a copy of the collapsed group s3; null for any other id.
export function copiedNodeId(id) {
  return /^([ns]\d+)_e\d+$/.exec(id ?? "")?.[1] ?? null;
}

// Which scope box (if any) stands for a node hidden inside a collapsed scope.
function drawnIdFor(nodeId, nodesById, groups) {
  if (nodeId == null) return null;
  if (groups.has(nodeId)) return nodeId;
  const scope = nodesById.get(nodeId)?.scope;
  return scope != null && groups.get(scope)?.classList.contains("node") ? scope : null;
}

// -> the drawing of `graph` on `svg` (which it adapts in place), with
// showStep(k), select(id), itemAt(element), box(id), exportSvg(), width, height,
// textPx (the median font size in drawing pixels).
// Indexing pauses (see parseSvg) between nodes and edges.
export async function createDrawing(svg, graph, pause = noPause) {
  const colors = graph.colors ?? {};
  const gradColor = normalizeColor(colors.grad);
  const valueColor = normalizeColor(colors.value);
  // no fallback colours: a graph without a palette keeps Graphviz's own fills
  const currentFill = colors.current ?? null;
  const dimColor = normalizeColor(colors.dim);
  const edgeColor = normalizeColor(colors.edge);
  const document = svg.ownerDocument;

  const groups = new Map();
  for (const group of svg.querySelectorAll("g.node, g.edge, g.cluster")) {
    if (group.id) groups.set(group.id, group);
  }
  await pause();
  svg.querySelector("g.graph > polygon")?.classList.add("vg-background");
  markPaletteInk(svg, dimColor, edgeColor);

  // id -> { kind: "node" | "edge" | "scope", data, group }
  const items = new Map();
  // each: { gradStep, elements (hidden until gradStep), group, lightBackground, shown }
  const gradientLayers = [];
  const nodesById = new Map();

  for (const node of graph.nodes ?? []) {
    await pause();
    nodesById.set(node.id, node);
    const group = groups.get(node.id);
    if (!group) continue; // inside a collapsed scope
    items.set(node.id, { kind: "node", data: node, group });
    setTitle(group, node.label);
    if (isLight(mainShape(group)?.getAttribute("fill"))) group.classList.add("vg-on-light");
    const { gradTexts } = tagTexts(group, valueColor, gradColor);
    if (gradTexts.length) {
      gradientLayers.push({ gradStep: node.grad_step, elements: gradTexts, group, lightBackground: false,
        shown: true });
    }
  }

  for (const edge of graph.edges ?? []) {
    await pause();
    const group = groups.get(edge.id);
    if (!group) continue;
    items.set(edge.id, { kind: "edge", data: edge, group });
    const source = nodesById.get(edge.source)?.label ?? edge.source;
    const target = nodesById.get(edge.target)?.label ?? edge.target;
    setTitle(group, `${source} → ${target}`);
    addHitPath(group, document);
    const { gradTexts } = tagTexts(group, valueColor, gradColor);
    // a light label background (NaN/inf marker) belongs to the gradient, as in the static SVG
    const backgrounds = [...group.querySelectorAll(":scope > polygon")]
      .filter((polygon) => isLight(polygon.getAttribute("fill")));
    const elements = [...gradTexts, ...backgrounds];
    if (elements.length) {
      gradientLayers.push({ gradStep: edge.grad_step, elements, group,
        lightBackground: backgrounds.length > 0, shown: true });
    }
    if (backgrounds.length) group.classList.add("vg-on-light");
  }

  for (const scope of graph.scopes ?? []) {
    const group = groups.get(scope.id);
    if (!group) continue;
    items.set(scope.id, { kind: "scope", data: scope, group });
    const collapsed = group.classList.contains("node");
    setTitle(group, `${scope.name}: click to ${collapsed ? "expand" : "collapse"}`);
    if (collapsed && isLight(mainShape(group)?.getAttribute("fill"))) group.classList.add("vg-on-light");
  }

  // small copies of a node or a collapsed group drawn beside its far uses (see copiedNodeId):
  // a click on one is a click on the original, and selecting the original marks every copy
  const copies = new Map();
  for (const [id, group] of groups) {
    const original = copiedNodeId(id);
    const item = original == null ? null : items.get(original);
    if (!item) continue;
    if (!copies.has(original)) copies.set(original, []);
    copies.get(original).push(group);
    setTitle(group, item.kind === "scope" ? `${item.data.name}: click to expand` : item.data.label);
    if (item.kind === "scope" && isLight(mainShape(group)?.getAttribute("fill"))) group.classList.add("vg-on-light");
  }

  let current = null; // { group, shape, originalFill }
  let activeEdges = [];
  let selected = [];

  function showStep(step) {
    for (const layer of gradientLayers) {
      const show = layer.gradStep != null && layer.gradStep <= step;
      if (show === layer.shown) continue;
      layer.shown = show;
      for (const element of layer.elements) {
        if (show) element.removeAttribute("visibility");
        else element.setAttribute("visibility", "hidden");
      }
      if (layer.lightBackground) layer.group.classList.toggle("vg-on-light", show);
    }
    const stepInfo = graph.steps?.[step];
    // an op inside a collapsed group: the group's box is the current one
    const scopeBox = stepInfo?.scope != null && groups.get(stepInfo.scope)?.classList.contains("node")
      ? stepInfo.scope : null;
    markCurrent(drawnIdFor(stepInfo?.node, nodesById, groups) ?? scopeBox);
    markActiveEdges(stepInfo?.edges ?? []);
  }

  function markCurrent(id) {
    if (current?.group.id === id) return;
    if (current) {
      current.group.classList.remove("vg-current");
      current.group.removeAttribute("data-current");
      if (current.shape) {
        if (current.originalFill == null) current.shape.removeAttribute("fill");
        else current.shape.setAttribute("fill", current.originalFill);
      }
      current = null;
    }
    const group = id == null ? null : groups.get(id);
    if (!group) return;
    const shape = mainShape(group);
    current = { group, shape, originalFill: shape?.getAttribute("fill") ?? null };
    group.classList.add("vg-current");
    group.setAttribute("data-current", "true"); // a hook for tests and tools (SPEC §4)
    if (currentFill) shape?.setAttribute("fill", currentFill);
  }

  function markActiveEdges(ids) {
    for (const group of activeEdges) group.classList.remove("vg-active");
    activeEdges = ids.map((id) => groups.get(id)).filter(Boolean);
    for (const group of activeEdges) group.classList.add("vg-active");
  }

  function select(id) {
    for (const group of selected) group.classList.remove("vg-selected");
    const item = id == null ? null : items.get(id);
    selected = item ? [item.group, ...(copies.get(id) ?? [])] : [];
    for (const group of selected) group.classList.add("vg-selected");
    return selected.length > 0;
  }

  // The node, edge or scope that an element (a click target) belongs to.
  function itemAt(element) {
    const group = element?.closest?.("g.node, g.edge, g.cluster");
    if (!group || !svg.contains(group)) return null;
    return items.get(group.id) ?? items.get(copiedNodeId(group.id)) ?? null;
  }

  // The SVG file of the step on show: hidden gradients left out, the current op
  // and the active edges styled with attributes (the theme CSS does not travel).
  function exportSvg() {
    const copy = svg.cloneNode(true);
    copy.removeAttribute("style");
    copy.removeAttribute("class");
    for (const element of copy.querySelectorAll(".vg-hit, [visibility='hidden']")) element.remove();
    for (const edge of copy.querySelectorAll("g.edge.vg-active")) {
      if (!colors.grad) continue;
      for (const line of edge.querySelectorAll(":scope > path")) {
        line.setAttribute("stroke", colors.grad);
        line.setAttribute("stroke-width", "2");
      }
      for (const head of edge.querySelectorAll(":scope > polygon")) {
        if (isLight(head.getAttribute("fill"))) continue;
        head.setAttribute("stroke", colors.grad);
        head.setAttribute("fill", colors.grad);
      }
    }
    copy.querySelector(".vg-current")?.querySelector(":scope > ellipse, :scope > polygon, :scope > path")
      ?.setAttribute("stroke-width", "2");
    for (const element of copy.querySelectorAll("[class*='vg-']")) {
      const kept = [...element.classList].filter((name) => !name.startsWith("vg-"));
      if (kept.length) element.setAttribute("class", kept.join(" "));
      else element.removeAttribute("class");
    }
    if (!copy.getAttribute("xmlns")) copy.setAttribute("xmlns", SVG_NS);
    if (!copy.getAttribute("xmlns:xlink")) copy.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:xlink", XLINK_NS);
    const text = new XMLSerializer().serializeToString(copy);
    return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${text}\n`;
  }

  const toPixels = pixelMapping(svg);
  // the typical text size, in drawing pixels: the view keeps it readable on screen
  const fontSizes = [...svg.querySelectorAll("text")].map((text) => text.getAttribute("font-size"));
  const fontUnits = medianFontSize(fontSizes);
  const textPx = fontUnits == null ? null : Math.abs(toPixels(0, fontUnits)[1] - toPixels(0, 0)[1]);

  // The box of a node (or a collapsed scope) in unscaled drawing pixels, read
  // from its shape's attributes: no layout is forced to measure it.
  function box(id) {
    const shape = groups.get(id) ? mainShape(groups.get(id)) : null;
    const points = shape ? shapePoints(shape) : [];
    if (!points.length) return null;
    let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of points) {
      const [px, py] = toPixels(x, y);
      left = Math.min(left, px);
      right = Math.max(right, px);
      top = Math.min(top, py);
      bottom = Math.max(bottom, py);
    }
    return { left, top, width: right - left, height: bottom - top };
  }

  return {
    svg,
    width: lengthInPixels(svg.getAttribute("width")),
    height: lengthInPixels(svg.getAttribute("height")),
    textPx,
    box,
    hasItem: (id) => items.has(id),
    item: (id) => items.get(id) ?? null,
    showStep,
    currentGroup: () => current?.group ?? null,
    select,
    itemAt,
    exportSvg,
  };
}

// Graphviz coordinates -> pixels of the drawing: the graph group's transform
// ("scale(s s) rotate(0) translate(tx ty)"), then viewBox to width and height.
function pixelMapping(svg) {
  const graphGroup = [...svg.children].find((child) => child.localName === "g");
  const transform = graphGroup?.getAttribute("transform") ?? "";
  const numbersIn = (text) => (text ?? "").match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi)?.map(Number) ?? [];
  const [scaleX = 1, scaleY = scaleX] = numbersIn(/scale\(([^)]*)\)/.exec(transform)?.[1]);
  const [translateX = 0, translateY = 0] = numbersIn(/translate\(([^)]*)\)/.exec(transform)?.[1]);
  const width = lengthInPixels(svg.getAttribute("width"));
  const height = lengthInPixels(svg.getAttribute("height"));
  const [minX = 0, minY = 0, boxWidth = width, boxHeight = height] = numbersIn(svg.getAttribute("viewBox"));
  const unitX = boxWidth ? width / boxWidth : 1;
  const unitY = boxHeight ? height / boxHeight : 1;
  return (x, y) => [(scaleX * (x + translateX) - minX) * unitX, (scaleY * (y + translateY) - minY) * unitY];
}

// The corner points of an ellipse, or the points of a polygon or a path.
function shapePoints(shape) {
  if (shape.localName === "ellipse") {
    const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((name) => Number(shape.getAttribute(name)) || 0);
    return [[cx - rx, cy - ry], [cx + rx, cy + ry]];
  }
  const text = shape.getAttribute(shape.localName === "path" ? "d" : "points") ?? "";
  const numbers = text.match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi)?.map(Number) ?? [];
  const points = [];
  for (let index = 0; index + 1 < numbers.length; index += 2) points.push([numbers[index], numbers[index + 1]]);
  return points;
}

// The filled outline of a node: its ellipse, polygon or (rounded box) path.
function mainShape(group) {
  return group.querySelector(":scope > ellipse, :scope > polygon, :scope > path");
}

function tagTexts(group, valueColor, gradColor) {
  const gradTexts = [];
  for (const text of group.querySelectorAll("text")) {
    const fill = normalizeColor(text.getAttribute("fill"));
    if (fill && fill === gradColor) {
      text.classList.add("vg-grad");
      gradTexts.push(text);
    } else if (fill && fill === valueColor) {
      text.classList.add("vg-value");
    }
  }
  return { gradTexts };
}

// Small print and arrows are drawn in palette colours; classes let the theme
// CSS recolour them without the stylesheet knowing the palette.
function markPaletteInk(svg, dimColor, edgeColor) {
  for (const element of svg.querySelectorAll("[fill], [stroke]")) {
    const fill = normalizeColor(element.getAttribute("fill"));
    if (fill && fill === dimColor && element.localName === "text") element.classList.add("vg-dim");
    if (fill && fill === edgeColor) element.classList.add("vg-edge-fill");
    if (edgeColor && normalizeColor(element.getAttribute("stroke")) === edgeColor) {
      element.classList.add("vg-edge-stroke");
    }
  }
}

// Graphviz titles are ids ("n3"); a hover tooltip should say what the thing is.
function setTitle(group, text) {
  const title = group.querySelector(":scope > title");
  if (title) title.textContent = text;
}

// Edges are thin lines: a wide transparent copy of the path makes them easy to click.
function addHitPath(group, document) {
  const line = group.querySelector(":scope > path");
  if (!line) return;
  const hit = document.createElementNS(SVG_NS, "path");
  hit.setAttribute("d", line.getAttribute("d") ?? "");
  hit.setAttribute("class", "vg-hit");
  hit.setAttribute("fill", "none");
  hit.setAttribute("stroke", "transparent");
  hit.setAttribute("stroke-width", "10");
  line.before(hit);
}

export function normalizeColor(color) {
  if (typeof color !== "string") return null;
  const value = color.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(value);
  return short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : value;
}

// White is left out on purpose: the theme turns white fills into its own paper.
const NAMED_LIGHT_COLORS = new Set(["lightgrey", "lightgray", "yellow", "lightyellow",
  "lightblue", "lightpink", "whitesmoke", "ivory"]);

function isLight(color) {
  const value = normalizeColor(color);
  if (!value || value === "none" || value === "transparent" || value === "white" || value === "#ffffff") {
    return false;
  }
  if (NAMED_LIGHT_COLORS.has(value)) return true;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/.exec(value);
  if (!hex || hex[4] === "00") return false;
  const [r, g, b] = hex.slice(1, 4).map((part) => parseInt(part, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > LIGHT_FILL_LUMINANCE;
}

// "668pt" -> CSS pixels (Graphviz sizes its SVG in points)
function lengthInPixels(length) {
  const number = parseFloat(length ?? "");
  if (!Number.isFinite(number)) return 0;
  return /pt$/.test(length) ? (number * 96) / 72 : number;
}
