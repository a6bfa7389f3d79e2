// End-to-end tests of the built site (dist/) in headless Chromium, as a person would use it.
// Run by `cargo xtask test`, which builds dist/ and sets the BATCHLAB_* variables.
// Timeouts are generous (shared, noisy machines); speed is recorded in target/e2e/metrics.json, never asserted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const DIST = process.env.BATCHLAB_DIST ?? "dist";
const ARTIFACTS = process.env.BATCHLAB_ARTIFACTS ?? "target/e2e";
const LONG = 180_000;
mkdirSync(ARTIFACTS, { recursive: true });

let server, browser, base;
const metrics = {};

before(async () => {
  server = await serve(DIST);
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  writeFileSync(join(ARTIFACTS, "metrics.json"), JSON.stringify(metrics, null, 2));
  await browser?.close();
  server?.close();
});

/** A fresh page that records console errors and uncaught exceptions. */
async function open(query = "", viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.errors = [];
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
  page.on("pageerror", (e) => page.errors.push(String(e)));
  await page.goto(base + query);
  await page.getByTestId("status").waitFor();
  return page;
}

const status = (page) => page.getByTestId("status").innerText();
const step = async (page) => Number(await page.getByTestId("step").innerText());
const value = async (page, id) => Number(await page.getByTestId(id).getAttribute("data-value"));
async function waitStatus(page, word, timeout = LONG) {
  await page.waitForFunction((w) => document.querySelector("[data-testid=status]")?.textContent === w, word, { timeout });
}

/** Pixels of a canvas within `tol` of an RGB colour. */
function countColour(page, testid, [r, g, b], tol = 40) {
  return page.evaluate(({ testid, r, g, b, tol }) => {
    const c = document.querySelector(`[data-testid=${testid}]`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < tol) n++;
    }
    return n;
  }, { testid, r, g, b, tol });
}
const TRAIN_BLUE = [37, 99, 235];
const DIVERGED_RED = [220, 38, 38];

test("the page loads with no console error", async () => {
  const page = await open();
  assert.equal(await status(page), "idle");
  await page.waitForTimeout(500); // the worker loads and reports Ready
  assert.deepEqual(page.errors, []);
  await page.screenshot({ path: join(ARTIFACTS, "idle.png"), fullPage: true });
  await page.close();
});

test("Start on digits draws curves, and 5 epochs reach validation accuracy above 0.8", { timeout: LONG }, async () => {
  const page = await open();
  await page.getByTestId("epochs").fill("5");
  await page.getByTestId("epochs").press("Tab");
  await page.getByTestId("start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=step]")?.textContent) > 0);
  await waitStatus(page, "finished");
  assert.equal(await step(page), 5 * 45);
  const acc = await value(page, "val-acc");
  assert.ok(acc > 0.8, `validation accuracy ${acc}`);
  assert.ok((await countColour(page, "loss-chart", TRAIN_BLUE)) > 200, "the training-loss curve is drawn");
  metrics.steps_per_sec_b32 = Number(await page.getByTestId("speed").getAttribute("data-steps-per-sec"));
  metrics.first_point_ms = Number(await page.getByTestId("speed").getAttribute("data-first-point-ms"));
  metrics.val_acc_5_epochs = acc;
  await page.screenshot({ path: join(ARTIFACTS, "digits-finished.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a learning rate of 10 diverges, with the marker and the banner", { timeout: LONG }, async () => {
  const page = await open();
  await page.getByTestId("learning-rate").fill("10");
  await page.getByTestId("learning-rate").press("Enter");
  await page.getByTestId("start").click();
  await waitStatus(page, "diverged");
  const at = Number(await page.getByTestId("loss-chart").getAttribute("data-diverged-step"));
  assert.ok(at > 0 && at === (await step(page)), `diverged at ${at}`);
  assert.match(await page.getByTestId("banner").innerText(), new RegExp(`step ${at}\\b.*too high`));
  assert.ok((await countColour(page, "loss-chart", DIVERGED_RED)) > 50, "the divergence marker is drawn");
  await page.screenshot({ path: join(ARTIFACTS, "diverged.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Pause stops the step count and Resume continues it", { timeout: LONG }, async () => {
  const page = await open("?epochs=500&bs=1");
  await page.getByTestId("start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=step]")?.textContent) > 0);
  await page.getByTestId("pause").click();
  await waitStatus(page, "paused", 30_000);
  const paused = await step(page);
  await page.waitForTimeout(1500);
  assert.equal(await step(page), paused, "no steps while paused");
  await page.getByTestId("pause").click(); // now labelled Resume
  await page.waitForFunction((s) => Number(document.querySelector("[data-testid=step]")?.textContent) > s, paused, { timeout: 30_000 });
  assert.equal(await status(page), "training");
  await page.getByTestId("reset").click();
  await waitStatus(page, "idle", 30_000);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a deep link with garbage values still loads, with a notice", async () => {
  const page = await open("?lr=banana&bs=-3&dataset=%25%25&epochs=7&autostart=maybe");
  const notices = await page.getByTestId("notice").allInnerTexts();
  assert.equal(notices.length, 1, notices.join("\n"));
  assert.match(notices[0], /^4 settings in the link were ignored/);
  for (const word of ["lr = \"banana\"", "bs = \"-3\"", "dataset", "autostart"]) assert.ok(notices[0].includes(word), notices[0]);
  assert.equal(await status(page), "idle");
  assert.equal(await page.getByTestId("epochs").inputValue(), "7", "the good setting still applies");
  await page.screenshot({ path: join(ARTIFACTS, "bad-link.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the browser run is bit-identical to the native run", { timeout: LONG }, async (t) => {
  const native = process.env.BATCHLAB_NATIVE_FINGERPRINT;
  const query = process.env.BATCHLAB_FINGERPRINT_QUERY;
  if (!native || !query) return t.skip("run through `cargo xtask test`, which computes the native fingerprint");
  const page = await open(`?${query}&autostart=1`);
  await waitStatus(page, "finished");
  const digest = await page.getByTestId("digest").locator("code").innerText();
  assert.equal(digest, native);
  await page.close();
});

test("the bench page runs the reference workload and reports JSON", { timeout: LONG }, async () => {
  const secs = process.env.BATCHLAB_BENCH_SECS ?? "0.3";
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base + `?bench=${secs}`);
  await page.waitForFunction(() => document.getElementById("bench-result")?.textContent.length > 0, null, { timeout: LONG });
  const report = JSON.parse(await page.locator("#bench-result").innerText());
  assert.equal(report.workload, "digits-mlp128-sgd");
  assert.deepEqual(report.results.map((r) => r.batch_size), [32, 128, 512]);
  assert.ok(report.results.every((r) => r.samples_per_sec > 0));
  assert.ok(report.results[0].val_acc_20ep > 0.88, `20-epoch accuracy ${report.results[0].val_acc_20ep}`);
  metrics.bench = report;
  assert.deepEqual(errors, []);
  await page.close();
});

test("phone-sized screens get a usable layout", { timeout: LONG }, async () => {
  const page = await open("?dataset=moons&epochs=30&bs=16&autostart=1", { width: 390, height: 844 });
  await waitStatus(page, "finished");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(ARTIFACTS, "phone.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});
