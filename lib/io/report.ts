/**
 * @module
 * The self-checking reproduction report, `<out>/index.html`. At the top: how many of the paper's
 * claims our figures pass, hold partly and fail, the follow-ups' apart, and whether every
 * trained instance is finite (apart from the claims); the time, trainer, seed, scale and commit;
 * and a table with one row per section: the paper's setting beside this run's, and its claims'
 * counts. Then every section, the paper's in paper order and then the follow-ups under their own
 * heading, with its figures inline (linked SVGs), each with its caption and the checks about it
 * (the paper's claim, what it requires, what we measured, a pass, partly or fail mark), and links
 * to the section's CSVs. One static page, no scripts.
 */
import type { Finiteness, SectionReport } from "../sections/runner.ts";
import {
  type Check,
  type CheckStatus,
  claimsText,
  sectionHeading,
  type SettingSummary,
  statusCounts,
} from "../sections/section.ts";

/** What the report's header says about the whole run. */
export interface BookSummary {
  sections: readonly SectionReport[];
  /** Wall time of the whole run, in seconds. */
  seconds: number;
  /** The trainer as a reader reads it (`trainerLabel`); several joined by "; ". */
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

/**
 * {@link Finiteness} in words: "all N instances finite", or "K of N instances not finite" and,
 * with `named`, ": a #1, b #4".
 */
export function finitenessText({ instances, nonFinite }: Finiteness, named = true): string {
  if (nonFinite.length === 0) return `all ${instances} instances finite`;
  const count = `${nonFinite.length} of ${instances} instances not finite`;
  return named ? `${count}: ${nonFinite.join(", ")}` : count;
}

/** What a run's sections add up to: their claims by status, and their instances. */
export interface BookCounts {
  /** Claims of the paper's sections, by status. */
  paper: Record<CheckStatus, number>;
  /** Claims of the follow-ups (sections with `info.followUp`), by status. */
  followUps: Record<CheckStatus, number>;
  /** Every claim, by status. */
  claims: Record<CheckStatus, number>;
  /** Instances over every section, and those not finite as "<section> <run> #k". */
  training: Finiteness;
}

/** The claims of `sections` counted by status (the paper's, the follow-ups', all) and their instances. */
export function bookCounts(sections: readonly SectionReport[]): BookCounts {
  const claims = (selected: readonly SectionReport[]) =>
    statusCounts(selected.flatMap((section) => section.checks));
  return {
    paper: claims(sections.filter((section) => !section.info.followUp)),
    followUps: claims(sections.filter((section) => section.info.followUp)),
    claims: claims(sections),
    training: {
      instances: sections.reduce((sum, section) => sum + section.training.instances, 0),
      nonFinite: sections.flatMap((section) =>
        section.training.nonFinite.map((instance) => `${section.info.name} ${instance}`)
      ),
    },
  };
}

/** Each status's mark on the page, and the word beside it. */
const MARKS: Record<CheckStatus, string> = { pass: "✓", partial: "◐", fail: "✗" };
const WORDS: Record<CheckStatus, string> = { pass: "pass", partial: "partly", fail: "FAIL" };

function checkItem(check: Check): string {
  return `<li class="check ${check.status}" id="check-${escapeHtml(check.id)}">` +
    `<span class="mark">${MARKS[check.status]} ${WORDS[check.status]}</span> ` +
    `<strong>${notationHtml(check.claim)}</strong>` +
    `<br>requires: ${notationHtml(check.requires)}` +
    `<br>measured: ${notationHtml(check.measured)}</li>`;
}

function checkList(checks: readonly Check[]): string {
  return checks.length === 0 ? "" : `<ul class="checks">${checks.map(checkItem).join("")}</ul>`;
}

/** Claims by status as marks, e.g. "✓ 3 ◐ 1" (zero counts left out; "none" for no claims). */
function countMarks(counts: Record<CheckStatus, number>): string {
  const marks = (Object.keys(MARKS) as CheckStatus[]).flatMap((status) =>
    counts[status] > 0 ? [`<span class="${status}">${MARKS[status]} ${counts[status]}</span>`] : []
  );
  return marks.join(" ") || "none";
}

/** Whether training converged, as a marked line: the section's or the whole run's. */
function trainingLine(training: Finiteness, id?: string): string {
  const good = training.nonFinite.length === 0;
  const text = finitenessText(training);
  return `<p class="training ${good ? "pass" : "fail"}"${id ? ` id="${id}"` : ""}>` +
    `<span class="mark">${good ? MARKS.pass : `${MARKS.fail} FAIL`}</span> training: ` +
    `${escapeHtml(text)}</p>`;
}

/** A follow-up's papers, linked, e.g. "Henighan et al. 2023, “Superposition, …”". */
function citationsHtml(section: SectionReport): string {
  const papers = section.info.followUp ?? [];
  return papers.length === 0
    ? ""
    : `<p class="cites">Reproduces ${
      papers.map((paper) =>
        `<a href="${escapeHtml(paper.url)}">${escapeHtml(paper.cite)}, ` +
        `“${escapeHtml(paper.title)}”</a>`
      ).join("; ")
    }.</p>`;
}

function sectionHtml(section: SectionReport): string {
  const { info } = section;
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
    `<h3>${escapeHtml(sectionHeading(info))} <small>(${escapeHtml(info.name)}: ` +
    `${claimsText(statusCounts(section.checks))})</small></h3>` + citationsHtml(section) +
    `<p>${notationHtml(info.summary)}. ${escapeHtml(source)}; ${
      section.seconds.toFixed(1)
    } s.</p>` + trainingLine(section.training) +
    figures.join("") + checkList(other) +
    `<p class="tables">CSV: ${tables.join(" · ")}</p></section>`;
}

/** One field of the setting, the paper's beside this run's: one cell spanning both where equal. */
function settingCells(paper: SettingSummary, run: SettingSummary, field: keyof SettingSummary) {
  const text = (value: string | number) =>
    typeof value === "number" ? value.toLocaleString("en-US") : value;
  const [a, b] = [text(paper[field]), text(run[field])];
  if (a === b) return `<td colspan="2" class="same">${notationHtml(a)}</td>`;
  return `<td>${notationHtml(a)}</td><td class="run">${notationHtml(b)}</td>`;
}

const SETTING_FIELDS: readonly (keyof SettingSummary)[] = ["model", "steps", "restarts", "sweep"];

/** The summary table's row of a section. */
function overviewRow(section: SectionReport): string {
  const { info, setting, training } = section;
  const finite = training.nonFinite.length === 0
    ? `<span class="pass">${MARKS.pass} ${training.instances}</span>`
    : `<span class="fail">${MARKS.fail} ${training.nonFinite.length} of ${training.instances} ` +
      "not finite</span>";
  return `<tr class="section"><td><a href="#${escapeHtml(info.name)}">${
    escapeHtml(info.name)
  }</a>` +
    ` <small>${escapeHtml(info.paper)}</small></td>` +
    SETTING_FIELDS.map((field) => settingCells(setting.paper, setting.run, field)).join("") +
    `<td class="claims">${countMarks(statusCounts(section.checks))}</td>` +
    `<td class="claims">${finite}</td></tr>`;
}

/** The paper's sections and the follow-ups, each group with its heading (empty groups left out). */
function groups(sections: readonly SectionReport[]) {
  return [
    {
      id: "paper",
      heading: "The paper's sections",
      sections: sections.filter((section) => !section.info.followUp),
    },
    {
      id: "follow-ups",
      heading: "Follow-ups",
      sections: sections.filter((section) => section.info.followUp),
    },
  ].filter((group) => group.sections.length > 0);
}

/** The summary table: one row per section, grouped, with the paper's setting beside this run's. */
function overviewTable(sections: readonly SectionReport[]): string {
  const columns = SETTING_FIELDS.length * 2 + 3;
  const pairs = SETTING_FIELDS.map((field) => `<th colspan="2">${field}</th>`).join("");
  const sides = SETTING_FIELDS.map(() => "<th>paper</th><th>this run</th>").join("");
  const body = groups(sections).map((group) =>
    `<tr class="group"><th colspan="${columns}">${escapeHtml(group.heading)}</th></tr>` +
    group.sections.map(overviewRow).join("")
  );
  return `<table class="overview" id="overview"><thead>` +
    `<tr><th rowspan="2">section</th>${pairs}<th rowspan="2">claims</th>` +
    `<th rowspan="2">instances finite</th></tr><tr>${sides}</tr></thead>` +
    `<tbody>${body.join("")}</tbody></table>` +
    `<p class="note">A value spanning both columns is the same in the paper's setting and in ` +
    `this run's; the paper's setting is each section's <code>--scale paper</code>.</p>`;
}

/** A header line: a group's claims counted, e.g. "The paper's claims: 3/4 pass, ◐ 1 partly". */
function claimsLine(id: string, label: string, counts: Record<CheckStatus, number>): string {
  const total = counts.pass + counts.partial + counts.fail;
  return `<p id="${id}">${escapeHtml(label)}: ` +
    `<strong>${counts.pass}/${total} pass</strong>` +
    (counts.partial > 0
      ? `, <span class="partial">${MARKS.partial} ${counts.partial} partly</span>`
      : "") +
    (counts.fail > 0 ? `, <span class="fail">${MARKS.fail} ${counts.fail} FAIL</span>` : "") +
    "</p>";
}

const STYLE = `body{font-family:"DejaVu Sans",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222}img{max-width:100%;height:auto;border:1px solid #ddd}
figure{margin:1.5em 0}figcaption{color:#444;margin:.4em 0}.checks{list-style:none;padding:0}
.check{margin:.5em 0;padding:.4em .6em;border-left:4px solid}.check.pass{border-color:#2a7}
.check.partial{border-color:#d89a00;background:#fff6dc}.check.fail{border-color:#c33;
background:#fee}.mark{font-weight:bold}.pass .mark,span.pass{color:#2a7}
.partial .mark,span.partial{color:#a86f00}.fail .mark,span.fail{color:#c33}
.summary p{font-size:1.2em;margin:.3em 0}.training{margin:.4em 0}
small{color:#666;font-weight:normal}h2{margin-top:2em;border-bottom:2px solid #ccc}
.overview{border-collapse:collapse;font-size:.85em;margin:1em 0}
.overview th,.overview td{border:1px solid #ddd;padding:.25em .5em;text-align:left;
vertical-align:top}.overview thead th{background:#f4f4f4}.overview .group th{background:#eef;
text-align:left}.overview td.same{text-align:center}.overview td.run{background:#fafafa}
.overview td.claims{white-space:nowrap}.note{color:#666;font-size:.85em}`;

/** The report page for a run of the figure book (see the module doc). */
export function reportHtml(summary: BookSummary): string {
  const counts = bookCounts(summary.sections);
  const facts = [
    `${summary.seconds.toFixed(1)} s`,
    `trainer: ${summary.trainer}`,
    `seed ${summary.seed}`,
    `scale ${summary.scale}`,
    ...(summary.commit ? [`commit ${summary.commit}`] : []),
    summary.generated,
  ];
  const lines = groups(summary.sections).map((group) =>
    group.id === "paper"
      ? claimsLine("claims-paper", "The paper's claims", counts.paper)
      : claimsLine("claims-follow-ups", "The follow-ups' claims", counts.followUps)
  );
  const body = groups(summary.sections).map((group) =>
    `<h2 id="group-${group.id}">${escapeHtml(group.heading)}</h2>\n` +
    group.sections.map(sectionHtml).join("\n")
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Toy Models of Superposition: reproduction report</title>
<style>${STYLE}</style></head><body>
<h1>Toy Models of Superposition: reproduction report</h1>
<div class="summary" id="summary">${lines.join("")}${trainingLine(counts.training, "finite")}</div>
<p id="facts">${facts.map(escapeHtml).join(" · ")}</p>
${overviewTable(summary.sections)}
${body.join("\n")}
</body></html>
`;
}
