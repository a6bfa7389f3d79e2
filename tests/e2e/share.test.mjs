// End-to-end tests of sharing a session: the address bar holds every run, and a fresh page opened on
// it replays them to the same results, bit for bit. Link lengths go to target/e2e/metrics-share.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ARTIFACTS, LONG, PALETTE, countColour, session, setForm, waitRuns } from "./helpers.mjs";

const ctx = session("metrics-share.json");

/** Each run item's fingerprint, status and whether it is shown, in list order. */
const runs = (page) =>
  page.getByTestId("run-item").evaluateAll((items) =>
    items.map((i) => [i.dataset.digest, i.dataset.status, i.querySelector("input[type=checkbox]").checked]));

test("the address bar holds the whole session, and a fresh page replays it bit for bit", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=2");
  // Six runs from the form, another seed of the first (an ensemble) and a fork of it: eight, one hidden.
  for (const [bsIndex, lr] of [[5, "0.1"], [3, "0.05"], [7, "0.4"], [9, "1"], [4, "0.2"], [6, "0.3"]]) {
    await setForm(page, { bsIndex, lr });
    await page.getByTestId("start").click();
  }
  await waitRuns(page, 6);
  const first = page.getByTestId("run-item").first();
  await first.getByTestId("run-seed").click();
  // The seed's run joins the list first (a busy machine renders it late, and the list's redraw would
  // close a fork form opened before it).
  await waitRuns(page, 7);
  await first.getByTestId("run-fork").click();
  await first.getByTestId("fork-step").fill("30");
  await first.getByTestId("fork-go").click();
  await waitRuns(page, 8);
  await page.getByTestId("run-item").nth(3).locator("input[type=checkbox]").uncheck();
  await page.getByTestId("x-axis").selectOption("steps");
  const before = await runs(page);
  const link = page.url();
  assert.match(link, /[?&]run=/, link);
  assert.match(link, /fork:1@30/, link);
  assert.match(link, /seed-of:1/, link);
  assert.match(link, /x=steps/, link);
  ctx.metrics.eight_run_link_chars = new URL(link).search.length;
  ctx.metrics.eight_run_link = new URL(link).search;
  const fresh = await ctx.open(new URL(link).search);
  await waitRuns(fresh, 8);
  assert.deepEqual(await runs(fresh), before, "the same runs, bit for bit, shown and hidden alike");
  assert.equal(await fresh.getByTestId("x-axis").inputValue(), "steps");
  // The copy button hands over the same link.
  await fresh.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await fresh.getByTestId("copy-link").click();
  await fresh.getByText(/Copied the link to this session/).waitFor();
  assert.equal(await fresh.evaluate(() => navigator.clipboard.readText()), link);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(fresh.errors, []);
  await page.close();
  await fresh.close();
});

test("the seed page's three runs make a short link", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=10");
  for (const [bsIndex, lr] of [[5, "0.001"], [7, "0.01"], [9, "0.1"]]) {
    await setForm(page, { bsIndex, lr });
    await page.getByTestId("start").click();
  }
  await waitRuns(page, 3);
  const search = new URL(page.url()).search;
  assert.equal(search, "?bs=512&run=lr:0.001;bs:32&run=lr:0.01;bs:128&run");
  ctx.metrics.three_run_link_chars = search.length;
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Clicks `locator` and saves the download it starts into the artifacts; returns the file's path. */
async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent("download"), locator.click()]);
  const path = join(ARTIFACTS, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

test("a run exports as CSV and JSON, the JSON imports back bit for bit, and the charts as PNG and SVG", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=2&bs=64&lr=0.3&seed=4&autostart=1");
  await waitRuns(page, 1);
  const item = page.getByTestId("run-item").first();
  const digest = await item.getAttribute("data-digest");
  const json = await download(page, item.getByTestId("export-json"));
  const file = JSON.parse(await readFile(json, "utf8"));
  assert.equal(file.fingerprint, digest);
  assert.equal(file.seed, 4);
  assert.match(file.link, /\?lr=0\.3&bs=64&epochs=2&seed=4&run/);
  // The CSV, as a plain reader takes it (Python's csv module with its defaults): a header row, then a
  // row per point, every row as long as the header, each ending in the run's provenance.
  const csvPath = await download(page, item.getByTestId("export-csv"));
  const read = "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))";
  const rows = JSON.parse(execFileSync("python3", ["-c", read, csvPath], { encoding: "utf8" }));
  assert.equal(rows[0][0], "step");
  assert.deepEqual(rows[0].slice(-5), ["batchlab", "seed", "fingerprint", "status", "link"]);
  assert.equal(rows.length, 1 + file.points.length);
  assert.ok(rows.every((r) => r.length === rows[0].length), "every row as long as the header");
  assert.ok(rows.slice(1).every((r) => r.slice(-4).join(" ") === `4 ${digest} finished ${file.link}`));
  const weights = JSON.parse(await readFile(await download(page, item.getByTestId("export-weights")), "utf8"));
  assert.equal(weights.fingerprint, digest);
  assert.deepEqual(weights.model.layers.map((l) => l.shape), [[64, 128], [128, 10]]);
  assert.equal(weights.model.layers[0].weights.length, 64 * 128);
  // Import: the same run, bit for bit, and its export is the same file.
  await page.getByTestId("import-json").setInputFiles(json);
  await waitRuns(page, 2);
  const imported = page.getByTestId("run-item").nth(1);
  assert.equal(await imported.getAttribute("data-digest"), digest);
  const again = await download(page, imported.getByTestId("export-json"));
  assert.equal(await readFile(again, "utf8"), await readFile(json, "utf8"));
  // A bad file is refused by name, and nothing changes.
  await page.getByTestId("import-json").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"batchlab": 1}') });
  await page.getByText(/Not imported: bad\.json: not a BatchLab run file/).waitFor();
  assert.equal(await page.getByTestId("run-item").count(), 2);
  // Charts: a PNG at twice the canvas's size, taller by its legend, with its provenance; an SVG of
  // the canvas's width whose legend names each run (as the run list does) in its colour.
  const canvas = await page.getByTestId("loss-chart").evaluate((c) => [c.clientWidth, c.clientHeight]);
  const png = await readFile(await download(page, page.locator("[data-testid=export-png][data-chart=loss]")));
  assert.equal(png.readUInt32BE(16), 2 * canvas[0]);
  const legendRows = png.readUInt32BE(20) - 2 * canvas[1];
  assert.ok(legendRows >= 40 && legendRows <= 120, `a legend of one or two rows under the plot: ${legendRows} px`);
  assert.ok(png.length > 10000 && png.includes(Buffer.from(digest)), "a drawn chart, with the runs' fingerprints");
  const acc = await page.getByTestId("acc-chart").evaluate((c) => [c.clientWidth, c.clientHeight]);
  const svg = await readFile(await download(page, page.locator("[data-testid=export-svg][data-chart=accuracy]")), "utf8");
  assert.match(svg, new RegExp(`^<!-- BatchLab .*${digest}`));
  assert.match(svg, new RegExp(`<svg[^>]*width="${acc[0]}"`));
  assert.ok(svg.length > 5000 && svg.includes("<polyline"), "curves drawn");
  const names = await page.locator("[data-testid=run-item] .run-label").allInnerTexts();
  assert.equal(names.length, 2);
  for (const name of names) assert.ok(svg.includes(`>\n${name.trim()}\n</text>`), `the legend names ${name}: ${svg.slice(-2000)}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a fork keeps its lineage through export, import and the link the page then writes", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=2&bs=512&run&run=lr:0.05;fork:1@3");
  await waitRuns(page, 2);
  const fork = page.getByTestId("run-item").nth(1);
  const digest = await fork.getAttribute("data-digest");
  const json = await download(page, fork.getByTestId("export-json"));
  const file = JSON.parse(await readFile(json, "utf8"));
  assert.deepEqual(file.fork, { at_step: 3, parent: { bs: "512", epochs: "2" } });
  // Imported into a fresh page, it is still a fork, and the page's link trains it again, bit for bit.
  const other = await ctx.open("");
  await other.getByTestId("import-json").setInputFiles(json);
  await waitRuns(other, 1);
  assert.match(await other.getByTestId("run-item").innerText(), /fork at step 3/);
  const link = new URL(other.url()).search;
  assert.match(link, /fork:@3;parent-lr:0\.1/, link);
  const replay = await ctx.open(link);
  await waitRuns(replay, 1);
  assert.equal(await replay.getByTestId("run-item").getAttribute("data-digest"), digest, link);
  for (const p of [page, other, replay]) {
    assert.deepEqual(p.errors, []);
    await p.close();
  }
});

test("a class sweep: three shards from one link, opened together, are the whole sweep", { timeout: LONG }, async () => {
  const sweep = "?epochs=1&sweep=batches:64,full;rates:0.1,1,3;seeds:1;target:0.5";
  const finished = (page) =>
    page.waitForFunction(() => /runs done in/.test(document.querySelector("[data-testid=sweep-status]")?.textContent ?? ""), null, { timeout: LONG });
  const files = [];
  for (const i of [1, 2, 3]) {
    const page = await ctx.open(`${sweep}&shard=${i}/3`);
    await finished(page);
    assert.match(await page.getByTestId("sweep-status").innerText(), new RegExp(`^shard ${i}/3 of the grid: 2 runs done`));
    const path = await download(page, page.getByTestId("sweep-download"));
    assert.match(path, new RegExp(`sweep-shard-${i}-of-3\\.csv$`));
    files.push(path);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
  const whole = await ctx.open(sweep);
  await finished(whole);
  const table = (page) => page.getByTestId("sweep-table").innerText();
  const teacher = await ctx.open("?epochs=1");
  await teacher.getByTestId("sweep-open").setInputFiles(files);
  await teacher.getByTestId("sweep-table").waitFor();
  assert.equal(await table(teacher), await table(whole), "the merged shards are the whole sweep");
  // One shard's file alone shows its part of the grid.
  const student = await ctx.open("?epochs=1");
  await student.getByTestId("sweep-open").setInputFiles([files[1]]);
  await student.getByTestId("sweep-table").waitFor();
  assert.match(await student.getByTestId("sweep-status").innerText(), /^shard 2\/3 of the grid: 2 runs done/);
  await student.close();
  // Two copies of one shard are refused by name, and the page keeps what it showed.
  await teacher.getByTestId("sweep-open").setInputFiles([files[0], files[0], files[2]]);
  await teacher.getByText(/Not opened: these files are not the shards of one sweep: shard 1\/3 is given twice/).waitFor();
  assert.equal(await table(teacher), await table(whole));
  assert.deepEqual(whole.errors, []);
  assert.deepEqual(teacher.errors, []);
  await whole.close();
  await teacher.close();
});

test("a link with a refused run replays nothing and says which run", async () => {
  const page = await ctx.open("?run=bs:32&run=fork:9@1");
  await page.getByTestId("notice").first().waitFor();
  assert.match(await page.getByTestId("notice").first().innerText(), /run 2: “9” is not an earlier run/);
  assert.equal(await page.getByTestId("run-item").count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a link the page refuses starts nothing: a refused fork, a sweep or shard beside runs, a bad switch", { timeout: LONG }, async () => {
  for (const [query, says] of [
    ["?epochs=1&run=&run=fork:1@10;seed:5", /run 2: fork:1@10: a fork keeps the run's seed/],
    ["?epochs=1&shard=2/3&run=", /shard: a shard of what\?/],
    ["?epochs=1&sweep=batches:8,8;rates:0.1;seeds:1&run=", /names each batch size, learning rate and seed once/],
    ["?epochs=1&run=&logy=maybe", /logy = "maybe": expected 1 or 0/],
    ["?epochs=1&run=&x=steps&x=epochs", /x is given twice/],
  ]) {
    const page = await ctx.open(query);
    await page.getByTestId("notice").first().waitFor();
    assert.match((await page.getByTestId("notice").allInnerTexts()).join("\n"), says, query);
    await page.waitForTimeout(1000);
    assert.equal(await page.getByTestId("run-item").count(), 0, `${query}: no run`);
    assert.equal(await page.getByTestId("sweep-status").evaluate((e) => e.textContent), "", `${query}: no sweep`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test("after one visit the site loads and trains offline", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1");
  // The service worker has installed, kept the site's files, and controls the page.
  // (A waitForFunction predicate is not awaited: an async one would be a Promise, always truthy.)
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: LONG });
  await page.context().setOffline(true);
  await page.reload();
  await page.getByTestId("start").click();
  await waitRuns(page, 1);
  assert.equal(await page.getByTestId("run-item").first().getAttribute("data-status"), "finished");
  // A link not visited before opens offline too.
  await page.goto(ctx.base + "?bs=64&epochs=1&autostart=1");
  await waitRuns(page, 1);
  await page.context().setOffline(false);
  // Back online, a fresh page drops an old deploy's hashed files (Trunk writes its hashes without
  // leading zeros, so they may be shorter than 16 digits) and keeps its own.
  const stale = ["app-0123456789abcdef.js", "app-23456789abcdef_bg.wasm", "favicon-abc.svg"];
  await page.evaluate(async (names) => {
    const cache = await caches.open("batchlab");
    for (const name of names) await cache.put(new URL(name, location.href).href, new Response("old"));
  }, stale);
  await page.reload();
  await page.getByTestId("status").waitFor();
  const kept = () => page.evaluate(async () =>
    (await (await caches.open("batchlab")).keys()).map((r) => new URL(r.url).pathname.slice(1)));
  let keys = await kept();
  // The service worker prunes after the page has loaded: give it a moment.
  for (let i = 0; i < 50 && stale.some((n) => keys.includes(n)); i++) {
    await page.waitForTimeout(100);
    keys = await kept();
  }
  assert.deepEqual(stale.filter((n) => keys.includes(n)), [], `an old deploy's files are kept: ${keys}`);
  assert.ok(keys.some((n) => /^app-[0-9a-f]+_bg\.wasm$/.test(n)), `the deploy's own wasm is kept: ${keys}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("on a 2-D set the decision boundary is drawn from the model as it trains, for the run picked", { timeout: LONG }, async () => {
  const page = await ctx.open("?dataset=moons&bs=2&epochs=5000&autostart=1");
  const boundary = page.getByTestId("boundary");
  await boundary.waitFor();
  const image = () => boundary.evaluate((c) => c.toDataURL());
  const step = () => page.getByTestId("step").innerText().then(Number);
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=step]")?.textContent) > 100);
  await page.waitForTimeout(100); // a frame to draw it
  const early = await image();
  const then = await step();
  await page.waitForFunction((s) => Number(document.querySelector("[data-testid=step]")?.textContent) > s + 20000, then);
  await page.waitForTimeout(100);
  assert.notEqual(await image(), early, "the boundary moves as the run trains");
  await page.getByTestId("run-stop").click();
  // Both moons' tints cover the plane (classes 0 and 1 of the palette, tinted towards white).
  const tint = ([r, g, b]) => [r, g, b].map((c) => Math.round(c + (255 - c) * 0.7));
  for (const colour of PALETTE.slice(0, 2)) {
    assert.ok((await countColour(page, "boundary", tint(colour), 12)) > 2000, `a region of rgb(${tint(colour)})`);
  }
  await page.screenshot({ path: join(ARTIFACTS, "boundary.png"), fullPage: true });
  // A run on the digits has no plane to draw: the view hides while it is the current run.
  await page.getByTestId("dataset").selectOption("digits");
  await page.getByTestId("start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=boundary]")?.closest("section")?.hidden === true);
  await page.getByTestId("run-item").first().locator(".run-label").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=boundary]")?.closest("section")?.hidden === false);
  assert.equal(await boundary.getAttribute("data-run"), "1");
  assert.deepEqual(page.errors, []);
  await page.close();
});
