// End-to-end tests of the lessons as a class uses them: the list, a lesson played by itself (the
// teacher's projector), and a lesson played step by step with predictions. Each lesson's check is
// the same code natively (`cargo test`, src/lessons) and here, through `lesson-verdict`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, LONG, session } from "./helpers.mjs";

const ctx = session("metrics-lessons.json");

test("the lessons page lists every lesson as a link", async () => {
  // The list is the page's own (src/lessons' LESSONS): adding a lesson touches no test here.
  const page = await ctx.open("?lessons", undefined, { ready: "lesson-link" });
  const links = await page.getByTestId("lesson-link").evaluateAll((links) =>
    links.map((a) => ({ name: a.dataset.lesson, href: a.getAttribute("href"), text: a.textContent.trim() })));
  assert.ok(links.length >= 9, `${links.length} lessons listed`);
  assert.equal(new Set(links.map((l) => l.name)).size, links.length, "each lesson once");
  for (const { name, href, text } of links) {
    assert.match(name, /^[a-z0-9-]+$/);
    assert.equal(new URLSearchParams(href.split("?")[1]).get("lesson"), name, href);
    assert.ok(text.length > 0, `${name} has a title`);
  }
  for (const name of ["three-pairs", "too-hot"]) assert.ok(links.some((l) => l.name === name), `${name}, which the tests below play, is listed`);
  await page.screenshot({ path: join(ARTIFACTS, "lessons.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the three-pairs lesson plays by itself and its point shows", { timeout: LONG }, async () => {
  const page = await ctx.open("?lesson=three-pairs&autoplay=1");
  await page.waitForFunction(() => document.querySelector("[data-testid=lesson-verdict]")?.dataset.pass, null, { timeout: LONG });
  const verdict = page.getByTestId("lesson-verdict");
  assert.equal(await verdict.getAttribute("data-pass"), "true", await verdict.innerText());
  assert.match(await verdict.innerText(), /the seed's trio ended at [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ %/);
  assert.equal(await page.getByTestId("run-item").count(), 9, "its runs are ordinary runs in the lab");
  assert.match(await page.getByTestId("lesson-result").innerText(), /You predicted: no prediction/);
  ctx.metrics.three_pairs = await verdict.innerText();
  await page.screenshot({ path: join(ARTIFACTS, "lesson.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, "lesson-phone.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("too hot: the reveal says where runs broke at each batch size, and its point shows", { timeout: LONG }, async () => {
  const page = await ctx.open("?lesson=too-hot&autoplay=1");
  await page.waitForFunction(() => document.querySelector("[data-testid=lesson-verdict]")?.dataset.pass, null, { timeout: LONG });
  const verdict = page.getByTestId("lesson-verdict");
  assert.equal(await verdict.getAttribute("data-pass"), "true", await verdict.innerText());
  assert.match(await verdict.innerText(), /at B 32 the first rate that broke was η [0-9.]+, at B 512 η [0-9.]+: (×[0-9.]+ in η|the same rate) for ×16 in B/);
  const reveal = await page.getByTestId("lesson-result").innerText();
  assert.match(reveal, /Why: Every rate here is above 2\/λ₀/);
  assert.match(reveal, /training loss on the whole set [0-9.]+, validation accuracy [0-9.]+ %/);
  await page.getByTestId("lesson-result").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "too-hot-reveal.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.getByTestId("lesson-result").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "too-hot-reveal-phone.png") });
  // The reveal leads on: Next goes to step 2 and brings its heading into view.
  await page.getByTestId("lesson-next").click();
  await page.getByRole("heading", { name: /Step 2 of 2: At B = 512/ }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Presses Tab until the focused element matches `selector` (at most 200 times); a keyboard user's way there. */
async function tabTo(page, selector) {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((sel) => document.activeElement?.matches(sel), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test("a lesson played by keyboard alone: open it, predict, play, and the prediction beside what happened", { timeout: LONG }, async () => {
  const page = await ctx.open("?lessons", undefined, { ready: "lesson-link" });
  await tabTo(page, "[data-testid=lesson-link][data-lesson=too-hot]");
  await page.keyboard.press("Enter");
  await page.getByTestId("lesson-play").waitFor();
  assert.ok(await page.getByTestId("lesson-play").isDisabled(), "no playing before a prediction");
  for (const k of [0, 1]) {
    if (k > 0) {
      await tabTo(page, `[data-testid=lesson-step]:nth-of-type(${k + 1})`);
      await page.keyboard.press("Enter");
    }
    // The first choice, then down to the third (η 2), then Play.
    await tabTo(page, "[data-testid=lesson-choice]");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await tabTo(page, "[data-testid=lesson-play]");
    await page.keyboard.press("Enter");
    await page.getByTestId("lesson-result").waitFor({ timeout: LONG });
    assert.match(await page.getByTestId("lesson-result").innerText(), /You predicted: 2 \((right|not what happened)\)/);
  }
  await page.waitForFunction(() => document.querySelector("[data-testid=lesson-verdict]")?.dataset.pass, null, { timeout: LONG });
  assert.equal(await page.getByTestId("lesson-verdict").getAttribute("data-pass"), "true");
  ctx.metrics.too_hot = await page.getByTestId("lesson-verdict").innerText();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the embed view shows the charts, the run list and a play button only", { timeout: LONG }, async () => {
  const page = await ctx.open("?bs=64&lr=0.2&epochs=2&embed=1", { width: 640, height: 480 }, { ready: "embed" });
  assert.equal(await page.getByTestId("batch-size").count(), 0, "no settings");
  assert.equal(await page.getByTestId("sweep-start").count(), 0, "no sweep");
  await page.getByTestId("start").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=run-item]")?.dataset.status === "finished", null, { timeout: LONG });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 640, `sized to its frame: ${width} px`);
  await page.screenshot({ path: join(ARTIFACTS, "embed.png") });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the answer measures its evidence with the lessons' own checks", { timeout: LONG }, async () => {
  const page = await ctx.open("?answer");
  assert.match(await page.getByTestId("answer").innerText(), /Should the learning rate increase or decrease with the batch size\?/);
  await page.getByTestId("answer-measure").click();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=answer-evidence]").length === 5, null, { timeout: LONG });
  const evidence = await page.getByTestId("answer-evidence").evaluateAll((els) => els.map((e) => [e.dataset.pass, e.textContent]));
  for (const [pass, text] of evidence) assert.equal(pass, "true", text);
  ctx.metrics.answer = evidence.map((e) => e[1]);
  await page.screenshot({ path: join(ARTIFACTS, "answer.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a class link shows only the controls the teacher left, and its note as text", async () => {
  const note = "Move only the batch size <b>and watch</b>";
  const page = await ctx.open(`?bs=64&hide=lr,optimizer,sweep&note=${encodeURIComponent(note)}`);
  assert.equal(await page.getByTestId("learning-rate").count(), 0);
  assert.equal(await page.getByTestId("optimizer").count(), 0);
  assert.equal(await page.getByTestId("sweep-start").count(), 0);
  assert.equal(await page.getByTestId("batch-size").count(), 1);
  assert.equal(await page.getByTestId("class-note").innerText(), note, "shown as text, never as HTML");
  // The builder starts from this link; unticking the data set adds it.
  await page.locator("details.class-link summary").click();
  assert.match(await page.getByTestId("class-link").inputValue(), /\?bs=64&hide=lr,optimizer,sweep&note=/);
  await page.locator("[data-testid=class-show][value=dataset]").click();
  assert.match(await page.getByTestId("class-link").inputValue(), /hide=lr,optimizer,sweep,dataset/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the class-link builder names controls as the form does, and hands out the whole address, note typed in as it is typed", async () => {
  const page = await ctx.open("?bs=64", { width: 1280, height: 900 }, { permissions: ["clipboard-read", "clipboard-write"] });
  await page.locator("details.class-link summary").click();
  const names = await page.locator(".class-keys label").allInnerTexts();
  for (const label of ["Batch size B", "Learning rate η", "Points", "β₂", "LR range test"]) assert.ok(names.includes(label), `${label} in ${names}`);
  for (const key of ["bs", "lr", "n", "beta2", "range_test"]) assert.ok(!names.includes(key), `no raw key ${key} in ${names}`);
  await page.getByLabel("Learning rate η", { exact: true }).and(page.getByTestId("class-show")).uncheck();
  await page.getByLabel("Optimiser", { exact: true }).and(page.getByTestId("class-show")).uncheck();
  // The note enters the link key by key, before the field loses the focus.
  const note = "Move only B & watch";
  await page.getByTestId("class-note-input").pressSequentially(note);
  const link = await page.getByTestId("class-link").inputValue();
  assert.ok(link.startsWith(ctx.base + "?"), `${link} is a whole address on ${ctx.base}`);
  assert.equal(new URL(link).searchParams.get("note"), note);
  assert.equal(new URL(link).searchParams.get("hide"), "lr,optimizer");
  await page.getByTestId("class-link-copy").click();
  await page.getByTestId("class-link-status").filter({ hasText: "Copied." }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  assert.equal(await page.getByTestId("class-link-status").getAttribute("aria-live"), "polite");
  // A student opens it: the ticked controls and the note, nothing else.
  const student = await ctx.open(new URL(link).search);
  assert.equal(await student.getByTestId("class-note").innerText(), note);
  assert.equal(await student.getByTestId("learning-rate").count(), 0);
  assert.equal(await student.getByTestId("optimizer").count(), 0);
  assert.equal(await student.getByTestId("batch-size").count(), 1);
  assert.equal(await student.getByTestId("dataset").count(), 1);
  // A browser with no clipboard for the page: the builder says so, and the link stays to copy by hand.
  await student.evaluate(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined }));
  await student.locator("details.class-link summary").click();
  await student.getByTestId("class-link-copy").click();
  await student.getByTestId("class-link-status").filter({ hasText: /^Not copied: .+ copy it by hand\.$/ }).waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(student.errors, []);
  await page.close();
  await student.close();
});
