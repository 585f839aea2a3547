import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { checkCounts, escapeHtml, notationHtml, reportHtml } from "../../lib/io/report.ts";
import type { SectionReport } from "../../lib/sections/runner.ts";

const section: SectionReport = {
  info: { name: "toy", paper: "§9", title: "A <toy> & co", summary: "one figure" },
  folder: "toy",
  figures: [{ name: "fig", caption: "the caption", file: "toy/fig.svg", png: "toy/fig.png" }],
  tables: ["toy/instances.csv", "toy/extra.csv"],
  checks: [
    { id: "a", figure: "fig", claim: "x < 1", requires: "r", measured: "0.5", pass: true },
    { id: "b", claim: "y > 2", requires: "r", measured: "1.5", pass: false },
  ],
  trained: 1,
  cached: 2,
  trainingSeconds: 1,
  seconds: 2,
};

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

Deno.test("reportHtml() shows the summary, every figure with its checks, and the CSV links", () => {
  const page = reportHtml({
    sections: [section],
    seconds: 12.34,
    trainer: "cpu",
    seed: 7,
    scale: "quick",
    commit: "abc123",
    generated: "2026-01-01T00:00:00.000Z",
  });
  assert.deepEqual(checkCounts([section]), { passed: 1, total: 2 });
  const document = new DOMParser().parseFromString(page, "text/html");
  assert.match(document.querySelector("#summary")!.textContent!, /^1\/2 checks pass — 1 FAIL$/);
  const facts = document.querySelectorAll("p")[1].textContent!;
  for (const fact of ["12.3 s", "trainer: cpu", "seed 7", "scale quick", "commit abc123"]) {
    assert.ok(facts.includes(fact), `${fact} in ${facts}`);
  }
  assert.equal(document.querySelector("h2")!.textContent, "§9 A <toy> & co (toy: 1/2 checks pass)");
  const figure = document.querySelector("figure#figure-fig")!;
  assert.equal(figure.querySelector("img")!.getAttribute("src"), "toy/fig.svg");
  const forms = [...figure.querySelectorAll(".forms a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(forms, ["toy/fig.svg", "toy/fig.png"]);
  assert.equal(figure.querySelector(".check.pass")!.id, "check-a");
  assert.equal(document.querySelector("section > ul .check.fail")!.id, "check-b");
  const links = [...document.querySelectorAll(".tables a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(links, section.tables);
});
