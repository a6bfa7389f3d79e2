// `cargo xtask bench`'s browser half: in one headless Chromium session, BatchLab's bench page (its
// worker) and the same workload in TensorFlow.js 4.22's wasm backend (tfjs/, from the pinned npm
// packages), each writing its JSON; prints one JSON object { batchlab, tfjs } for xtask's table.
// BATCHLAB_DIST is the built site; BATCHLAB_BENCH_SECS the seconds per measurement (3 by default).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const secs = Number(process.env.BATCHLAB_BENCH_SECS ?? "3");
const TRAIN_ROWS = 1437;
const csv = gunzipSync(readFileSync(join(here, "../../assets/digits.csv.gz"))).toString().trim().split("\n");
const x = [], y = [];
for (const line of csv.slice(0, TRAIN_ROWS)) {
  const cells = line.split(",").map(Number);
  y.push(cells.pop());
  x.push(...cells.map((v) => v / 16));
}
const site = await serve(process.env.BATCHLAB_DIST ?? join(here, "../../dist"));
const peers = await serve(here);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const out = {};
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${site.address().port}/?bench=${secs}`);
  await page.waitForFunction(() => document.getElementById("bench-result")?.textContent.length > 0, null, { timeout: 600_000 });
  out.batchlab = JSON.parse(await page.locator("#bench-result").innerText());
  await page.close();
  const tfjs = await browser.newPage();
  tfjs.on("pageerror", (e) => { throw e; });
  await tfjs.goto(`http://127.0.0.1:${peers.address().port}/tfjs/index.html`);
  out.tfjs = await tfjs.evaluate((args) => window.referenceWorkload(args), { x, y, rows: TRAIN_ROWS, minSecs: secs });
  await tfjs.close();
} finally {
  await browser.close();
  site.close();
  peers.close();
}
console.log(JSON.stringify(out));
