// Stepping: which step is on show, the controls that change it, and playback.
//
//   const stepping = createStepping(document, { onStep(step, fromUser) {} });
//   toolbar.append(...stepping.controls);
//   stepping.setGraph(graph);        // the steps there are
//   stepping.goTo(3);                // from outside: onStep(3, false)
//   stepping.byHand(4);              // the reader's choice: stops playing, onStep(4, true)
//
// onStep runs whenever the step on show changes (or `redraw` asks for it); the
// view redraws everything that depends on the step there.
import { elementMaker, onClick, setDisabled } from "./dom.js";
import { icon } from "./icons.js";

export const SPEEDS = [
  { label: "0.5×", interval: 2000 },
  { label: "1×", interval: 1000 },
  { label: "2×", interval: 500 },
  { label: "4×", interval: 250 },
];
const DEFAULT_SPEED = 1;

// The last step of `graph`: a long pass sends only its first steps'
// explanations (more_steps, Graph.to_dict) and says how many there are.
export function lastStepOf(graph) {
  return graph?.more_steps ? graph.last_step : Math.max(0, (graph?.steps?.length ?? 1) - 1);
}

// `step` as a whole number within the graph's steps.
export function clampStep(graph, step) {
  return Math.min(lastStepOf(graph), Math.max(0, Math.trunc(Number(step)) || 0));
}

export function createStepping(document, { onStep } = {}) {
  const window = document.defaultView;
  const { h, button } = elementMaker(document);
  let graph = null;
  let step = 0;
  let playTimer = null;
  let speed = SPEEDS[DEFAULT_SPEED];

  const firstButton = button("first", "First step");
  const previousButton = button("previous", "Previous step");
  const playButton = button("play", "Play", "vg-play");
  const nextButton = button("next", "Next step");
  const lastButton = button("last", "Last step");
  const slider = h("input", { type: "range", min: "0", max: "0", step: "1", value: "0",
    "aria-label": "Step", class: "vg-slider" });
  const counter = h("span", { class: "vg-counter", text: "step 0 / 0" });
  const speedSelect = h("select", { "aria-label": "Speed", title: "Playback speed", class: "vg-speed" },
    ...SPEEDS.map((entry, index) => h("option", { value: String(index), text: entry.label })));
  speedSelect.value = String(DEFAULT_SPEED);

  const controls = [
    h("div", { class: "vg-group vg-playback" }, firstButton, previousButton, playButton, nextButton, lastButton),
    h("div", { class: "vg-group vg-stepper" }, slider, counter),
    h("div", { class: "vg-group" }, speedSelect),
  ];

  const lastStep = () => lastStepOf(graph);

  // the controls as they should read for the step on show
  function showControls() {
    const last = lastStep();
    slider.max = String(last);
    slider.value = String(step);
    slider.setAttribute("aria-valuetext", `step ${step} of ${last}`);
    counter.textContent = `step ${step} / ${last}`;
    setDisabled(firstButton, step === 0);
    setDisabled(previousButton, step === 0);
    setDisabled(nextButton, step === last);
    setDisabled(lastButton, step === last);
    setDisabled(playButton, last === 0 && !playTimer);
  }

  // `redraw`: report the step even if it is the one on show (the graph changed)
  function goTo(target, fromUser = false, redraw = false) {
    const next = clampStep(graph, target);
    const changed = next !== step;
    step = next;
    if (changed || redraw) {
      showControls();
      onStep?.(step, fromUser && changed);
    }
  }

  function play() {
    if (playTimer) return;
    if (step >= lastStep()) goTo(0, true);
    playTimer = window.setInterval(() => {
      goTo(step + 1, true);
      if (step >= lastStep()) pause();
    }, speed.interval);
    setPlayButton(true);
  }

  function pause() {
    if (!playTimer) return;
    window.clearInterval(playTimer);
    playTimer = null;
    setPlayButton(false);
  }

  function setPlayButton(playing) {
    const label = playing ? "Pause" : "Play";
    playButton.setAttribute("aria-label", label);
    playButton.title = label;
    playButton.replaceChildren(icon(playing ? "pause" : "play", document));
    showControls();
  }

  // a step the reader chose: stop playing and go there
  function byHand(target) {
    pause();
    goTo(target, true);
  }

  onClick(firstButton, () => byHand(0));
  onClick(previousButton, () => byHand(step - 1));
  onClick(nextButton, () => byHand(step + 1));
  onClick(lastButton, () => byHand(lastStep()));
  onClick(playButton, () => (playTimer ? pause() : play()));
  slider.addEventListener("input", () => byHand(slider.value));
  speedSelect.addEventListener("change", () => {
    speed = SPEEDS[Number(speedSelect.value)] ?? SPEEDS[DEFAULT_SPEED];
    if (playTimer) {
      pause();
      play();
    }
  });
  showControls();

  return {
    controls,
    get step() { return step; },
    get playing() { return playTimer != null; },
    lastStep,
    setGraph(next) {
      graph = next;
      step = clampStep(graph, step);
      showControls();
    },
    goTo,
    byHand,
    // a key: "next" | "previous" | "first" | "last"
    act(action) {
      if (action === "next") byHand(step + 1);
      else if (action === "previous") byHand(step - 1);
      else if (action === "first") byHand(0);
      else if (action === "last") byHand(lastStep());
    },
    play,
    pause,
  };
}
