import assert from "node:assert/strict";
import { neuronBarsFigure } from "../../lib/figures/neurons.ts";
import { pngPreview } from "../../lib/figures/png.ts";

/** The width and height in a PNG's IHDR chunk, after checking its signature. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test("pngPreview() renders an SVG at its own size", () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20">` +
    `<rect width="10" height="10" fill="black"/></svg>`;
  assert.deepEqual(pngSize(pngPreview(svg)), { width: 30, height: 20 });
});

Deno.test("pngPreview() renders a figure of this suite at the SVG's size", () => {
  const svg = neuronBarsFigure([{
    title: "1−S = 0.1",
    weights: [[1, -0.5], [0, 0.8]],
    kinds: ["polysemantic", "monosemantic"],
  }]);
  const width = Number(svg.match(/ width="([\d.]+)"/)![1]);
  const height = Number(svg.match(/ height="([\d.]+)"/)![1]);
  assert.deepEqual(pngSize(pngPreview(svg)), {
    width: Math.ceil(width),
    height: Math.ceil(height),
  });
});
