// What every browser test file shares: the server of dist/, headless Chromium, pages that record
// their errors, and small readers of the page's state. Speed is recorded in target/e2e/, never asserted.
import { before, after } from "node:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

export const DIST = process.env.BATCHLAB_DIST ?? "dist";
export const ARTIFACTS = process.env.BATCHLAB_ARTIFACTS ?? "target/e2e";
export const LONG = 180_000;
mkdirSync(ARTIFACTS, { recursive: true });

/** The shared session: `ctx.server`, `ctx.browser`, `ctx.base`, and `ctx.metrics` written to `name`. */
export function session(name) {
  const ctx = { metrics: {} };
  before(async () => {
    ctx.server = await serve(DIST);
    ctx.base = `http://127.0.0.1:${ctx.server.address().port}/`;
    ctx.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  });
  after(async () => {
    writeFileSync(join(ARTIFACTS, name), JSON.stringify(ctx.metrics, null, 2));
    await ctx.browser?.close();
    ctx.server?.close();
  });
  /**
   * A fresh page that records, as errors: console errors, uncaught exceptions, anything the
   * Content-Security-Policy blocks, and any request to another origin. It is ready when the first
   * element `ready` (a test id) shows. `init` runs in the page before any of its own scripts.
   */
  ctx.open = async (query = "", viewport = { width: 1280, height: 900 }, { ready = "status", init, ...options } = {}) => {
    const page = await ctx.browser.newPage({ viewport, ...options });
    page.errors = [];
    page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
    page.on("pageerror", (e) => page.errors.push(String(e)));
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (!["blob:", "data:"].includes(url.protocol) && url.origin !== new URL(ctx.base).origin) {
        page.errors.push(`a request to another origin: ${r.url()}`);
      }
    });
    await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`blocked by the content security policy: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`)));
    if (init) await page.addInitScript(init);
    await page.goto(ctx.base + query);
    await page.getByTestId(ready).first().waitFor().catch((e) => {
      throw new Error(`${ready} never showed (${e.message.split("\n")[0]}); the page's errors: ${page.errors.join("; ") || "none"}`);
    });
    return page;
  };
  return ctx;
}

/** The numbers in a sentence, as written. */
export const numbers = (text) => (text.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []);
export const status = (page) => page.getByTestId("status").innerText();
export const step = async (page) => Number(await page.getByTestId("step").innerText());
export const value = async (page, id) => Number(await page.getByTestId(id).getAttribute("data-value"));
export async function waitStatus(page, word, timeout = LONG) {
  await page.waitForFunction((w) => document.querySelector("[data-testid=status]")?.textContent === w, word, { timeout });
}

/** Pixels of a canvas within `tol` of an RGB colour. */
export function countColour(page, testid, [r, g, b], tol = 40) {
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

/**
 * Whether a canvas comes to show more than `min` pixels of a colour within a few seconds: a chart
 * redraws at most ten times a second, in turn with the others, so it follows the page's text by a
 * few frames.
 */
export async function drawsColour(page, testid, colour, min, tol = 40, timeout = 5000) {
  for (const until = Date.now() + timeout; ;) {
    if ((await countColour(page, testid, colour, tol)) > min) return true;
    if (Date.now() > until) return false;
    await page.waitForTimeout(100);
  }
}

/** The charts' first run colours in the light theme (crates/chart/src/look.rs; crates/chart/tests/page_colours.rs checks they agree). */
export const PALETTE = [[37, 99, 235], [234, 88, 12], [22, 163, 74]];

/** Sets the form's learning rate and batch size (by the slider's position). */
export async function setForm(page, { lr, bsIndex, epochs }) {
  if (epochs !== undefined) {
    await page.getByTestId("epochs").fill(String(epochs));
    await page.getByTestId("epochs").press("Tab");
  }
  if (bsIndex !== undefined) {
    await page.getByTestId("batch-size").evaluate((el, v) => {
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }, String(bsIndex));
  }
  if (lr !== undefined) {
    await page.getByTestId("learning-rate").fill(String(lr));
    await page.getByTestId("learning-rate").press("Tab");
  }
}

/** Every run item's data attributes and label. */
export function runItems(page) {
  return page.getByTestId("run-item").evaluateAll((items) => items.map((i) => ({
    bs: i.dataset.bs, lr: i.dataset.lr, status: i.dataset.status,
    label: i.querySelector(".run-label")?.textContent ?? "",
  })));
}

export async function waitRuns(page, count, statuses = ["finished", "stalled", "unstable", "diverged"], timeout = LONG) {
  await page.waitForFunction(({ count, statuses }) => {
    const items = [...document.querySelectorAll("[data-testid=run-item]")];
    return items.length === count && items.every((i) => statuses.includes(i.dataset.status));
  }, { count, statuses }, { timeout });
}
