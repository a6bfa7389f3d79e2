// End-to-end tests of the lab's comparisons, as a learner uses them: several runs overlaid, a fork,
// the x-axis, the scaling-rule lock, a sweep and its heatmap, the LR range test and the diagnostics.
// The sweep's time with one worker and with the pool is recorded in target/e2e/metrics-compare.json,
// never asserted; frame intervals and the diagnostics' cost are `cargo xtask bench`'s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, LONG, PALETTE, countColour, drawsColour, runItems, session, setForm, waitRuns } from "./helpers.mjs";

const ctx = session("metrics-compare.json");
const { metrics } = ctx;

test("three runs overlay, each labelled by what differs and drawn in its colour", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=10");
  // The seed page's three pairs: B 32 / η 0.001, B 128 / η 0.01, B 512 / η 0.1 (slider positions 5, 7, 9).
  for (const [bsIndex, lr] of [[5, "0.001"], [7, "0.01"], [9, "0.1"]]) {
    await setForm(page, { bsIndex, lr });
    await page.getByTestId("start").click();
  }
  await waitRuns(page, 3);
  const items = await runItems(page);
  assert.deepEqual(items.map((i) => [i.bs, i.lr]), [["32", "0.001"], ["128", "0.01"], ["512", "0.1"]]);
  assert.deepEqual(items.map((i) => i.label), ["#1 B 32, η 0.001", "#2 B 128, η 0.01", "#3 B 512, η 0.1"]);
  for (const colour of PALETTE) {
    assert.ok(await drawsColour(page, "loss-chart", colour, 100, 30), `a curve in rgb(${colour})`);
  }
  // Hovering the loss chart shows every run's values at that x.
  const box = await page.getByTestId("loss-chart").boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
  const hover = await page.getByTestId("hover").innerText();
  for (const label of ["B 32, η 0.001", "B 128, η 0.01", "B 512, η 0.1"]) assert.ok(hover.includes(label), hover);
  assert.match(hover, /train [0-9.]+ · val [0-9.]+ · acc [0-9.]+ %/);
  await page.screenshot({ path: join(ARTIFACTS, "overlay.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, "overlay-phone.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a fork continues a run from its step with the form's η", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=4");
  await page.getByTestId("start").click();
  await waitRuns(page, 1);
  await setForm(page, { lr: "0.5" });
  await page.getByTestId("run-fork").click();
  await page.getByTestId("fork-step").fill("90");
  await page.getByTestId("fork-go").click();
  await waitRuns(page, 2);
  const items = await runItems(page);
  assert.equal(items[1].label, "#2 fork of #1 at step 90: η 0.5");
  assert.equal(items[1].lr, "0.5");
  // Its curve starts at the parent's step 90 and runs its own 4 epochs from there.
  const table = await page.getByTestId("chart-table").innerText();
  assert.match(table, /#2 fork of #1 at step 90: η 0\.5\s+\S+\s+270\b/, table);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the x-axis counts steps, epochs, examples or time", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=3&autostart=1");
  await waitRuns(page, 1);
  const box = await page.getByTestId("loss-chart").boundingBox();
  for (const [axis, word] of [["steps", "steps"], ["epochs", "epochs"], ["examples", "examples seen"], ["time", "time (s)"]]) {
    await page.getByTestId("x-axis").selectOption(axis);
    await page.waitForTimeout(100);
    assert.ok(await drawsColour(page, "loss-chart", PALETTE[0], 100, 30), `${axis}: the curve is drawn`);
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height * 0.5);
    const hover = await page.getByTestId("hover").innerText();
    assert.ok(hover.startsWith(word), `${axis}: ${hover}`);
  }
  // By examples, the run's end is 3 epochs × 1437 examples. The read-out left where it was follows
  // the new axis: 95 % of the way along is thousands of examples, not the seconds read before.
  await page.getByTestId("x-axis").selectOption("examples");
  await page.waitForTimeout(100);
  const hover = page.getByTestId("hover");
  assert.match(await hover.innerText(), /^examples seen \d{4}/);
  // The plot's right end: the first x, coming in from the canvas's edge, where the read-out appears.
  await page.mouse.move(box.x + box.width + 20, box.y + box.height * 0.5);
  await hover.waitFor({ state: "detached" });
  for (let dx = 2; dx < 120 && !(await hover.isVisible()); dx += 2) {
    await page.mouse.move(box.x + box.width - dx, box.y + box.height * 0.5);
    await page.waitForTimeout(20);
  }
  assert.match(await hover.innerText(), /^examples seen 4(2|3)\d\d/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the scaling-rule lock moves η with the batch size", async () => {
  const page = await ctx.open();
  const lr = () => page.getByTestId("learning-rate").inputValue();
  await page.getByTestId("scaling-lock").selectOption("linear");
  await setForm(page, { bsIndex: 7 }); // 32 → 128
  assert.equal(await lr(), "0.4");
  assert.match(await page.getByTestId("scaling-ratios").innerText(), /η\/B = 0\.00313 · η\/√B = 0\.0354/);
  await page.getByTestId("scaling-lock").selectOption("sqrt");
  await setForm(page, { bsIndex: 9 }); // 128 → 512
  assert.equal(await lr(), "0.8");
  await page.getByTestId("scaling-lock").selectOption("off");
  await setForm(page, { bsIndex: 5 });
  assert.equal(await lr(), "0.8");
  // At the top of η's range the lock says η could not follow, and names no refused value.
  await setForm(page, { bsIndex: 0, lr: "10" });
  await page.getByTestId("scaling-lock").selectOption("linear");
  await setForm(page, { bsIndex: 11 }); // 1 → the full set: η would be 14370
  const notices = (await page.getByTestId("notice").allInnerTexts()).join("\n");
  assert.match(notices, /η could not follow it linearly .*η stays 10/, notices);
  assert.ok(!/Not changed/.test(notices), notices);
  assert.equal(await lr(), "10");
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Starts a sweep of `bs` × `count` learning rates from 0.01 to 3 and waits for the heatmap's best η. */
async function sweep(page, bs, count) {
  await page.getByTestId("sweep-bs").fill(bs);
  await page.getByTestId("sweep-lr-count").fill(String(count));
  await page.getByTestId("sweep-lr-count").press("Tab");
  const t0 = Date.now();
  await page.getByTestId("sweep-start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=sweep-heatmap]")?.dataset.bestLr, null, { timeout: LONG });
  return Date.now() - t0;
}

test("a 3 × 4 sweep completes, draws its heatmap, and a cell opens as its run", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=5");
  await sweep(page, "8,64,512", 4);
  const best = JSON.parse(await page.getByTestId("sweep-heatmap").getAttribute("data-best-lr"));
  assert.deepEqual(Object.keys(best).sort(), ["512", "64", "8"]);
  assert.ok(Object.values(best).every((lr) => lr === null || (lr >= 0.02 && lr <= 4)), JSON.stringify(best));
  // The caption says, from the table, how the best η moved with B against the two rules.
  assert.match(await page.getByTestId("sweep-caption").innerText(), /^From B 8 to B 512 \(×64\), the best η went from [0-9.]+ to [0-9.]+ \(×[0-9.]+\); the linear rule would give ×64, the √B rule ×8: /);
  assert.equal(await page.getByTestId("sweep-progress").getAttribute("value"), "12");
  assert.ok((await countColour(page, "sweep-heatmap", [68, 1, 84], 60)) + (await countColour(page, "sweep-heatmap", [253, 231, 37], 60)) > 500, "cells are coloured");
  // Click the middle of the heatmap's grid: the cell there opens as a run.
  const box = await page.getByTestId("sweep-heatmap").boundingBox();
  await page.getByTestId("sweep-heatmap").click({ position: { x: box.width * 0.55, y: box.height * 0.5 } });
  await waitRuns(page, 1);
  const [run] = await runItems(page);
  assert.ok(["8", "64", "512"].includes(run.bs), JSON.stringify(run));
  // The opened run is in view and in the address bar.
  const query = new URL(page.url()).search;
  assert.ok(query.startsWith("?") && !query.startsWith("?&") && query.includes(`bs=${run.bs}`), query);
  const inView = await page.getByTestId("run-item").evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  assert.ok(inView, "the opened run's entry is scrolled into view");
  // A second sweep does not silently replace this one: the first press only warns.
  await page.getByTestId("sweep-start").click();
  assert.equal(await page.getByTestId("sweep-start").innerText(), "Replace the sweep");
  assert.match((await page.getByTestId("notice").allInnerTexts()).join("\n"), /a new sweep replaces them/);
  assert.equal(await page.getByTestId("sweep-progress").getAttribute("value"), "12");
  await page.screenshot({ path: join(ARTIFACTS, "sweep.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  // Its sweep.csv, downloaded and opened in another page, gives the same heatmap.
  const href = await page.getByTestId("sweep-download").getAttribute("href");
  const csv = decodeURIComponent(href.slice(href.indexOf(",") + 1));
  // It names its grid and shard, then the rows.
  assert.match(csv, /^# grid: \{.*\}\n# shard: 1\/1\nbs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest\n/);
  await page.close();
  const other = await ctx.open("?epochs=5");
  await other.getByTestId("sweep-open").setInputFiles({ name: "sweep.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await other.waitForFunction(() => document.querySelector("[data-testid=sweep-heatmap]")?.dataset.bestLr, null, { timeout: 30_000 });
  assert.deepEqual(JSON.parse(await other.getByTestId("sweep-heatmap").getAttribute("data-best-lr")), best);
  // Its grid is known, so a cell opens as its run.
  await other.getByTestId("sweep-cell").first().click();
  await waitRuns(other, 1);
  // A plain sweep.csv (the CLI's, without the grid) records no base settings: its cells say they
  // cannot open, instead of opening a run of the form's settings under the cell's name.
  const plain = csv.replace(/^(#[^\n]*\n)+/, "");
  await other.getByTestId("sweep-open").setInputFiles({ name: "plain.csv", mimeType: "text/csv", buffer: Buffer.from(plain) });
  await other.getByTestId("sweep-cell").first().click();
  assert.match((await other.getByTestId("notice").allInnerTexts()).join("\n"), /cannot be opened as runs/);
  assert.equal(await other.getByTestId("run-item").count(), 1);
  // A file no run could have made is refused, naming the line, and changes nothing.
  const bad = plain.replace(/\n([^,\n]+),([^,\n]+),/, "\n$1,-1,");
  await other.getByTestId("sweep-open").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await other.waitForFunction(() => /line 2: lr is -1/.test(document.body.innerText), null, { timeout: 10_000 });
  assert.deepEqual(JSON.parse(await other.getByTestId("sweep-heatmap").getAttribute("data-best-lr")), best);
  assert.deepEqual(other.errors, []);
  await other.close();
});

/** The canvases' sizes at each viewport width that crates/chart's text-fit test draws at. */
const PAGE_CANVASES = JSON.parse(readFileSync(new URL("../../crates/chart/tests/page_canvases.json", import.meta.url), "utf8")).viewports;
const CANVAS_IDS = { loss: "loss-chart", lr: "lr-chart", accuracy: "acc-chart", heatmap: "sweep-heatmap" };

test("a 4 × 12 sweep's heatmap, at 320, 390 and 1280 px, on canvases of the sizes the text-fit test draws", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1");
  // The page's default grid: B 8 to 512 × 12 rates ×1.6 apart; stalled at the left, diverged at the right.
  const lrs = Array.from({ length: 12 }, (_, i) => Number((0.02 * 1.6 ** i).toPrecision(2)));
  const rows = [8, 32, 128, 512].flatMap((bs, r) => lrs.map((lr, c) => {
    const status = c === 0 ? "stalled" : c >= 9 - r ? "diverged" : "finished";
    const loss = status === "diverged" ? "inf" : (0.0123 * (1 + r * 12 + c)).toFixed(4);
    return `${bs},${lr},1,${status},${loss},${loss},0.5,,00000000000000ff\n`;
  }));
  const csv = "bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest\n" + rows.join("");
  await page.getByTestId("sweep-open").setInputFiles({ name: "sweep.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.waitForFunction(() => document.querySelector("[data-testid=sweep-heatmap]")?.dataset.bestLr, null, { timeout: 30_000 });
  const screens = join(ARTIFACTS, "screens");
  mkdirSync(screens, { recursive: true });
  const measured = {};
  for (const width of [320, 390, 1280]) {
    await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
    await page.waitForTimeout(300); // the charts redraw at the new size
    measured[width] = {};
    for (const [name, id] of Object.entries(CANVAS_IDS)) {
      measured[width][name] = await page.getByTestId(id).evaluate((c) => [c.clientWidth, c.clientHeight]);
    }
    await page.getByTestId("sweep-heatmap").scrollIntoViewIfNeeded();
    await page.getByTestId("sweep-heatmap").screenshot({ path: join(screens, `heatmap-4x12-${width}.png`) });
    if (width === 390) await page.screenshot({ path: join(screens, "sweep-4x12-390.png"), fullPage: true });
  }
  metrics.canvas_sizes = measured;
  assert.deepEqual(measured, PAGE_CANVASES, "crates/chart/tests/page_canvases.json holds the canvases' sizes on the page");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the sweep.csv files that once froze the page are drawn or refused at once, naming the line", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1");
  const head = "bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest\n";
  const row = (bs, lr, status, loss) => `${bs},${lr},1,${status},${loss},${loss},0.5,,00000000000000ff\n`;
  const open = (name, text) =>
    page.getByTestId("sweep-open").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
  const said = (pattern) => page.waitForFunction((p) => new RegExp(p).test(document.body.innerText), pattern, { timeout: 10_000 });
  // Losses of 0 (or −5) and 3e38 (about f32's largest) in one file: the axes are clamped, and it is
  // drawn, not hung on.
  await open("extremes.csv", head + row(8, 0.1, "finished", 0) + row(8, 1, "finished", "3e38"));
  await said("2 runs done");
  const negative = head + row(8, 0.1, "finished", -5) + row(8, 1, "finished", "3e38");
  await open("negative.csv", negative);
  await said("negative.csv: sweep.csv, line 2: final_train_loss is -5: a loss is never negative");
  // A loss no f32 run reports, finite past f32's largest.
  await open("absurd.csv", head + row(8, 0.1, "finished", "1.7e308"));
  await said("absurd.csv: sweep.csv, line 2: final_train_loss is 17\\d+: a loss is either at most");
  // A thousand rows of distinct B and η would be a million-cell grid: refused by its size.
  const big = head + Array.from({ length: 1000 }, (_, i) => row(i + 1, 0.001 * (i + 1), "finished", 0.5)).join("");
  await open("big.csv", big);
  await said("big.csv: sweep.csv: more than 64 batch sizes or learning rates");
  // η of 0, −1, inf or NaN; B of 0; a finished run with a NaN loss: each refused by its line.
  for (const [name, text, pattern] of [
    ["zero-rate.csv", head + row(8, 0, "finished", 0.5), "zero-rate.csv: sweep.csv, line 2: lr is 0, not a positive number"],
    ["negative-rate.csv", head + row(8, -1, "finished", 0.5), "negative-rate.csv: sweep.csv, line 2: lr is -1, not a positive number"],
    ["inf-rate.csv", head + row(8, "inf", "finished", 0.5), "inf-rate.csv: sweep.csv, line 2: lr is inf, not a positive number"],
    ["nan-rate.csv", head + row(8, "NaN", "finished", 0.5), "nan-rate.csv: sweep.csv, line 2: lr is NaN, not a positive number"],
    ["zero-batch.csv", head + row(0, 0.1, "finished", 0.5), "zero-batch.csv: sweep.csv, line 2: bs is 0"],
    ["nan-loss.csv", head + row(8, 0.1, "finished", "NaN"), "nan-loss.csv: sweep.csv, line 2: final_train_loss is NaN: only a run that diverged"],
    // A digest cut short, a renamed column, a cell given twice.
    ["cut.csv", head + row(8, 0.1, "finished", 0.5).replace("00ff\n", "0\n"), "cut.csv: sweep.csv, line 2: digest is “0000000000000”"],
    ["renamed.csv", head.replace("steps_to_target", "steps_to_targetX") + row(8, 0.1, "finished", 0.5), "renamed.csv: sweep.csv, line 1: “steps_to_targetX” is not a column"],
    ["twice.csv", head + row(8, 0.1, "finished", 0.5) + row(8, 0.1, "finished", 0.7), "twice.csv: sweep.csv, line 3: B 8, η 0.1, seed 1 is given again"],
  ]) {
    await open(name, text);
    await said(pattern);
  }
  // Two shards a page wrote, of 4,294,967,295: refused by what is missing, never sized by the count.
  const grid = '# grid: {"base":[["epochs","1"]],"batch_sizes":[{"Examples":8}],"lrs":[0.1],"seeds":[1],"target":0.9}\n';
  await page.getByTestId("sweep-open").setInputFiles([
    { name: "a.csv", mimeType: "text/csv", buffer: Buffer.from(grid + "# shard: 1/4294967295\n" + head + row(8, 0.1, "finished", 0.5)) },
    { name: "b.csv", mimeType: "text/csv", buffer: Buffer.from(grid + "# shard: 2/4294967295\n") },
  ]);
  await said("these files are not the shards of one sweep: shard 3/4294967295 is missing");
  // 20,000 rows over 64 B × 64 η × 20,000 seeds would be 81,920,000 cells: refused by that size.
  const huge = head + Array.from({ length: 20_000 }, (_, k) => `${(k % 64) + 1},${((Math.floor(k / 64) % 64) + 1) / 100},${k},finished,0.5,0.5,0.5,,00000000000000ff\n`).join("");
  await open("huge.csv", huge);
  await said("huge.csv: its rows make a grid of 64 batch sizes × 64 learning rates × 20000 seeds is 81920000 runs");
  // Through all of it the page answered, and what it shows is still the one file it drew.
  await said("2 runs done");
  // A CLI sweep's file written while it ran (its # partial: line) opens as unfinished, counting its rows.
  await open("running.csv", "# partial: 2 of 6 cells done (still running, or interrupted)\n" + head + row(8, 0.1, "finished", 0.5) + row(16, 0.1, "finished", 0.5));
  await said("unfinished: 2 runs read back of the 6 its sweep was to run");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("more seeds of one setting are drawn as an ensemble", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=3&autostart=1");
  await waitRuns(page, 1);
  await page.getByTestId("run-seed").click();
  await page.getByTestId("run-seed").first().click();
  await waitRuns(page, 3);
  const labels = (await runItems(page)).map((i) => i.label);
  assert.deepEqual(labels, ["#1 B 32, η 0.1", "#2 B 32, η 0.1, seed 2", "#3 B 32, η 0.1, seed 3"]);
  // One colour for the ensemble: its band and mean line.
  assert.ok(await drawsColour(page, "loss-chart", PALETTE[0], 100, 30));
  assert.equal(await countColour(page, "loss-chart", PALETTE[1], 20), 0, "no second colour");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("cancel stops a sweep cleanly", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=20");
  await page.getByTestId("sweep-bs").fill("1,2,4,8,16,32");
  await page.getByTestId("sweep-lr-count").fill("8");
  await page.getByTestId("sweep-lr-count").press("Tab");
  await page.getByTestId("sweep-start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=sweep-progress]")?.getAttribute("value")) >= 1, null, { timeout: LONG });
  await page.getByTestId("sweep-cancel").click();
  assert.match(await page.getByTestId("sweep-status").innerText(), /^cancelled after \d+ of 48 runs/);
  const done = await page.getByTestId("sweep-progress").getAttribute("value");
  await page.waitForTimeout(1500);
  assert.equal(await page.getByTestId("sweep-progress").getAttribute("value"), done, "no cell finishes after cancel");
  // The workers are free again: a run starts at once.
  await page.getByTestId("start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=run-item]")?.dataset.status === "training", null, { timeout: 10_000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the LR range test suggests an η, which the form can take", { timeout: LONG }, async () => {
  const page = await ctx.open();
  await page.getByTestId("lr-find-start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=lr-find-suggestion]")?.dataset.value, null, { timeout: LONG });
  const suggested = Number(await page.getByTestId("lr-find-suggestion").getAttribute("data-value"));
  assert.ok(suggested >= 0.03 && suggested <= 1.5, `suggested η = ${suggested}`);
  await page.getByTestId("lr-find-use").click();
  assert.equal(await page.getByTestId("learning-rate").inputValue(), await page.getByTestId("lr-find-suggestion").innerText());
  // At another batch size, both tests share the chart.
  await setForm(page, { bsIndex: 9 });
  await page.getByTestId("lr-find-start").click();
  await page.waitForFunction(() => /done at B = 512/.test(document.querySelector("[data-testid=lr-find-progress]")?.textContent), null, { timeout: LONG });
  assert.ok((await drawsColour(page, "lr-find-chart", PALETTE[0], 50, 30)) && (await drawsColour(page, "lr-find-chart", PALETTE[1], 50, 30)));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("diagnostics are visible and finite, and the sharpness card says where η overshoots", { timeout: LONG }, async () => {
  // Their cost in steps/s is measured by `cargo xtask bench`, not here.
  const page = await ctx.open("?epochs=100&autostart=1");
  await waitRuns(page, 1);
  for (const id of ["sharpness", "noise-scale", "grad-norm"]) {
    const v = Number(await page.getByTestId(id).getAttribute("data-value"));
    assert.ok(Number.isFinite(v) && v > 0, `${id} = ${v}`);
  }
  assert.match(await page.locator(".diag").first().innerText(), /first overshoots at η = 2\/λ(₀|\(step \d+\)) = [0-9.]+ — an edge, not a cap; this run's η = 0\.1 is (below|above) it/);
  assert.ok(Number(await page.getByTestId("stability-edge").getAttribute("data-value")) > 0.1, "the edge is drawn on the η slider");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a 6 × 8 sweep gives the same cells, bit for bit, with one worker as with the pool (both timed)", { timeout: LONG }, async () => {
  const csv = {};
  for (const [name, query] of [["one_worker", "?epochs=5&workers=1"], ["pool", "?epochs=5"]]) {
    const page = await ctx.open(query);
    const ms = await sweep(page, "1,4,16,64,256,1024", 8);
    metrics[`sweep_6x8_${name}_ms`] = ms;
    metrics[`sweep_6x8_${name}_status`] = await page.getByTestId("sweep-status").innerText();
    metrics.workers = metrics.workers ?? {};
    metrics.workers[name] = await page.getByTestId("pool").innerText();
    assert.match(metrics[`sweep_6x8_${name}_status`], /^48 runs done/);
    const href = await page.getByTestId("sweep-download").getAttribute("href");
    csv[name] = decodeURIComponent(href.slice(href.indexOf(",") + 1));
    assert.deepEqual(page.errors, []);
    await page.close();
  }
  assert.equal(csv.pool.split("\n").length, 48 + 4, csv.pool);
  assert.equal(csv.pool, csv.one_worker);
});

test("eight runs train at once, each in a worker of its own, with no error", { timeout: LONG }, async () => {
  // Frame intervals while they train are measured by `cargo xtask bench`, not here.
  const page = await ctx.open("?epochs=10000&workers=8");
  for (let i = 0; i < 8; i++) await page.getByTestId("start").click();
  await page.waitForFunction(() => {
    const s = [...document.querySelectorAll("[data-testid=run-item]")].map((i) => i.dataset.status);
    return s.length === 8 && s.every((x) => x === "training") && Number(document.querySelector("[data-testid=step]")?.textContent) > 0;
  }, null, { timeout: LONG });
  assert.match(await page.getByTestId("pool").innerText(), /\b8\b/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("8 runs of 10,000 points each train to their end, the charts redrawing as they go", { timeout: LONG }, async () => {
  // Frame intervals and redraw times with these points on screen are measured by `cargo xtask bench`.
  const rates = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2];
  // Each chart redraw is a `chart-draw` measure on the page's performance timeline.
  const init = () => {
    window.chartDraws = 0;
    new PerformanceObserver((list) => { window.chartDraws += list.getEntries().length; }).observe({ type: "measure" });
  };
  const page = await ctx.open(`?dataset=moons&steps=10000&eval_every=1&bs=8&workers=2&${rates.map((r) => `run=lr:${r}`).join("&")}`,
    undefined, { init });
  await waitRuns(page, 8);
  assert.ok(await page.evaluate(() => window.chartDraws) > 0, "the charts redrew while runs trained");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a grid too big for a page is refused at once; the largest allowed starts and cancels promptly", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1");
  const many = Array.from({ length: 1000 }, (_, i) => i + 1).join(",");
  await page.getByTestId("sweep-bs").fill(many);
  await page.getByTestId("sweep-lr-count").fill("20");
  await page.getByTestId("sweep-seeds").fill("10");
  await page.getByTestId("sweep-seeds").press("Tab");
  await page.getByTestId("sweep-start").click();
  assert.match((await page.getByTestId("notice").allInnerTexts()).join("\n"), /200000 runs; a page trains at most 1000/);
  assert.equal(await page.getByTestId("sweep-progress").count() === 0 || (await page.getByTestId("sweep-status").innerText()) === "", true);
  // 50 × 20 × 1 = 1000 runs: the largest a page takes.
  await page.getByTestId("sweep-bs").fill(Array.from({ length: 50 }, (_, i) => i + 1).join(","));
  await page.getByTestId("sweep-seeds").fill("1");
  await page.getByTestId("sweep-seeds").press("Tab");
  // From the click to the status saying so, measured in the page (a click from outside adds
  // Playwright's own checks and polling to the figure).
  const clickUntil = (testid, pattern) => page.evaluate(([testid, pattern]) => new Promise((done) => {
    const seen = () => new RegExp(pattern).test(document.querySelector("[data-testid=sweep-status]")?.textContent ?? "");
    const t0 = performance.now();
    const observer = new MutationObserver(() => { if (seen()) { observer.disconnect(); done(performance.now() - t0); } });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    document.querySelector(`[data-testid=${testid}]`).click();
    if (seen()) { observer.disconnect(); done(performance.now() - t0); }
  }), [testid, pattern]);
  const started = await clickUntil("sweep-start", "/ 1000 runs");
  const cancelled = await clickUntil("sweep-cancel", "^cancelled");
  metrics.sweep_1000_cells = { start_ms: Math.round(started), cancel_ms: Math.round(cancelled) };
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the default sweep (4 batch sizes × 12 rates, 10 epochs) completes, and its caption is its table's (time measured)", { timeout: LONG }, async () => {
  const page = await ctx.open();
  const t0 = Date.now();
  await page.getByTestId("sweep-start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=sweep-heatmap]")?.dataset.bestLr, null, { timeout: LONG });
  metrics.default_sweep = {
    ms: Date.now() - t0,
    best_lr: JSON.parse(await page.getByTestId("sweep-heatmap").getAttribute("data-best-lr")),
    caption: await page.getByTestId("sweep-caption").innerText(),
  };
  const { best_lr: best, caption } = metrics.default_sweep;
  assert.match(await page.getByTestId("sweep-status").innerText(), /^48 runs done/);
  // From the smallest batch's best η to the largest's, as the heatmap's data says.
  const [, from, to, times] = caption.match(/^From B 8 to B 512 \(×64\), the best η went from ([0-9.]+) to ([0-9.]+) \(×([0-9.]+)\)/) ?? [];
  assert.ok(from && Math.abs(Number(from) / best["8"] - 1) < 0.01 && Math.abs(Number(to) / best["512"] - 1) < 0.01, `${caption} ${JSON.stringify(best)}`);
  assert.ok(Math.abs(Number(times) / (best["512"] / best["8"]) - 1) < 0.05, caption);
  await page.screenshot({ path: join(ARTIFACTS, "default-sweep.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});
