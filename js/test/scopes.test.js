import { describe, expect, it } from "vitest";
import { toggledScopes } from "../scopes.js";

const scopes = [
  { id: "s0", name: "transformer", parent: null },
  { id: "s1", name: "transformer/h", parent: "s0" },
  { id: "s2", name: "transformer/h/0", parent: "s1" },
  { id: "s3", name: "transformer/h/0/attn", parent: "s2" },
  { id: "s4", name: "lm_head", parent: null },
];

describe("toggledScopes", () => {
  it("opens one level: the scopes directly inside start collapsed", () => {
    expect(toggledScopes(scopes, ["transformer", "lm_head"], scopes[0]))
      .toEqual(["transformer/h", "lm_head"]);
    expect(toggledScopes(scopes, ["transformer/h", "lm_head"], scopes[1]))
      .toEqual(["transformer/h/0", "lm_head"]);
  });

  it("collapses an open scope, keeping names it does not know", () => {
    expect(toggledScopes(scopes, ["elsewhere"], scopes[2]))
      .toEqual(["transformer/h/0", "elsewhere"]);
  });
});
