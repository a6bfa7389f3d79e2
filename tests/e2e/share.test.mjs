// End-to-end tests of sharing a session: the address bar holds every run, and a fresh page opened on
// it replays them to the same results, bit for bit. Link lengths go to target/e2e/metrics-share.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LONG, session, setForm, waitRuns } from "./helpers.mjs";

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

test("a link with a refused run replays nothing and says which run", async () => {
  const page = await ctx.open("?run=bs:32&run=fork:9@1");
  await page.getByTestId("notice").first().waitFor();
  assert.match(await page.getByTestId("notice").first().innerText(), /run 2: “9” is not an earlier run/);
  assert.equal(await page.getByTestId("run-item").count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
