// @vitest-environment jsdom
// What the layout worker does to Graphviz's SVG before the page sees it.
import { expect, test } from "vitest";
import { CUT_MARK, SANITISED_MARK, prepareSvg } from "../svg-text.js";

const SVG = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
 "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- Title: g -->
<svg width="60pt" height="40pt" viewBox="0.00 0.00 60.00 40.00" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 36)">
<title>g</title>
<polygon fill="white" points="-4,4 -4,-36 56,-36 56,4 -4,4"/>
<!-- a -->
<g id="a" class="node" onclick="alert(1)">
<title>a</title>
<script>alert(2)</script>
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
<a xlink:href="javascript:alert(3)" href="#a"><text x="1" y="2" fill="#d1451b">&lt;b&gt; &amp; a &#45;&gt; b</text></a>
</g>
<!-- e -->
<g id="e" class="edge"><path d="M1,2 3,4"/></g>
</g>
</svg>
`;

test("the worker's SVG has no script, no handlers, no outside links, and the labels as they were", () => {
  const out = prepareSvg(SVG);
  expect(out.startsWith(SANITISED_MARK)).toBe(true);
  expect(out).not.toMatch(/script|onclick|javascript|foreignObject|<div|DOCTYPE|<\?xml|Title/);
  expect(out).toContain('<a href="#a"><text x="1" y="2" fill="#d1451b">&lt;b&gt; &amp; a &#45;&gt; b</text></a>');
  const parsed = new DOMParser().parseFromString(out, "image/svg+xml");
  expect(parsed.getElementsByTagName("parsererror")).toHaveLength(0);
});

test("it is cut between the graph's groups, so the page can parse a batch at a time", () => {
  const pieces = prepareSvg(SVG).slice(SANITISED_MARK.length).split(CUT_MARK);
  expect(pieces).toHaveLength(4);
  expect(pieces[0]).toMatch(/<svg [^]*<g id="graph0"[^]*<polygon [^]*\/>\s*$/);
  expect(pieces[1]).toMatch(/^<g id="a" class="node">[^]*<\/g>\s*$/);
  expect(pieces[2]).toMatch(/^<g id="e" class="edge">/);
  expect(pieces[3]).toMatch(/^<\/g>\s*<\/svg>\s*$/);
});

test("markup it does not understand is an error, never passed through", () => {
  expect(() => prepareSvg('<!DOCTYPE svg [<!ENTITY x "<script/>">]><svg>&x;</svg>')).toThrow();
  expect(() => prepareSvg("<svg><![CDATA[<script>]]></svg>")).toThrow();
  expect(() => prepareSvg("<svg><g></svg>")).toThrow();
  expect(() => prepareSvg('<svg><g a="1"b></g></svg>')).toThrow();
});
