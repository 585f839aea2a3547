import assert from "node:assert/strict";
import { SECTIONS } from "../../lib/sections/registry.ts";
import {
  type Check,
  claimsText,
  sectionHeading,
  statusCounts,
  sweepText,
  valueList,
  verdict,
} from "../../lib/sections/section.ts";

Deno.test("verdict(): pass where the claim holds, partial where it holds partly, else fail", () => {
  assert.equal(verdict(true), "pass");
  assert.equal(verdict(true, true), "pass");
  assert.equal(verdict(false, true), "partial");
  assert.equal(verdict(false), "fail");
});

Deno.test("statusCounts() and claimsText() count a partial claim apart from pass and fail", () => {
  const check = (status: Check["status"]): Check => ({
    id: status,
    claim: "c",
    requires: "r",
    measured: "m",
    status,
  });
  const counts = statusCounts([check("pass"), check("partial"), check("pass"), check("fail")]);
  assert.deepEqual(counts, { pass: 2, partial: 1, fail: 1 });
  assert.equal(claimsText(counts), "2/4 claims pass, 1 partly, 1 fail");
  assert.equal(claimsText({ pass: 3, partial: 0, fail: 0 }), "3/3 claims pass");
  assert.equal(claimsText({ pass: 0, partial: 0, fail: 2 }), "0/2 claims pass, 2 fail");
});

Deno.test("valueList() keeps short lists and summarises long ones", () => {
  assert.equal(valueList([0.5, 0.25]), "0.5, 0.25");
  assert.equal(valueList([1, 2, 3, 4, 5, 6]), "1, 2, 3, 4, 5, 6");
  assert.equal(valueList([1, 2, 3, 4, 5, 6, 7.04]), "7 values, 1 to 7.04 (median 4)");
  assert.equal(
    valueList([-0.171, -0.14, -0.2, -0.15, -0.16, -0.18, -0.19], 2),
    "7 values, -0.2 to -0.14 (median -0.17)",
  );
  assert.equal(valueList(Array(7).fill(1.00002), 4), "7 values, all 1");
  assert.equal(valueList([...Array(6).fill(0.5), NaN]), "7 values, all 0.5 but 1 not finite");
  assert.equal(valueList(Array(7).fill(NaN)), "7 values, none finite");
});

Deno.test("sweepText() names a sweep by its count, first and last values", () => {
  assert.equal(sweepText("densities", [1, 0.3, 0.1, 0.0512]), "4 densities 1 … 0.051");
});

Deno.test("the follow-ups are labelled as their own papers, the others as the paper's sections", () => {
  const followUps = SECTIONS.filter((section) => section.info.followUp);
  assert.deepEqual(followUps.map((section) => section.info.name), ["double-descent", "sae"]);
  assert.deepEqual(followUps.map((section) => section.info.paper), [
    "Henighan et al. 2023",
    "Bricken et al. 2023; Sharkey et al. 2022",
  ]);
  assert.equal(
    sectionHeading(followUps[0].info),
    "Superposition, memorisation and double descent (follow-up: Henighan et al. 2023)",
  );
  for (const section of SECTIONS.filter((section) => !section.info.followUp)) {
    assert.match(section.info.paper, /^§\d+(\.\d+)?$/, section.info.name);
    assert.equal(sectionHeading(section.info), `${section.info.paper} ${section.info.title}`);
  }
});

Deno.test("every section's setting() summarises its settings at both scales", () => {
  for (const section of SECTIONS) {
    for (const settings of Object.values(section.scales)) {
      const summary = section.setting(settings);
      assert.equal(summary.steps, settings.steps, section.info.name);
      assert.match(summary.model, /^n=\d+, m=\d+/, section.info.name);
      assert.ok(summary.sweep.length > 0 && !summary.sweep.includes("undefined"));
      assert.ok(!String(summary.restarts).includes("undefined"), section.info.name);
    }
  }
});
