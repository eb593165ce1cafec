// Presentation mode: the widget's root full screen (key F). Where a page
// refuses the Fullscreen API (an iframe without allowfullscreen, a webview),
// the root covers the window instead.
//
//   const presenting = createPresenting(root, fullscreenButton, { onChange(on) {} });
//   presenting.toggle();
import { icon } from "./icons.js";

export function createPresenting(root, button, { onChange } = {}) {
  const document = root.ownerDocument;
  let presenting = false;
  const fullscreenElement = () => document.fullscreenElement ?? document.webkitFullscreenElement ?? null;

  function set(on) {
    if (on === presenting) return;
    presenting = on;
    root.classList.toggle("vg-presenting", on);
    root.toggleAttribute("data-presenting", on);
    const label = on ? "Leave full screen" : "Full screen";
    button.setAttribute("aria-label", label);
    button.title = `${label} (F)`;
    button.replaceChildren(icon(on ? "exitFullscreen" : "fullscreen", document));
    root.focus({ preventScroll: true });
    onChange?.(on);
  }

  function toggle() {
    if (presenting) {
      if (fullscreenElement() === root) document.exitFullscreen?.();
      else set(false);
      return;
    }
    const request = root.requestFullscreen ?? root.webkitRequestFullscreen;
    if (!request || document.fullscreenEnabled === false) {
      set(true);
      return;
    }
    Promise.resolve()
      .then(() => request.call(root))
      .catch(() => set(true));
  }

  const onFullscreenChange = () => set(fullscreenElement() === root);
  document.addEventListener("fullscreenchange", onFullscreenChange);
  document.addEventListener("webkitfullscreenchange", onFullscreenChange);

  return {
    get on() { return presenting; },
    toggle,
    // Escape where the root only covers the window (the browser handles real full screen)
    leaveWindowCover() {
      if (!presenting || fullscreenElement() === root) return false;
      set(false);
      return true;
    },
    destroy() {
      document.removeEventListener("fullscreenchange", onFullscreenChange);
      document.removeEventListener("webkitfullscreenchange", onFullscreenChange);
      if (fullscreenElement() === root) document.exitFullscreen?.();
    },
  };
}
