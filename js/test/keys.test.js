// The widget's keys, as a presenter's clicker and a keyboard send them.
import { describe, expect, test } from "vitest";
import { keyAction, keyIsTheControls } from "../keys.js";

describe("keyAction", () => {
  test.each([
    ["ArrowRight", "next"], ["ArrowDown", "next"], ["PageDown", "next"], [" ", "next"], ["Enter", "next"],
    ["ArrowLeft", "previous"], ["ArrowUp", "previous"], ["PageUp", "previous"],
    ["Home", "first"], ["End", "last"], ["f", "fullscreen"], ["F", "fullscreen"],
  ])("%j -> %s", (key, action) => {
    expect(keyAction({ key })).toBe(action);
  });

  test("Shift+Space goes back, as in a slide deck", () => {
    expect(keyAction({ key: " ", shiftKey: true })).toBe("previous");
  });

  test("keys the notebook and the browser use are left to them", () => {
    expect(keyAction({ key: "Enter", shiftKey: true })).toBeNull(); // run the cell
    expect(keyAction({ key: "ArrowDown", shiftKey: true })).toBeNull(); // extend a selection
    expect(keyAction({ key: "ArrowRight", ctrlKey: true })).toBeNull();
    expect(keyAction({ key: "f", metaKey: true })).toBeNull(); // find
    expect(keyAction({ key: "PageDown", altKey: true })).toBeNull();
    expect(keyAction({ key: "a" })).toBeNull();
    expect(keyAction({ key: "Escape" })).toBeNull(); // the browser leaves full screen
  });
});

describe("keyIsTheControls", () => {
  test("the slider, the speed list and text fields keep every key", () => {
    expect(keyIsTheControls("ArrowRight", "INPUT")).toBe(true);
    expect(keyIsTheControls("ArrowDown", "SELECT")).toBe(true);
  });

  test("a focused button keeps Space and Enter, not the arrows", () => {
    expect(keyIsTheControls(" ", "BUTTON")).toBe(true);
    expect(keyIsTheControls("Enter", "BUTTON")).toBe(true);
    expect(keyIsTheControls("PageDown", "BUTTON")).toBe(false);
    expect(keyIsTheControls("Enter", "DIV")).toBe(false);
  });
});
