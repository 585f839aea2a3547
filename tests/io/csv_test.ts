import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { formatCsvNumber, writeCsv, writeFileAtomic } from "../../lib/io/csv.ts";

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "csv_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function entryNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("writeCsv() round-trips numbers and strings through csv-parse", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/results.csv`;
    const rows = [
      { model: "relu", density: 0.05, loss: 0.0123456789, steps: 10000 },
      { model: "linear", density: 1, loss: -2.5, steps: 0 },
    ];
    await writeCsv(path, ["model", "density", "loss", "steps"], rows);
    const text = await Deno.readTextFile(path);
    assert.equal(text.split("\n")[0], "model,density,loss,steps");
    const parsed = parse(text, { cast: true, columns: true });
    assert.deepEqual(parsed, [
      { model: "relu", density: 0.05, loss: 0.0123456789, steps: 10000 },
      { model: "linear", density: 1, loss: -2.5, steps: 0 },
    ]);
  });
});

Deno.test("writeCsv() writes columns in the given order and ignores other keys", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/order.csv`;
    await writeCsv(path, ["b", "a"], [{ a: 1, b: 2, extra: 3 }]);
    assert.equal(await Deno.readTextFile(path), "b,a\n2,1\n");
  });
});

Deno.test("writeCsv() quotes a field holding a comma and a quote", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/quoted.csv`;
    await writeCsv(path, ["label", "value"], [{ label: 'a,"b"', value: 1 }]);
    const text = await Deno.readTextFile(path);
    assert.equal(text, 'label,value\n"a,""b""",1\n');
    assert.deepEqual(parse(text, { cast: true, columns: true }), [{ label: 'a,"b"', value: 1 }]);
  });
});

Deno.test("writeCsv() writes NaN and undefined as empty fields", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/empty.csv`;
    await writeCsv(path, ["a", "b", "c"], [{ a: NaN, b: undefined, c: 7 }]);
    assert.equal(await Deno.readTextFile(path), "a,b,c\n,,7\n");
  });
});

Deno.test("formatCsvNumber() never uses exponent notation", () => {
  assert.equal(formatCsvNumber(1e-9), "0.000000001");
  assert.equal(formatCsvNumber(-2.5e-7), "-0.00000025");
  assert.equal(formatCsvNumber(1e21), "1000000000000000000000");
  assert.equal(formatCsvNumber(123456789012), "123456789012");
  assert.equal(formatCsvNumber(0.1 + 0.2), "0.3");
  assert.equal(formatCsvNumber(Math.PI), "3.14159265");
  assert.equal(formatCsvNumber(-0), "0");
  assert.equal(formatCsvNumber(NaN), "");
  assert.equal(formatCsvNumber(-Infinity), "-Infinity");
});

Deno.test("formatCsvNumber() keeps float32 values exact", () => {
  const values = new Float32Array([0.1, 1 / 3, 1e-6, 12345.678, 3.4e-30]);
  for (const value of values) {
    assert.equal(Math.fround(Number(formatCsvNumber(value))), value);
  }
});

Deno.test("writeCsv() writes tiny and huge values without exponent notation", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/extremes.csv`;
    await writeCsv(path, ["tiny", "huge"], [{ tiny: 1.5e-9, huge: 2e21 }]);
    const text = await Deno.readTextFile(path);
    assert.equal(text, "tiny,huge\n0.0000000015,2000000000000000000000\n");
  });
});

Deno.test("writeFileAtomic() creates parent directories and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a/b/out.txt`;
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, "second");
    assert.equal(await Deno.readTextFile(path), "second");
    assert.deepEqual(await entryNames(`${dir}/a/b`), ["out.txt"]);
  });
});

Deno.test("writeFileAtomic() removes its temporary file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/taken`;
    await Deno.mkdir(target);
    await Deno.writeTextFile(`${target}/keep`, "x");
    await assert.rejects(writeFileAtomic(target, "text"));
    assert.deepEqual(await entryNames(dir), ["taken"]);
  });
});

Deno.test("writeCsv() throws on a row without a column and writes no file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bad.csv`;
    await assert.rejects(
      writeCsv(path, ["a", "b"], [{ a: 1, b: 2 }, { a: 3 }]),
      /row 1 has no column "b"/,
    );
    assert.deepEqual(await entryNames(dir), []);
  });
});
