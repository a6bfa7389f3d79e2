// `cargo xtask bench`'s browser half, in one headless Chromium session:
// 1. Speed: BatchLab's bench page (its Web Worker) and the same workload in TensorFlow.js 4.22's wasm
//    backend at its fastest (tfjs/worker.js, in a dedicated Web Worker too; pinned npm packages), each
//    writing its JSON.
// 2. First visit on a slow phone link (a metric, never asserted): a fresh browser context, 390 px wide,
//    CDP Network.emulateNetworkConditions at 200,000 bytes/s down (1.6 Mbit/s), 750 kbit/s up and
//    150 ms latency, the site served gzipped. Per visit: the gzip bytes received before the page is
//    interactive (the app has mounted: its loading line #boot is gone and its Start button is in the
//    page, what the e2e tests wait for), the time to that moment, and the time from pressing Start
//    right then to the first trained point (the step counter above 0, what the e2e tests wait for).
//    Median of 3 visits; also the whole site's size gzipped.
// 3. The page while it trains: frame intervals with 1 to 8 runs training at once, frame intervals and
//    chart redraws with 8 runs of 10,000 points on screen (the last two training), and what the live
//    diagnostics cost (steps/s with them off and at their default cadence, each the best of two
//    alternating runs, so that a hiccup of the machine does not pass for their cost).
// Prints one JSON object { batchlab, tfjs, first_visit, page } for xtask's tables.
// BATCHLAB_DIST is the built site; BATCHLAB_BENCH_SECS the seconds per measurement (3 by default);
// BATCHLAB_BENCH_ONLY=speed, page or first-visit runs one section.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.BATCHLAB_DIST ?? join(here, "../../dist");
const secs = Number(process.env.BATCHLAB_BENCH_SECS ?? "3");
const TRAIN_ROWS = 1437;
const csv = gunzipSync(readFileSync(join(here, "../../assets/digits.csv.gz"))).toString().trim().split("\n");
const x = [], y = [];
for (const line of csv) {
  const cells = line.split(",").map(Number);
  y.push(cells.pop());
  x.push(...cells.map((v) => v / 16));
}

const DOWN_BYTES_PER_SEC = 200_000, UP_BYTES_PER_SEC = 750_000 / 8, LATENCY_MS = 150, VISITS = 3;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Every file of the built site, and its bytes as the gzipping server sends them. */
function siteSize(root) {
  const files = [];
  const walk = (dir) => readdirSync(dir).forEach((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  });
  walk(root);
  let raw = 0, gzip = 0;
  for (const f of files) {
    const body = readFileSync(f);
    raw += body.length;
    gzip += /\.(gz|png)$/.test(f) ? body.length : gzipSync(body, { level: 9 }).length;
  }
  return { files: files.length, raw_bytes: raw, gzip_bytes: gzip };
}

/**
 * One first visit in a fresh context on the throttled link. The page's CDP session throttles the page
 * and auto-attaches to what it starts (its service worker, its dedicated worker), throttling each as
 * well: the service worker fetches for the page once it has claimed it (the worker's files among
 * them), and Chromium throttles each such target on its own at these rates.
 */
async function firstVisit(browser, base) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const link = { offline: false, latency: LATENCY_MS, downloadThroughput: DOWN_BYTES_PER_SEC, uploadThroughput: UP_BYTES_PER_SEC };
    let id = 0;
    const sendTo = (sessionId, method, params = {}) =>
      cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id: ++id, method, params }) }).catch(() => {});
    cdp.on("Target.attachedToTarget", async ({ sessionId, waitingForDebugger }) => {
      await sendTo(sessionId, "Network.enable");
      await sendTo(sessionId, "Network.emulateNetworkConditions", link); // a dedicated worker answers "not supported": its parent's applies
      if (waitingForDebugger) await sendTo(sessionId, "Runtime.runIfWaitingForDebugger");
    });
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", link);
    await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
    await page.addInitScript(() => {
      const seen = () => {
        if (!window.interactive && document.querySelector("[data-testid=start]") && !document.getElementById("boot")) {
          // What the page had received by now: the document and every resource finished (gzip bytes).
          const at = performance.now();
          const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
            .filter((e) => e.responseEnd > 0 && e.responseEnd <= at);
          window.interactive = { ms: at, bytes: entries.reduce((n, e) => n + e.encodedBodySize, 0),
            files: entries.map((e) => `${new URL(e.name).pathname.slice(1) || "index.html"} ${e.encodedBodySize}`) };
        }
        if (window.startPressedMs && !window.firstPointMs && Number(document.querySelector("[data-testid=step]")?.textContent) > 0) {
          window.firstPointMs = performance.now();
        }
      };
      new MutationObserver(seen).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(base, { waitUntil: "commit" });
    await page.waitForFunction(() => window.interactive, null, { timeout: 300_000, polling: 10 });
    // Pressed as soon as it shows, as a person who came to train would.
    await page.evaluate(() => {
      window.startPressedMs = performance.now();
      document.querySelector("[data-testid=start]").click();
    });
    await page.waitForFunction(() => window.firstPointMs, null, { timeout: 300_000, polling: 10 });
    const t = await page.evaluate(() => ({ interactive: window.interactive, pressed: window.startPressedMs, first: window.firstPointMs,
      app_first_point_ms: Number(document.querySelector("[data-testid=speed]")?.getAttribute("data-first-point-ms")) }));
    return {
      bytes_before_interactive: t.interactive.bytes,
      files_before_interactive: t.interactive.files,
      interactive_ms: t.interactive.ms,
      start_to_first_point_ms: t.first - t.pressed,
      app_first_point_ms: t.app_first_point_ms,
    };
  } finally {
    await context.close();
  }
}

/** The page's next `n` frame intervals (ms), sorted. */
const frameGaps = (page, n) => page.evaluate((n) => new Promise((resolve) => {
  const gaps = [];
  let last = performance.now();
  const tick = (t) => {
    gaps.push(t - last);
    last = t;
    if (gaps.length < n) requestAnimationFrame(tick);
    else resolve(gaps.sort((a, b) => a - b));
  };
  requestAnimationFrame(tick);
}), n);
const at = (sorted, q) => sorted[Math.floor(sorted.length * q)];

/** Every run of the page ended (any outcome). */
const runsEnded = (page, count) => page.waitForFunction((count) => {
  const items = [...document.querySelectorAll("[data-testid=run-item]")];
  return items.length === count && items.every((i) => ["finished", "stalled", "unstable", "diverged"].includes(i.dataset.status));
}, count, { timeout: 600_000 });

/** Section 3: the page while it trains. */
async function whileTraining(browser, base) {
  const open = async (query) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base + query);
    await page.getByTestId("status").first().waitFor();
    return page;
  };
  const out = { frames_while_training: {} };
  for (const k of [1, 2, 4, 6, 8]) {
    const page = await open(`?epochs=10000&workers=${k}`);
    for (let i = 0; i < k; i++) await page.getByTestId("start").click();
    await page.waitForTimeout(1500);
    const gaps = await frameGaps(page, 120);
    out.frames_while_training[`runs_${k}`] = { p50_ms: at(gaps, 0.5), p95_ms: at(gaps, 0.95), training: await page.getByTestId("pool").innerText() };
    await page.close();
  }
  const rates = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2];
  const page = await open(`?steps=10000&eval_every=1&bs=32&workers=2&${rates.map((r) => `run=lr:${r}`).join("&")}`);
  await page.waitForFunction(() => {
    const s = [...document.querySelectorAll("[data-testid=run-item]")].map((i) => i.dataset.status);
    return s.length === 8 && s.filter((x) => x === "finished").length >= 6 && s.filter((x) => x === "training").length === 2;
  }, null, { timeout: 600_000, polling: 200 });
  // Each chart redraw is a `chart-draw` measure on the page's performance timeline.
  await page.evaluate(() => {
    window.chartDraws = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.chartDraws.push(e.duration))).observe({ type: "measure" });
  });
  const gaps = await frameGaps(page, 180);
  const draws = (await page.evaluate(() => window.chartDraws)).sort((a, b) => a - b);
  out.frames_8_runs_of_10000_points = {
    p50_ms: at(gaps, 0.5), p95_ms: at(gaps, 0.95), max_ms: gaps.at(-1), training: await page.getByTestId("pool").innerText(),
    chart_draws: draws.length, draw_p50_ms: at(draws, 0.5), draw_p95_ms: at(draws, 0.95), draw_max_ms: draws.at(-1),
  };
  await page.close();
  const stepsPerSec = async (query) => {
    const page = await open(query);
    await runsEnded(page, 1);
    const v = Number(await page.getByTestId("speed").getAttribute("data-steps-per-sec"));
    await page.close();
    return v;
  };
  const OFF = "?epochs=100&sharpness_every=off&noise_scale_every=off&autostart=1", ON = "?epochs=100&autostart=1";
  const [off1, on1, off2, on2] = [await stepsPerSec(OFF), await stepsPerSec(ON), await stepsPerSec(OFF), await stepsPerSec(ON)];
  const [off, on] = [Math.max(off1, off2), Math.max(on1, on2)];
  out.diagnostics = { steps_per_sec_off: off, steps_per_sec_default: on, cost: 1 - on / off };
  return out;
}

const site = await serve(dist);
const peers = await serve(here);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const out = {};
const only = process.env.BATCHLAB_BENCH_ONLY;
const section = (name) => only === undefined || only === name;
try {
  if (section("speed")) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${site.address().port}/?bench=${secs}`);
    await page.waitForFunction(() => document.getElementById("bench-result")?.textContent.length > 0, null, { timeout: 600_000 });
    out.batchlab = JSON.parse(await page.locator("#bench-result").innerText());
    await page.close();
    const tfjs = await browser.newPage();
    tfjs.on("pageerror", (e) => { throw e; });
    await tfjs.goto(`http://127.0.0.1:${peers.address().port}/tfjs/index.html`);
    out.tfjs = await tfjs.evaluate((args) => window.referenceWorkload(args),
      { x, y, rows: y.length, trainRows: TRAIN_ROWS, minSecs: secs });
    await tfjs.close();
  }
  if (section("page")) out.page = await whileTraining(browser, `http://127.0.0.1:${site.address().port}/`);
  if (section("first-visit")) {
    const gz = await serve(dist, { gzip: true });
    try {
      const base = `http://127.0.0.1:${gz.address().port}/`;
      const visits = [];
      for (let i = 0; i < VISITS; i++) visits.push(await firstVisit(browser, base));
      const size = siteSize(dist);
      out.first_visit = {
        link: { down_bytes_per_sec: DOWN_BYTES_PER_SEC, up_bytes_per_sec: UP_BYTES_PER_SEC, latency_ms: LATENCY_MS, viewport_px: 390 },
        bytes_before_interactive: median(visits.map((v) => v.bytes_before_interactive)),
        interactive_ms: median(visits.map((v) => v.interactive_ms)),
        start_to_first_point_ms: median(visits.map((v) => v.start_to_first_point_ms)),
        site_gzip_bytes: size.gzip_bytes,
        site_raw_bytes: size.raw_bytes,
        site_files: size.files,
        visits,
      };
    } finally {
      gz.close();
    }
  }
} finally {
  await browser.close();
  site.close();
  peers.close();
}
console.log(JSON.stringify(out));
