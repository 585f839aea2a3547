/**
 * @module
 * The README's generated tables: the sections (from the registry) and the columns of every CSV
 * (from the tables' declarations), so that each fact is written once, in code. `deno task readme`
 * rewrites the blocks between `<!-- name:start -->` and `<!-- name:end -->`; a test checks that
 * the README holds what this module generates.
 */
import { columnsMarkdown, CONTRACT_TABLES, markdownCell } from "../io/tables.ts";
import { SECTIONS } from "../sections/registry.ts";
import { sectionHeading } from "../sections/section.ts";

/**
 * The registry as a Markdown table: task, the paper's section (or the follow-up's papers), what it
 * shows, its own tables.
 */
export function sectionsMarkdown(): string {
  const rows = SECTIONS.map(({ info, tables }) => {
    const own = tables.map((table) => `\`${table.file}\``).join(", ") || "—";
    const title = markdownCell(sectionHeading(info));
    return `| \`${info.name}\` | ${title} | ${markdownCell(info.summary)} | ${own} |`;
  });
  return ["| task | paper | trains and shows | own tables |", "| --- | --- | --- | --- |", ...rows]
    .join("\n");
}

/** Every generated block of the README, by marker name. */
export function readmeBlocks(): Record<string, string> {
  return {
    sections: sectionsMarkdown(),
    // A table two sections write (e.g. `neurons.csv`) is listed once.
    columns: columnsMarkdown([
      ...new Set([...CONTRACT_TABLES, ...SECTIONS.flatMap((section) => section.tables)]),
    ]),
  };
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, or undefined. */
export function readmeBlock(readme: string, name: string): string | undefined {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

/** Replaces every generated block of `readme` with {@link readmeBlocks}' text. */
export function updateReadme(readme: string): string {
  let text = readme;
  for (const [name, block] of Object.entries(readmeBlocks())) {
    const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
    const [from, to] = [text.indexOf(start), text.indexOf(end)];
    if (from < 0 || to < from) throw new Error(`README has no ${start} … ${end} markers`);
    text = `${text.slice(0, from + start.length)}\n\n${block}\n\n${text.slice(to)}`;
  }
  return text;
}

/** The cells of a Markdown table, trimmed, without the separator row: equal under `deno fmt`. */
export function tableCells(markdown: string): string[][] {
  return markdown.split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
}
