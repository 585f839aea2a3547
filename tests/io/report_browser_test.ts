/**
 * The report `index.html` in a real browser: `scripts/figures.ts` writes a report quickly on the
 * CPU (4 training steps, so the paper's checks fail and it exits 1), then headless Chromium opens
 * it: every figure must load, one <img> per SVG written, the summary at the top, and nothing
 * logged as an error. A copy with a broken image and a `console.error` shows those are caught.
 * Ignored where no browser is found, unless REQUIRE_BROWSER=1 (as in CI).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/** What a loaded report page shows: its images (src as written, loaded or not) and summary. */
interface PageFacts {
  images: { src: string; loaded: boolean }[];
  summary: string | null;
}

async function pageFacts(page: BrowserPage): Promise<PageFacts> {
  return await page.evaluate<PageFacts>(`({
    images: [...document.images].map((img) => ({
      src: img.getAttribute("src"),
      loaded: img.complete && img.naturalWidth > 0,
    })),
    summary: document.querySelector("#summary")?.textContent ?? null,
  })`);
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
          assert.match(facts.summary ?? "(no #summary)", /^\d+\/\d+ checks pass/);
          const png = await page.screenshot();
          await Deno.writeFile(screenshot, png);
        }, { browser: browser! });
        const png = await Deno.readFile(screenshot);
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(png.length > 10_000, `screenshot is only ${png.length} bytes`);
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
