import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import {
  bookCounts,
  escapeHtml,
  finitenessText,
  notationHtml,
  reportHtml,
} from "../../lib/io/report.ts";
import type { SectionReport } from "../../lib/sections/runner.ts";
import type { SettingSummary } from "../../lib/sections/section.ts";

const setting: SettingSummary = { model: "n=5, m=2", steps: 10_000, restarts: 10, sweep: "3 p" };

const section: SectionReport = {
  info: { name: "toy", paper: "§9", title: "A <toy> & co", summary: "one figure" },
  folder: "toy",
  figures: [{ name: "fig", caption: "the caption", file: "toy/fig.svg", png: "toy/fig.png" }],
  tables: ["toy/instances.csv", "toy/extra.csv"],
  checks: [
    { id: "a", figure: "fig", claim: "x < 1", requires: "r", measured: "0.5", status: "pass" },
    { id: "b", claim: "y > 2", requires: "r", measured: "1.5", status: "fail" },
    { id: "c", figure: "fig", claim: "z = 0", requires: "r", measured: "0.1", status: "partial" },
  ],
  training: { instances: 40, nonFinite: [] },
  setting: { paper: setting, run: { ...setting, steps: 3000, restarts: 4 } },
  trained: 1,
  cached: 2,
  trainingSeconds: 1,
  seconds: 2,
};

const followUp: SectionReport = {
  ...section,
  info: {
    name: "later",
    paper: "Someone et al. 2023",
    followUp: [{ cite: "Someone et al. 2023", title: "A later paper", url: "https://example.org" }],
    title: "Later results",
    summary: "more",
  },
  folder: "later",
  figures: [],
  tables: [],
  checks: [{ id: "d", claim: "w", requires: "r", measured: "1", status: "pass" }],
  training: { instances: 8, nonFinite: ["T5 #3"] },
  setting: { paper: setting, run: setting },
};

function page(sections: readonly SectionReport[]) {
  const html = reportHtml({
    sections,
    seconds: 12.34,
    trainer: "CPU reference trainer (f64)",
    seed: 7,
    scale: "quick",
    commit: "abc123",
    generated: "2026-01-01T00:00:00.000Z",
  });
  return new DOMParser().parseFromString(html, "text/html");
}

Deno.test("escapeHtml() escapes the five special characters", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;",
  );
});

Deno.test("notationHtml() sets subscripts and superscripts, escaped", () => {
  assert.equal(notationHtml("‖W_i‖ < 1"), "‖W<sub>i</sub>‖ &#60; 1");
  assert.equal(
    notationHtml("Σ_{j≠i} I=0.9^i, 20^−t"),
    "Σ<sub>j≠i</sub> I=0.9<sup>i</sup>, 20<sup>−t</sup>",
  );
  assert.equal(notationHtml("1−S = 0.05"), "1−S = 0.05");
});

Deno.test("bookCounts() counts partial claims apart, the follow-ups apart, and the instances apart", () => {
  assert.deepEqual(bookCounts([section, followUp]), {
    paper: { pass: 1, partial: 1, fail: 1 },
    followUps: { pass: 1, partial: 0, fail: 0 },
    claims: { pass: 2, partial: 1, fail: 1 },
    training: { instances: 48, nonFinite: ["later T5 #3"] },
  });
  assert.equal(finitenessText(section.training), "all 40 instances finite");
  assert.equal(finitenessText(followUp.training), "1 of 8 instances not finite: T5 #3");
  assert.equal(finitenessText(followUp.training, false), "1 of 8 instances not finite");
});

Deno.test("reportHtml() shows the summary, every figure with its checks, and the CSV links", () => {
  const document = page([section]);
  assert.equal(
    document.querySelector("#summary")!.textContent,
    "The paper's claims: 1/3 pass, ◐ 1 partly, ✗ 1 FAIL✓ training: all 40 instances finite",
  );
  assert.equal(document.querySelector("#claims-follow-ups"), null, "no follow-ups, no line");
  const facts = document.querySelector("#facts")!.textContent!;
  for (
    const fact of ["12.3 s", "trainer: CPU reference trainer (f64)", "seed 7", "scale quick"]
  ) {
    assert.ok(facts.includes(fact), `${fact} in ${facts}`);
  }
  assert.ok(facts.includes("commit abc123"));
  assert.equal(
    document.querySelector("section h3")!.textContent,
    "§9 A <toy> & co (toy: 1/3 claims pass, 1 partly, 1 fail)",
  );
  const figure = document.querySelector("figure#figure-fig")!;
  assert.equal(figure.querySelector("img")!.getAttribute("src"), "toy/fig.svg");
  const forms = [...figure.querySelectorAll(".forms a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(forms, ["toy/fig.svg", "toy/fig.png"]);
  assert.equal(figure.querySelector(".check.pass")!.id, "check-a");
  assert.equal(figure.querySelector(".check.partial .mark")!.textContent, "◐ partly");
  assert.equal(document.querySelector("section > ul .check.fail .mark")!.textContent, "✗ FAIL");
  assert.equal(
    document.querySelector("section .training.pass")!.textContent,
    "✓ training: all 40 instances finite",
  );
  const links = [...document.querySelectorAll(".tables a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(links, section.tables);
});

Deno.test("reportHtml(): a summary table row per section, the paper's setting beside this run's", () => {
  const document = page([section, followUp]);
  const rows = [...document.querySelectorAll("#overview tr.section")];
  assert.equal(rows.length, 2);
  const cells = (row: typeof rows[number]) =>
    [...row.querySelectorAll("td")].map((td) => td.textContent);
  // Equal fields span both columns; steps and restarts differ.
  assert.deepEqual(cells(rows[0]), [
    "toy §9",
    "n=5, m=2",
    "10,000",
    "3,000",
    "10",
    "4",
    "3 p",
    "✓ 1 ◐ 1 ✗ 1",
    "✓ 40",
  ]);
  assert.equal(rows[0].querySelector("td.same")!.getAttribute("colspan"), "2");
  assert.deepEqual(cells(rows[1]).slice(-2), ["✓ 1", "✗ 1 of 8 not finite"]);
  const groups = [...document.querySelectorAll("#overview tr.group")].map((tr) => tr.textContent);
  assert.deepEqual(groups, ["The paper's sections", "Follow-ups"]);
});

Deno.test("reportHtml(): follow-ups under their own heading, cited; their claims and a non-finite instance apart", () => {
  const document = page([section, followUp]);
  const headings = [...document.querySelectorAll("h2")].map((h2) => h2.textContent);
  assert.deepEqual(headings, ["The paper's sections", "Follow-ups"]);
  const later = document.querySelector("section#later")!;
  assert.equal(
    later.previousElementSibling!.textContent,
    "Follow-ups",
    "the follow-up comes after its heading",
  );
  assert.equal(
    later.querySelector("h3")!.textContent,
    "Later results (follow-up: Someone et al. 2023) (later: 1/1 claims pass)",
  );
  const cite = later.querySelector(".cites a")!;
  assert.equal(cite.getAttribute("href"), "https://example.org");
  assert.equal(cite.textContent, "Someone et al. 2023, “A later paper”");
  assert.equal(
    later.querySelector(".training.fail")!.textContent,
    "✗ FAIL training: 1 of 8 instances not finite: T5 #3",
  );
  assert.equal(
    document.querySelector("#claims-paper")!.textContent,
    "The paper's claims: 1/3 pass, ◐ 1 partly, ✗ 1 FAIL",
  );
  assert.equal(
    document.querySelector("#claims-follow-ups")!.textContent,
    "The follow-ups' claims: 1/1 pass",
  );
  assert.equal(
    document.querySelector("#finite")!.textContent,
    "✗ FAIL training: 1 of 48 instances not finite: later T5 #3",
  );
});
