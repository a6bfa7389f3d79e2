// The soak (`cargo xtask soak`, not part of the test run): trains and redraws for
// BATCHLAB_SOAK_MINUTES (30 by default) — runs started, hovered, hidden and cleared in a loop, a sweep
// among them — and reports the JS heap after a garbage collection at the start and at the end, and
// every few minutes, to target/e2e/metrics-soak.json. It fails on a page error or a heap that grows
// past twice its start plus 16 MB.
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serve } from "./serve.mjs";

const minutes = Number(process.env.BATCHLAB_SOAK_MINUTES ?? 30);
const artifacts = process.env.BATCHLAB_ARTIFACTS ?? "target/e2e";
const server = await serve(process.env.BATCHLAB_DIST ?? "dist");
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
const cdp = await page.context().newCDPSession(page);
const heapMb = async () => {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return Math.round(usedSize / 1e4) / 100;
};
await page.goto(base + "?epochs=3&dataset=moons");
await page.getByTestId("status").waitFor();
const samples = [{ minute: 0, heap_mb: await heapMb() }];
const end = Date.now() + minutes * 60_000;
let rounds = 0;
while (Date.now() < end) {
  for (let i = 0; i < 3; i++) await page.getByTestId("start").click();
  const chart = page.getByTestId("loss-chart");
  const box = await chart.boundingBox();
  for (let i = 0; i < 20; i++) await chart.hover({ position: { x: box.width * (0.1 + 0.04 * i), y: box.height / 2 } });
  if (rounds % 5 === 0) await page.getByTestId("sweep-start").click();
  await page.waitForTimeout(5000);
  await page.getByTestId("reset").click();
  rounds++;
  const minute = Math.floor((Date.now() - (end - minutes * 60_000)) / 60_000);
  if (minute >= samples[samples.length - 1].minute + 5) samples.push({ minute, heap_mb: await heapMb() });
}
await page.getByTestId("reset").click();
const last = { minute: minutes, heap_mb: await heapMb() };
samples.push(last);
const report = { minutes, rounds, start_heap_mb: samples[0].heap_mb, end_heap_mb: last.heap_mb, samples, errors };
mkdirSync(artifacts, { recursive: true });
writeFileSync(join(artifacts, "metrics-soak.json"), JSON.stringify(report, null, 2));
console.log(`soak: ${minutes} min, ${rounds} rounds; JS heap ${report.start_heap_mb} MB at the start, ${report.end_heap_mb} MB at the end`);
await browser.close();
server.close();
if (errors.length > 0 || last.heap_mb > 2 * samples[0].heap_mb + 16) {
  console.error(errors.length > 0 ? `page errors: ${errors.join("; ")}` : "the heap grew past twice its start plus 16 MB");
  process.exit(1);
}
