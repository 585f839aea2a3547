/**
 * @module
 * Composition: standalone figures stacked into one SVG under headings.
 */
import { LEGEND_GRADIENT_ID } from "./svg.ts";

/** The width and height attributes of an SVG string's root element. */
function svgSize(svg: string): { width: number; height: number } {
  const root = svg.slice(0, svg.indexOf(">"));
  const attribute = (name: string) => Number(root.match(new RegExp(` ${name}="([\\d.]+)"`))?.[1]);
  const size = { width: attribute("width"), height: attribute("height") };
  if (!(size.width > 0 && size.height > 0)) throw new Error("svgSize: no width or height");
  return size;
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const HEADING_HEIGHT = 30;
const BLOCK_GAP = 12;

/**
 * Stacks standalone figures vertically into one SVG, each block under a bold heading (none,
 * and no room for one, where the heading is ""), left aligned. Each figure's gradient ids are
 * suffixed with its index, so the legends of several figures of this kit (which all name their
 * ramp {@link LEGEND_GRADIENT_ID}) stay distinct.
 */
export function stackFigures(blocks: readonly { heading: string; svgs: string[] }[]): string {
  const parts: string[] = [];
  let top = 0;
  let width = 0;
  let index = 0;
  for (const block of blocks) {
    if (block.heading !== "") {
      parts.push(
        `<text x="16" y="${top + 20}" font-size="16" font-weight="bold">${
          escapeText(block.heading)
        }</text>`,
      );
      top += HEADING_HEIGHT;
    }
    for (const svg of block.svgs) {
      const size = svgSize(svg);
      const unique = svg.replaceAll(LEGEND_GRADIENT_ID, `${LEGEND_GRADIENT_ID}-${index++}`);
      parts.push(unique.replace(/^<svg /, `<svg x="0" y="${top}" `));
      top += size.height;
      width = Math.max(width, size.width);
    }
    top += BLOCK_GAP;
  }
  const height = top - BLOCK_GAP;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans" font-size="12">` +
    `<rect width="100%" height="100%" fill="white"></rect>${parts.join("")}</svg>`;
}
