// Toolbar icons as SVG path data on a 16×16 grid: drawn the same on every
// platform, unlike media-control characters, which some fonts show as emoji.
const SVG_NS = "http://www.w3.org/2000/svg";

export const ICONS = {
  first: "M3 3h2v10H3z M13 3v10L6 8z",
  previous: "M11 3v10L4 8z",
  next: "M5 3v10l7-5z",
  last: "M11 3h2v10h-2z M3 3v10l7-5z",
  play: "M4 2.5v11l9.5-5.5z",
  pause: "M4 3h3v10H4z M9 3h3v10H9z",
  zoomIn: "M7 3h2v4h4v2H9v4H7V9H3V7h4z",
  zoomOut: "M3 7h10v2H3z",
  // a frame with the drawing inside it, shrunk to fit
  fit: "M1 3h14v10H1z M2.5 4.5v7h11v-7z M5 6h6v4H5z",
  // the usual full-screen corners, pointing out; pointing in to leave
  fullscreen: "M2 2h5v2H4v3H2z M14 2v5h-2V4H9V2z M2 14V9h2v3h3v2z M14 14H9v-2h3V9h2z",
  exitFullscreen: "M5 2h2v5H2V5h3z M9 2h2v3h3v2H9z M2 9h5v5H5v-3H2z M9 9h5v2h-3v3H9z",
  download: "M7 1.5h2v6.5h3l-4 4.5-4-4.5h3z M2 13h12v2H2z",
  close: "M3.5 2.1 8 6.6l4.5-4.5 1.4 1.4L9.4 8l4.5 4.5-1.4 1.4L8 9.4l-4.5 4.5-1.4-1.4L6.6 8 2.1 3.5z",
};

export function icon(name, document) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}
