/**
 * @module
 * PNG previews of the figures, for places that do not show SVG (chat, some viewers, a CI
 * summary): each SVG rendered at its own size on white by resvg, with the system's fonts (the
 * figures ask for "DejaVu Sans").
 */
import { Resvg } from "@resvg/resvg-js";

/** The SVG `svg` rendered to PNG bytes at 1 px per SVG unit, on a white background. */
export function pngPreview(svg: string): Uint8Array {
  const renderer = new Resvg(svg, {
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return renderer.render().asPng();
}
