// Every screen, every reader: axe-core (pinned in package.json) audits each view at 390 and 1280 px,
// light and dark, for WCAG 2.1 A and AA, and a screenshot of each is kept at 320, 390 and 1280 px; no
// two buttons of a view share an accessible name (two "PNG" buttons cannot be told apart by ear).
// Views are audited in the state a person sees them in: runs ended (one diverged), a sweep done, a
// range test done, a lesson open, the embed played.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { session, LONG, ARTIFACTS, waitRuns } from "./helpers.mjs";

const ctx = session("a11y.json");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SCREENS = join(ARTIFACTS, "screens");
mkdirSync(SCREENS, { recursive: true });

const sweepDone = (page) => page.waitForFunction(
  () => /runs done in/.test(document.querySelector("[data-testid=sweep-status]")?.textContent ?? ""), null, { timeout: LONG });

/** Each view: its link and what brings it to the state audited. */
const VIEWS = {
  lab: ["?epochs=1&bs=64&run=lr:0.1&run=lr:60", (page) => waitRuns(page, 2)],
  sweep: ["?epochs=1&sweep=batches:64,full;rates:0.1,1,3;seeds:1;target:0.5", sweepDone],
  "range-test": ["?epochs=1", async (page) => {
    await page.getByTestId("lr-find-start").click();
    await page.getByTestId("lr-find-suggestion").and(page.locator("[data-value]")).waitFor({ timeout: LONG });
  }],
  lesson: ["?lesson=linear-rule", async () => {}],
  lessons: ["?lessons", async () => {}],
  embed: ["?bs=64&lr=0.2&epochs=1&embed=1", async (page) => {
    await page.getByTestId("start").click();
    await waitRuns(page, 1);
  }],
};

/** The WCAG A/AA violations axe finds on the page as it is, each as "rule: element, element…". */
async function audit(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
  return result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")} — ${n.failureSummary?.split("\n")[1]?.trim()}`).join("; ")}`);
}

/**
 * Buttons a screen reader lists by the same name, each as "name ×count": the name is the
 * aria-label, else the text, else the title, as the accessibility tree computes it for these buttons.
 */
const sharedButtonNames = (page) => page.evaluate(() => {
  const counts = {};
  for (const b of document.querySelectorAll("button")) {
    if (!b.checkVisibility() || b.closest("[aria-hidden=true]")) continue;
    const name = (b.getAttribute("aria-label") ?? (b.innerText.trim() || b.title)).trim().replace(/\s+/g, " ").toLowerCase();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.entries(counts).filter(([, n]) => n > 1).map(([name, n]) => `${name} ×${n}`);
});

for (const [name, [query, prepare]] of Object.entries(VIEWS)) {
  test(`the ${name} view has no WCAG 2.1 A/AA violation at 390 and 1280 px, light and dark`, { timeout: LONG }, async () => {
    const ready = query.includes("embed") ? "embed" : query === "?lessons" ? "answer-link" : "status";
    const page = await ctx.open(query, { width: 1280, height: 900 }, { ready });
    await prepare(page);
    // What a person can open is audited open.
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
    const found = {};
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [320, 390, 1280]) {
        await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
        await page.waitForTimeout(150); // a frame for the charts to redraw at the new size and scheme
        await page.screenshot({ path: join(SCREENS, `${name}-${width}-${scheme}.png`), fullPage: true });
        if (width !== 320) found[`${width} ${scheme}`] = await audit(page);
      }
    }
    ctx.metrics[name] = Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.length]));
    assert.deepEqual(await sharedButtonNames(page), [], `${name}: no two buttons share an accessible name`);
    for (const [where, violations] of Object.entries(found)) assert.deepEqual(violations, [], `${name} at ${where}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

/** Presses Tab until the element with test id `testid` has the focus; fails after `max` presses. */
async function tabTo(page, testid, max = 150) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((id) => document.activeElement?.dataset?.testid === id, testid)) return i + 1;
  }
  assert.fail(`${testid} is not reached by Tab in ${max} presses`);
}

/** The focused element's outline, which must show where the keyboard is. */
const outline = (page) => page.evaluate(() => {
  const s = getComputedStyle(document.activeElement);
  return `${s.outlineStyle} ${s.outlineWidth}`;
});

test("by keyboard alone: a run, its values on the chart, a sweep, and a cell opened as a run", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1&bs=64&sweep=batches:64,full;rates:0.1,1,3;seeds:1;target:0.5");
  await sweepDone(page);
  const tabs = { start: await tabTo(page, "start") };
  assert.match(await outline(page), /^solid [1-9]/, "the focus shows");
  await page.keyboard.press("Enter");
  await waitRuns(page, 1);
  // The loss chart's read-out, by arrow keys, said for a screen reader.
  tabs.chart = await tabTo(page, "loss-chart");
  assert.match(await outline(page), /^solid [1-9]/);
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.getByTestId("hover").waitFor();
  assert.match(await page.getByTestId("loss-chart-spoken").innerText(), /^epochs [\d.]+: #1 B 64, η 0\.1: step \d+ · train /);
  await page.keyboard.press("Escape");
  assert.equal(await page.getByTestId("hover").count(), 0, "Escape hides the read-out");
  // The heatmap's cells: the focus starts on the first, the arrows move, Enter opens.
  tabs.heatmap = await tabTo(page, "sweep-heatmap");
  assert.match(await page.getByTestId("sweep-focus").innerText(), /^B 64, η 0\.1: final training loss [\d.]+\. Enter opens it as a run\.$/);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowUp");
  const said = await page.getByTestId("sweep-focus").innerText();
  assert.match(said, /^B full, η 1: /, said);
  // What the keys say is the table's figure for that cell.
  const cell = await page.getByTestId("sweep-table").locator("tbody tr").nth(1).locator("td").nth(1).innerText();
  assert.ok(said.includes(`${cell}.`), `${said} vs the table's ${cell}`);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=run-item]").length === 2);
  // The opened run is brought into view.
  await page.waitForFunction(() => {
    const r = [...document.querySelectorAll("[data-testid=run-item]")].at(-1).getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight;
  });
  ctx.metrics.tabs = tabs;
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("on a phone, B, η and Start sit beside the curves: a change and its effect are seen without scrolling", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1&bs=64&lr=0.1", { width: 390, height: 844 });
  const inView = (testid) => page.getByTestId(testid).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const bar = document.querySelector(".run-bar").getBoundingClientRect();
    // Whole, and not under the bar at the foot of the screen (unless part of it).
    return r.top >= 0 && r.bottom <= innerHeight && (el.closest(".run-bar") !== null || r.bottom <= bar.top);
  });
  await page.getByTestId("start").click();
  await waitRuns(page, 1);
  for (const id of ["loss-chart", "quick-batch-size", "quick-learning-rate", "start"]) assert.ok(await inView(id), `${id} in view`);
  const scrolled = await page.evaluate(() => scrollY);
  // η moved by the strip's slider is the form's η.
  await page.getByTestId("quick-learning-rate").focus();
  for (let i = 0; i < 60; i++) await page.keyboard.press("ArrowRight");
  const lr = await page.getByTestId("learning-rate").inputValue();
  assert.ok(Number(lr) > 0.1, `η rose to ${lr}`);
  assert.match(await page.getByTestId("quick").innerText(), new RegExp(`η ${lr.replace(".", "\\.")}`));
  await page.getByTestId("start").click();
  await waitRuns(page, 2);
  assert.equal(await page.evaluate(() => scrollY), scrolled, "nothing scrolled");
  assert.ok(await inView("loss-chart"), "the second run's curves are in view");
  assert.match(await page.getByTestId("loss-summary").innerText(), /^2 runs\./);
  assert.deepEqual(page.errors, []);
  await page.close();
});

/**
 * Where the focused element ends against the bar fixed at the foot of a phone's screen: null when it is
 * whole between the top of the screen and the bar (or is part of the bar), else what and where.
 */
const underBar = (page, selector) => page.evaluate((selector) => {
  const el = selector ? document.querySelector(selector) : document.activeElement;
  if (el.closest(".run-bar")) return null;
  const r = el.getBoundingClientRect();
  const bar = document.querySelector(".run-bar").getBoundingClientRect();
  if (r.top >= 0 && r.bottom <= bar.top + 0.5) return null;
  const name = el.dataset.testid ?? el.getAttribute("aria-label") ?? `${el.tagName} “${el.textContent.trim().slice(0, 30)}”`;
  return `${name}: ${Math.round(r.top)}–${Math.round(r.bottom)} px, the bar from ${Math.round(bar.top)} px`;
}, selector);

/**
 * Presses Tab through every stop of the page, round to the first one again (past the end, the focus
 * leaves the page and comes back at its top), and says each focused element that ended under the bar.
 */
async function walkUnderBar(page) {
  const [hidden, visited] = [[], new Set()];
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate((i) => {
      const el = document.activeElement;
      if (!el || el === document.body) return "body";
      if (el.dataset.walked) return "again";
      el.dataset.walked = String(i);
      return "new";
    }, i);
    if (stop === "again") return { stops: visited.size, hidden };
    if (stop === "body") continue;
    visited.add(i);
    const where = await underBar(page);
    if (where) hidden.push(where);
  }
  assert.fail("Tab never came round in 400 presses");
}

test("on a phone nothing that takes the focus or is brought into view ends under the bar at the foot of the screen", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1&bs=64&run=lr:0.1&run=lr:60", { width: 390, height: 844 });
  await waitRuns(page, 2);
  // Everything a person can open, open: its fields are Tab stops too.
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
  const lab = await walkUnderBar(page);
  ctx.metrics.phone_tab_stops = { lab: lab.stops };
  assert.ok(lab.stops > 40, `${lab.stops} Tab stops`);
  assert.deepEqual(lab.hidden, [], `${lab.hidden.length} of ${lab.stops} Tab stops end under the bar`);

  // A lesson, predicted: its choices and Play among the stops.
  await page.goto(ctx.base + "?lesson=too-hot");
  await page.getByTestId("lesson-choice").first().check();
  const lesson = await walkUnderBar(page);
  ctx.metrics.phone_tab_stops.lesson = lesson.stops;
  assert.deepEqual(lesson.hidden, [], `${lesson.hidden.length} of ${lesson.stops} Tab stops end under the bar`);
  // Play: the page brings the reveal into view when the runs end, its Why and Next above the bar.
  await page.getByTestId("lesson-play").focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("lesson-result").waitFor({ timeout: LONG });
  await page.waitForTimeout(300); // the frame after the reveal is drawn
  assert.equal(await underBar(page, "[data-testid=lesson-result] p:nth-of-type(3)"), null, "the Why in view");
  assert.match(await page.locator("[data-testid=lesson-result] p:nth-of-type(3)").innerText(), /^Why: /);
  assert.equal(await underBar(page, "[data-testid=lesson-next]"), null, "Next in view");
  await page.screenshot({ path: join(SCREENS, "lesson-reveal-390.png") });
  // Next brings the next step's heading into view and gives it the focus; its Play is in view too.
  await page.getByTestId("lesson-next").click();
  await page.getByRole("heading", { name: /Step 2 of 2/ }).waitFor();
  await page.waitForFunction(() => document.activeElement?.matches("[data-testid=lesson] h3"));
  assert.equal(await underBar(page), null, "step 2's heading in view");
  await page.getByTestId("lesson-choice").first().check();
  await page.getByTestId("lesson-play").focus();
  assert.equal(await underBar(page), null, "step 2's Play in view");
  assert.deepEqual(page.errors, []);
  await page.close();
});
