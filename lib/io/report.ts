/**
 * @module
 * The self-checking reproduction report, `<out>/index.html`: at the top how many of the paper's
 * claims our figures pass, the time, trainer, seed, scale and commit; then every section in paper
 * order with its figures inline (linked SVGs), each with its caption and the checks about it
 * (the paper's claim, what it requires, what we measured, a pass or fail mark), and links to the
 * section's CSVs. One static page, no scripts.
 */
import type { SectionReport } from "../sections/runner.ts";
import type { Check } from "../sections/section.ts";

/** What the report's header says about the whole run. */
export interface BookSummary {
  sections: readonly SectionReport[];
  /** Wall time of the whole run, in seconds. */
  seconds: number;
  /** The trainer: "cpu" or "webgpu <adapter>". */
  trainer: string;
  seed: number;
  scale: string;
  /** The git commit of the code, where it is a checkout. */
  commit?: string;
  /** When the report was made (ISO 8601). */
  generated: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Escapes `text` and sets the paper's plain-text notation as HTML: `W_i`, `Σ_{j≠i}` → subscripts,
 * `0.9^i`, `20^−t` → superscripts.
 */
export function notationHtml(text: string): string {
  return escapeHtml(text)
    .replace(/_\{([^}]+)\}/g, "<sub>$1</sub>")
    .replace(/_([A-Za-z0-9]+)/g, "<sub>$1</sub>")
    .replace(/\^\{([^}]+)\}/g, "<sup>$1</sup>")
    .replace(/\^(−?[A-Za-z0-9.]+)/g, "<sup>$1</sup>");
}

/** All checks of a run, and those that pass. */
export function checkCounts(sections: readonly SectionReport[]): { passed: number; total: number } {
  const checks = sections.flatMap((section) => section.checks);
  return { passed: checks.filter((check) => check.pass).length, total: checks.length };
}

function checkItem(check: Check): string {
  const mark = check.pass ? "✓ pass" : "✗ FAIL";
  return `<li class="check ${check.pass ? "pass" : "fail"}" id="check-${escapeHtml(check.id)}">` +
    `<span class="mark">${mark}</span> <strong>${notationHtml(check.claim)}</strong>` +
    `<br>requires: ${notationHtml(check.requires)}` +
    `<br>measured: ${notationHtml(check.measured)}</li>`;
}

function checkList(checks: readonly Check[]): string {
  return checks.length === 0 ? "" : `<ul class="checks">${checks.map(checkItem).join("")}</ul>`;
}

function sectionHtml(section: SectionReport): string {
  const { info } = section;
  const passed = section.checks.filter((check) => check.pass).length;
  const figures = section.figures.map((figure) => {
    const checks = section.checks.filter((check) => check.figure === figure.name);
    return `<figure id="figure-${escapeHtml(figure.name)}">` +
      `<a href="${escapeHtml(figure.file)}"><img src="${escapeHtml(figure.file)}" ` +
      `alt="${escapeHtml(figure.caption)}"></a>` +
      `<figcaption>${notationHtml(figure.caption)} <span class="forms">` +
      `<a href="${escapeHtml(figure.file)}">SVG</a> · <a href="${escapeHtml(figure.png)}">PNG</a>` +
      `</span></figcaption>${checkList(checks)}</figure>`;
  });
  const figureNames = new Set(section.figures.map((figure) => figure.name));
  const other = section.checks.filter((check) => !check.figure || !figureNames.has(check.figure));
  const tables = section.tables.map((file) =>
    `<a href="${escapeHtml(file)}">${escapeHtml(file)}</a>`
  );
  const runs = (count: number) => `${count} run${count === 1 ? "" : "s"}`;
  const source = section.cached > 0
    ? `${runs(section.trained)} trained, ${section.cached} from the cache`
    : `${runs(section.trained)} trained`;
  return `<section id="${escapeHtml(info.name)}">` +
    `<h2>${escapeHtml(info.paper)} ${escapeHtml(info.title)} <small>(${escapeHtml(info.name)}: ` +
    `${passed}/${section.checks.length} checks pass)</small></h2>` +
    `<p>${notationHtml(info.summary)}. ${escapeHtml(source)}; ${
      section.seconds.toFixed(1)
    } s.</p>` +
    figures.join("") + checkList(other) +
    `<p class="tables">CSV: ${tables.join(" · ")}</p></section>`;
}

const STYLE = `body{font-family:"DejaVu Sans",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222}img{max-width:100%;height:auto;border:1px solid #ddd}
figure{margin:1.5em 0}figcaption{color:#444;margin:.4em 0}.checks{list-style:none;padding:0}
.check{margin:.5em 0;padding:.4em .6em;border-left:4px solid}.pass{border-color:#2a7}
.fail{border-color:#c33;background:#fee}.mark{font-weight:bold}.pass .mark{color:#2a7}
.fail .mark{color:#c33}.summary{font-size:1.2em}small{color:#666;font-weight:normal}`;

/** The report page for a run of the figure book (see the module doc). */
export function reportHtml(summary: BookSummary): string {
  const { passed, total } = checkCounts(summary.sections);
  const facts = [
    `${summary.seconds.toFixed(1)} s`,
    `trainer: ${summary.trainer}`,
    `seed ${summary.seed}`,
    `scale ${summary.scale}`,
    ...(summary.commit ? [`commit ${summary.commit}`] : []),
    summary.generated,
  ];
  const contents = summary.sections.map((section) =>
    `<li><a href="#${escapeHtml(section.info.name)}">${escapeHtml(section.info.paper)} ` +
    `${escapeHtml(section.info.title)}</a></li>`
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Toy Models of Superposition: reproduction report</title>
<style>${STYLE}</style></head><body>
<h1>Toy Models of Superposition: reproduction report</h1>
<p class="summary" id="summary"><strong>${passed}/${total} checks pass</strong>` +
    `${passed === total ? "" : ` — ${total - passed} FAIL`}</p>
<p>${facts.map(escapeHtml).join(" · ")}</p>
<ol>${contents.join("")}</ol>
${summary.sections.map(sectionHtml).join("\n")}
</body></html>
`;
}
