// End-to-end tests of a person's own data: a CSV file read in the browser (never uploaded), its label
// column picked and columns left out, trained like a built-in set, kept across a reload, and refused
// with the line named, beside Load CSV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { ARTIFACTS, LONG, session, waitRuns } from "./helpers.mjs";

const ctx = session("metrics-data.json");

/** Sixty rows: three features and a species column in the middle, three classes of twenty. */
function csv() {
  const rows = ["width,species,height,depth"];
  for (let i = 0; i < 60; i++) rows.push(`${i % 7},${["a", "b", "c"][i % 3]},${(i * 3) % 5},${i % 3}`);
  return rows.join("\n") + "\n";
}

const load = (page, name, text) =>
  page.getByTestId("load-csv").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });

test("a CSV file trains like a built-in set, survives a reload, and a link to it says what it needs", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=5&bs=8&hidden=8");
  await load(page, "mine.csv", csv());
  const about = page.getByTestId("dataset-about");
  await about.filter({ hasText: "mine.csv: 60 rows" }).waitFor();
  // The column of words is the label, and the page says how it read the file.
  assert.match(await about.innerText(), /60 rows, 3 features, 3 classes of species \(a 20, b 20, c 20\)/);
  assert.match(await about.innerText(), /Read as `,`-separated values with decimal points and a header row\./);
  const dataset = await page.getByTestId("dataset").inputValue();
  // Another label leaves the words out (they cannot be a feature) and says so; keeping them is refused,
  // beside Load CSV, and nothing changes.
  await page.getByTestId("csv-label").selectOption({ label: "depth" });
  await about.filter({ hasText: "left out: species" }).waitFor();
  const byDepth = await page.getByTestId("dataset").inputValue();
  assert.match(byDepth, /^csv:60x2x3:[0-9a-f]{16}$/);
  await page.locator("[data-testid=csv-leave-out][value='1']").uncheck();
  await page.getByTestId("csv-refusal").filter({ hasText: "line 2: species is “a”, not a number" }).waitFor();
  await page.getByTestId("notice").filter({ hasText: "line 2: species is “a”, not a number" }).waitFor();
  assert.equal(await page.getByTestId("dataset").inputValue(), byDepth, "nothing changed");
  await page.getByTestId("csv-label").selectOption({ label: "species" });
  await about.filter({ hasText: "3 features, 3 classes of species" }).waitFor();
  assert.match(await about.innerText(), /standardised on the 48 training rows; 12 rows validate/);
  assert.equal(await page.getByTestId("csv-refusal").innerText(), "", "a file read clears the refusal");
  assert.equal(await page.getByTestId("dataset").inputValue(), dataset);
  assert.match(dataset, /^csv:60x3x3:[0-9a-f]{16}$/);
  await page.getByTestId("start").click();
  await waitRuns(page, 1);
  const item = page.getByTestId("run-item").first();
  const digest = await item.getAttribute("data-digest");
  assert.equal(await item.getAttribute("data-status"), "finished");
  assert.ok(page.url().includes(dataset.replace(/:/g, "%3A")) || page.url().includes(dataset), page.url());
  // A reload keeps the run and the file it trained on: the form still offers it.
  await page.reload();
  await waitRuns(page, 1);
  assert.equal(await page.getByTestId("run-item").first().getAttribute("data-digest"), digest);
  assert.equal(await page.getByTestId("dataset").inputValue(), dataset);
  await page.getByTestId("start").click();
  await waitRuns(page, 2);
  assert.equal(await page.getByTestId("run-item").nth(1).getAttribute("data-digest"), digest, "the same file, the same run");
  // Another browser has not read the file: the link says so and trains nothing.
  const fresh = await ctx.open(new URL(page.url()).search);
  await fresh.getByTestId("notice").filter({ hasText: "has not read" }).waitFor();
  assert.match(await fresh.getByTestId("notice").first().innerText(), /open that file with Load CSV/);
  assert.equal(await fresh.getByTestId("run-item").count(), 0);
  // Loading the same file there (under another name) gives the same table, and the same run.
  await load(fresh, "copy.csv", csv());
  await fresh.getByTestId("dataset-about").filter({ hasText: "copy.csv: 60 rows, 3 features, 3 classes of species" }).waitFor();
  assert.equal(await fresh.getByTestId("dataset").inputValue(), dataset);
  await fresh.getByTestId("start").click();
  await waitRuns(fresh, 1);
  assert.equal(await fresh.getByTestId("run-item").first().getAttribute("data-digest"), digest);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(fresh.errors, []);
  await page.close();
  await fresh.close();
});

test("a CSV file with a bad row is refused naming the row, beside Load CSV, and nothing changes", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1", { width: 390, height: 844 });
  const bad = csv().replace("\n4,b,2,1\n", "\n4,b,,1\n");
  await load(page, "bad.csv", bad);
  await page.getByTestId("notice").filter({ hasText: "bad.csv" }).waitFor();
  assert.match(await page.getByTestId("notice").first().innerText(), /Not loaded: bad\.csv: line 6: height is missing/);
  // On a phone the refusal is beside the control that caused it, not a screen away.
  const refusal = page.getByTestId("csv-refusal");
  assert.match(await refusal.innerText(), /Not loaded: bad\.csv: line 6: height is missing/);
  assert.equal(await refusal.getAttribute("role"), "alert");
  const [input, said] = [await page.getByTestId("load-csv").boundingBox(), await refusal.boundingBox()];
  assert.ok(said.y >= input.y && said.y - (input.y + input.height) < 40, JSON.stringify({ input, said }));
  await refusal.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/csv-refused-390.png` });
  assert.equal(await page.getByTestId("dataset").inputValue(), "digits");
  // A file that is not UTF-8 is refused by name, as the CLI refuses it, and the reading ends.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(), "utf16le")]);
  await page.getByTestId("load-csv").setInputFiles({ name: "wide.csv", mimeType: "text/csv", buffer: utf16 });
  await refusal.filter({ hasText: "wide.csv: the file is not UTF-8 (it looks UTF-16)" }).waitFor();
  assert.doesNotMatch(await page.getByTestId("dataset-about").innerText(), /Reading/);
  const words = csv().replace("\n4,b,2,1\n", "\n4,b,tall,1\n");
  await load(page, "words.csv", words);
  await page.getByTestId("notice").filter({ hasText: "words.csv" }).waitFor();
  assert.match(await page.getByTestId("notice").last().innerText(), /line 6: height is “tall”, not a number/);
  assert.equal(await page.getByTestId("dataset").inputValue(), "digits");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("on a 2-D set a click adds a point of the chosen class and a shift-click removes one", { timeout: LONG }, async () => {
  const page = await ctx.open("?dataset=moons&n=100&epochs=20&bs=16");
  const points = page.getByTestId("points");
  await points.waitFor();
  assert.equal(await points.getAttribute("data-rows"), "100");
  const box = await points.boundingBox();
  // Class 1 at the middle of the plane: a new data set of 101 points, which the form now names.
  await page.getByTestId("point-class").selectOption("1");
  await points.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await page.waitForFunction(() => document.querySelector("[data-testid=points]")?.dataset.rows === "101");
  assert.match(await page.getByTestId("dataset").inputValue(), /^csv:101x2x2:[0-9a-f]{16}$/);
  assert.match(await page.getByTestId("dataset-about").innerText(), /moons \(seed 1\), edited: 101 rows, 2 features, 2 classes of class \(0 50, 1 51\)/);
  // A shift-click on the point just added removes it: the toy set's points again, as a table.
  await points.click({ position: { x: box.width / 2, y: box.height / 2 }, modifiers: ["Shift"] });
  await page.waitForFunction(() => document.querySelector("[data-testid=points]")?.dataset.rows === "100");
  assert.match(await page.getByTestId("dataset-about").innerText(), /0 50, 1 50/);
  // Only the set in use stays offered: the edit gone past is forgotten.
  const offered = await page.getByTestId("dataset").locator("option").allInnerTexts();
  assert.equal(offered.filter((o) => o.includes("edited")).length, 1, offered.join(" | "));
  // Away from every point a shift-click removes nothing, and says so.
  await points.click({ position: { x: 3, y: 3 }, modifiers: ["Shift"] });
  await points.click({ position: { x: box.width - 45, y: 45 }, modifiers: ["Shift"] });
  await page.getByTestId("notice").filter({ hasText: "no point there to remove" }).waitFor();
  await page.getByTestId("start").click();
  await waitRuns(page, 1);
  assert.equal(await page.getByTestId("run-item").first().getAttribute("data-status"), "finished");
  await page.screenshot({ path: `${ARTIFACTS}/points-1280.png`, fullPage: true });
  // Saved as CSV and loaded in another browser, they are the same data set: the link's run replays.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("save-points").click()]);
  const saved = await readFile(await download.path(), "utf8");
  assert.match(saved, /^x,y,class\n/);
  const fresh = await ctx.open(new URL(page.url()).search);
  await fresh.getByTestId("notice").filter({ hasText: "has not read" }).waitFor();
  await load(fresh, "points.csv", saved);
  await fresh.getByTestId("dataset-about").filter({ hasText: "points.csv: 100 rows" }).waitFor();
  assert.equal(await fresh.getByTestId("dataset").inputValue(), await page.getByTestId("dataset").inputValue());
  await fresh.getByTestId("start").click();
  await waitRuns(fresh, 1);
  assert.equal(
    await fresh.getByTestId("run-item").first().getAttribute("data-digest"),
    await page.getByTestId("run-item").first().getAttribute("data-digest"),
  );
  assert.deepEqual(fresh.errors, []);
  await fresh.close();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a file at the size limits is read in a worker of its own (the page's longest task is reported)", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1");
  // 20,000 rows × 50 features (the 1,000,000-number limit, 8.3 MB), made in the page and handed to
  // Load CSV as a person's file would be.
  const bytes = await page.evaluate(() => {
    const rows = [Array.from({ length: 50 }, (_, j) => `f${j}`).join(",") + ",label"];
    for (let i = 0; i < 20000; i++) {
      rows.push(Array.from({ length: 50 }, (_, j) => ((i * 31 + j * 17) % 997 / 7.3).toFixed(4)).join(",") + `,c${i % 7}`);
    }
    window.__file = new File([rows.join("\n") + "\n"], "big.csv", { type: "text/csv" });
    return window.__file.size;
  });
  const started = await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: "longtask" });
    const input = document.querySelector("[data-testid=load-csv]");
    const files = new DataTransfer();
    files.items.add(window.__file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return performance.now();
  });
  await page.getByTestId("dataset-about").filter({ hasText: "big.csv: 20000 rows, 50 features, 7 classes" }).waitFor();
  const [readMs, longest] = await page.evaluate((t0) => [performance.now() - t0, Math.max(0, ...window.__long)], started);
  Object.assign(ctx.metrics, { big_csv_bytes: bytes, big_csv_read_ms: Math.round(readMs), big_csv_longest_main_task_ms: Math.round(longest) });
  assert.deepEqual(page.errors, []);
  await page.close();
});
