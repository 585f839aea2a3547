/**
 * The report `index.html` in a real browser: `scripts/figures.ts` writes a report quickly on the
 * CPU (4 training steps, so the paper's checks fail and it exits 1), then headless Chromium opens
 * it: every figure must load, one <img> per SVG written, the summary at the top with its table
 * (one row per section, laid out), and nothing logged as an error. A copy with a broken image and
 * a `console.error` shows those are caught. A report with a claim that holds partly shows its
 * mark in amber. Ignored where no browser is found, unless REQUIRE_BROWSER=1 (as in CI).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { reportHtml } from "../../lib/io/report.ts";
import type { SectionReport } from "../../lib/sections/runner.ts";
import { SECTIONS } from "../../lib/sections/registry.ts";
import { type BrowserPage, findBrowser, withPage } from "../browser.ts";

const browser = findBrowser();
if (!browser && Deno.env.get("REQUIRE_BROWSER") === "1") {
  throw new Error("REQUIRE_BROWSER=1 but no Chromium or Chrome was found (set CHROME_PATH)");
}

const FIGURES = fileURLToPath(new URL("../../scripts/figures.ts", import.meta.url));

/** The SVGs under the report's section folders (not `.cache`), relative to `out`. */
async function svgFiles(out: string, dir = out): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await svgFiles(out, path));
    else if (entry.isFile && dir !== out && entry.name.endsWith(".svg")) {
      files.push(relative(out, path));
    }
  }
  return files.sort();
}

/**
 * What a loaded report page shows: its images (src as written, loaded or not), its summary, the
 * sections, and the summary table's section rows as laid out (link text, width and height).
 */
interface PageFacts {
  images: { src: string; loaded: boolean }[];
  summary: string | null;
  sections: string[];
  rows: { section: string; width: number; height: number }[];
  tableWidth: number;
}

async function pageFacts(page: BrowserPage): Promise<PageFacts> {
  return await page.evaluate<PageFacts>(`({
    images: [...document.images].map((img) => ({
      src: img.getAttribute("src"),
      loaded: img.complete && img.naturalWidth > 0,
    })),
    summary: document.querySelector("#summary")?.textContent ?? null,
    sections: [...document.querySelectorAll("section")].map((section) => section.id),
    rows: [...document.querySelectorAll("#overview tr.section")].map((row) => ({
      section: row.querySelector("a")?.textContent ?? "",
      width: row.getBoundingClientRect().width,
      height: row.getBoundingClientRect().height,
    })),
    tableWidth: document.querySelector("#overview")?.getBoundingClientRect().width ?? 0,
  })`);
}

/** A one-section report whose claims pass, hold partly and fail. */
function partialReport(): string {
  const setting = { model: "n=5, m=2", steps: 10, restarts: 1, sweep: "2 densities 1 … 0.1" };
  const check = { claim: "a claim", requires: "r", measured: "m" };
  const section: SectionReport = {
    info: { name: "toy", paper: "§2", title: "A toy", summary: "a toy" },
    folder: "toy",
    figures: [],
    tables: [],
    checks: [
      { ...check, id: "holds", status: "pass" },
      { ...check, id: "partly", status: "partial" },
      { ...check, id: "fails", status: "fail" },
    ],
    training: { instances: 4, nonFinite: [] },
    setting: { paper: setting, run: setting },
    trained: 1,
    cached: 0,
    trainingSeconds: 0,
    seconds: 0,
  };
  return reportHtml({
    sections: [section],
    seconds: 1,
    trainer: "CPU reference trainer (f64)",
    seed: 0,
    scale: "quick",
    generated: "2026-01-01T00:00:00.000Z",
  });
}

/** Images that did not load and problems the page reported, one line each. */
function failures(facts: PageFacts, page: BrowserPage): string[] {
  return [
    ...facts.images.filter((image) => !image.loaded).map((image) => `image ${image.src}`),
    ...page.problems.map((problem) => `${problem.kind}: ${problem.text}`),
  ];
}

Deno.test({
  name: "report index.html in headless Chromium: every figure loads, no errors, a screenshot",
  ignore: browser === null,
  async fn(t) {
    const out = await Deno.makeTempDir({ prefix: "report-browser-" });
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", FIGURES, "--out", out, "--backend", "cpu", "--steps", "4"],
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      const log = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      assert.ok(run.code === 0 || run.code === 1, `figures exited ${run.code}:\n${log}`);
      const index = join(out, "index.html");
      await Deno.stat(index); // throws where it was not written
      const svgs = await svgFiles(out);
      assert.ok(svgs.length > 0, "figures wrote no SVG");

      await t.step("every <img> loads, one per SVG; no errors; summary; screenshot", async () => {
        const screenshot = Deno.env.get("REPORT_SCREENSHOT") || join(out, "report.png");
        await withPage(pathToFileURL(index).href, async (page) => {
          const facts = await pageFacts(page);
          assert.deepEqual(failures(facts, page), []);
          assert.deepEqual(facts.images.map((image) => image.src).sort(), svgs);
          assert.match(
            facts.summary ?? "(no #summary)",
            /^The paper's claims: \d+\/\d+ pass.*The follow-ups' claims: \d+\/\d+ pass.*training: all \d+ instances finite$/,
          );
          const png = await page.screenshot();
          await Deno.writeFile(screenshot, png);
        }, { browser: browser! });
        const png = await Deno.readFile(screenshot);
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(png.length > 10_000, `screenshot is only ${png.length} bytes`);
      });

      await t.step("the summary table: one row per section, each laid out", async () => {
        await withPage(pathToFileURL(index).href, async (page) => {
          const facts = await pageFacts(page);
          const names = SECTIONS.map((section) => section.info.name);
          assert.deepEqual(facts.sections, names);
          assert.deepEqual(facts.rows.map((row) => row.section), names);
          for (const row of facts.rows) {
            assert.ok(row.height > 10 && row.height < 120, `${row.section}: ${row.height} px high`);
            const width = `${row.section}: ${row.width} px wide of the table's ${facts.tableWidth}`;
            assert.ok(Math.abs(row.width - facts.tableWidth) <= 2, width); // borders collapse
          }
          assert.ok(facts.tableWidth > 600 && facts.tableWidth <= 1280, `${facts.tableWidth} px`);
        }, { browser: browser! });
      });

      await t.step("a claim that holds partly shows its mark, in amber", async () => {
        const partial = join(out, "partial.html");
        await Deno.writeTextFile(partial, partialReport());
        await withPage(pathToFileURL(partial).href, async (page) => {
          assert.deepEqual(page.problems, []);
          const shown = await page.evaluate<Record<string, string>>(`(() => {
            const item = document.querySelector("#check-partly");
            const mark = item.querySelector(".mark");
            return {
              className: item.className,
              mark: mark.textContent,
              markColour: getComputedStyle(mark).color,
              border: getComputedStyle(item).borderLeftColor,
              summary: document.querySelector("#claims-paper").textContent,
              row: document.querySelector("#overview tr.section td.claims").textContent,
            };
          })()`);
          assert.deepEqual(shown, {
            className: "check partial",
            mark: "◐ partly",
            markColour: "rgb(168, 111, 0)",
            border: "rgb(216, 154, 0)",
            summary: "The paper's claims: 1/3 pass, ◐ 1 partly, ✗ 1 FAIL",
            row: "✓ 1 ◐ 1 ✗ 1",
          });
        }, { browser: browser! });
      });

      await t.step("a broken image path and a console.error are caught", async () => {
        const html = await Deno.readTextFile(index);
        const broken = join(out, "broken.html");
        const first = `src="${svgs[0]}"`;
        assert.ok(html.includes(first), `index.html has no ${first}`);
        await Deno.writeTextFile(
          broken,
          html.replace(first, 'src="missing/missing.svg"')
            .replace("</body>", '<script>console.error("x")</script></body>'),
        );
        await withPage(pathToFileURL(broken).href, async (page) => {
          const found = failures(await pageFacts(page), page);
          assert.ok(found.includes("image missing/missing.svg"), found.join("\n"));
          assert.ok(found.includes("console: x"), found.join("\n"));
          assert.ok(found.some((line) => /^load: .*missing\.svg/.test(line)), found.join("\n"));
        }, { browser: browser! });
      });
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
