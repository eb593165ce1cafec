// String-level work on the SVG text Graphviz writes, done in the layout worker
// so the page never parses or walks the whole SVG in one go.
//
// prepareSvg(text) re-writes it tag by tag: comments, the XML declaration and
// the doctype go; so does anything that could run code (script, style,
// foreignObject, iframe, object, embed elements, on* attributes, links that
// leave the document). Anything it does not understand is an error, never
// passed through. It also cuts the text between the top-level groups (node,
// edge, cluster) of the graph, so the page can parse them a batch at a time.
//
// The output starts with SANITISED_MARK and is still one valid SVG document:
// the cuts are empty comments.
export const SANITISED_MARK = "<!--vizgrad:sanitised-->";
export const CUT_MARK = "<!--vizgrad:cut-->";
export const ACTIVE_CONTENT = new Set(["script", "foreignobject", "iframe", "object", "embed", "style"]);

const NAME = "[A-Za-z_][\\w.:-]*";
const TAG = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`, "y");
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, "g");

const localName = (name) => name.slice(name.indexOf(":") + 1).toLowerCase();

function keptAttributes(text) {
  let kept = "";
  for (const [, name, quoted] of text.matchAll(ATTRIBUTE)) {
    const local = localName(name);
    if (local.startsWith("on")) continue;
    // only links inside the document (#id); an entity-escaped "#" counts as outside
    if (local === "href" && !quoted.slice(1, -1).trim().startsWith("#")) continue;
    kept += ` ${name}=${quoted}`;
  }
  return kept;
}

export function prepareSvg(text) {
  const out = [SANITISED_MARK];
  const open = []; // names of the elements we are inside
  let skipping = 0; // depth inside an element being dropped
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      if (!skipping) out.push(text.slice(i));
      break;
    }
    if (lt > i && !skipping) out.push(text.slice(i, lt));
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end < 0) throw new Error("unterminated comment in the SVG");
      i = end + 3;
      continue;
    }
    if (text.startsWith("<?", lt)) {
      if (open.length) throw new Error("processing instruction inside the SVG");
      const end = text.indexOf("?>", lt + 2);
      if (end < 0) throw new Error("unterminated processing instruction in the SVG");
      i = end + 2;
      continue;
    }
    if (text.startsWith("<!DOCTYPE", lt)) {
      const end = text.indexOf(">", lt);
      // an internal subset could declare entities that expand to markup
      if (open.length || end < 0 || text.slice(lt, end).includes("[")) {
        throw new Error("unexpected doctype in the SVG");
      }
      i = end + 1;
      continue;
    }
    TAG.lastIndex = lt;
    const tag = TAG.exec(text);
    if (!tag) throw new Error(`unexpected markup in the SVG: ${JSON.stringify(text.slice(lt, lt + 40))}`);
    i = TAG.lastIndex;
    const [, closing, name, attributes, selfClosing] = tag;
    if (closing) {
      if (attributes || selfClosing || open.at(-1) !== name) throw new Error(`unbalanced </${name}> in the SVG`);
      open.pop();
      if (skipping) {
        skipping--;
        continue;
      }
      // the end of the graph's group: the closing tags are a piece of their own
      if (open.length === 1 && name === "g") out.push(CUT_MARK);
      out.push(`</${name}>`);
      continue;
    }
    if (skipping || ACTIVE_CONTENT.has(localName(name))) {
      if (!selfClosing) {
        open.push(name);
        skipping++;
      }
      continue;
    }
    // a group directly inside the graph's group starts a piece
    if (open.length === 2 && name === "g" && open[1] === "g") out.push(CUT_MARK);
    out.push(`<${name}${keptAttributes(attributes)}${selfClosing ? "/" : ""}>`);
    if (!selfClosing) open.push(name);
  }
  if (open.length) throw new Error("the SVG ends inside an element");
  return out.join("");
}
