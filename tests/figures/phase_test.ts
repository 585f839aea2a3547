import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { phaseDiagramFigure } from "../../lib/figures/phase.ts";

const importance = [0.1, 0.3, 1, 3, 10];
const density = [1, 0.3, 0.1, 0.03, 0.01];
const svg = phaseDiagramFigure(
  [{
    title: "best of 6 restarts",
    importance,
    density,
    phases: density.map(() => importance.map(() => "superposition")),
  }],
  "n = 2, m = 1",
);
const doc = new DOMParser().parseFromString(svg, "image/svg+xml");

/** The tick labels of a Plot axis. */
function tickLabels(axis: "x" | "y"): string[] {
  const group = doc.querySelector(`g[aria-label="${axis}-axis tick label"]`)!;
  return [...group.querySelectorAll("text")].map((text) => text.textContent ?? "");
}

Deno.test("phaseDiagramFigure() ticks both log axes at 1, 2 and 5 per decade, every one labelled", () => {
  assert.deepEqual(tickLabels("y"), ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]);
  assert.deepEqual(tickLabels("x"), ["0.1×", "0.2×", "0.5×", "1×", "2×", "5×", "10×"]);
});

Deno.test("phaseDiagramFigure() names p = 1−S on its axis and draws the title", () => {
  assert.ok(svg.includes("density p = 1−S"));
  assert.ok(svg.includes(">n = 2, m = 1<"));
});
