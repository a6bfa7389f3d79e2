// End-to-end tests of the built site (dist/) in headless Chromium, as a person would use it: one run,
// its outcomes and explanations, and a page that survives bad links and dead workers.
// Run by `cargo xtask test`, which builds dist/ and sets the BATCHLAB_* variables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, LONG, PALETTE, drawsColour, numbers, session, status, step, value, waitRuns, waitStatus } from "./helpers.mjs";

const ctx = session("metrics.json");
const { metrics } = ctx;
const open = (...args) => ctx.open(...args);
const TRAIN_BLUE = PALETTE[0];

test("the page loads with no console error", async () => {
  const page = await open();
  assert.equal(await status(page), "idle");
  await page.waitForTimeout(500); // the worker loads and reports Ready
  assert.deepEqual(page.errors, []);
  // Nothing is measured before a run: the cards do not claim otherwise.
  for (const id of ["sharpness", "noise-scale", "grad-norm"]) assert.equal(await page.getByTestId(id).innerText(), "–", id);
  await page.screenshot({ path: join(ARTIFACTS, "idle.png"), fullPage: true });
  await page.close();
});

test("five fresh loads each become interactive with no error, the loading line gone (time measured)", { timeout: LONG }, async () => {
  // Each load is a fresh page in a fresh browser context, its cache empty (the test server also says
  // no-store): from navigation to the Start button in the page.
  const loads = [];
  for (let i = 0; i < 5; i++) {
    const page = await open("", undefined, {
      ready: "start",
      init: () => {
        const seen = () => {
          if (!window.startShownMs && document.querySelector("[data-testid=start]")) window.startShownMs = performance.now();
        };
        new MutationObserver(seen).observe(document, { subtree: true, childList: true });
      },
    });
    loads.push(await page.evaluate(() => window.startShownMs));
    assert.equal(await page.locator("#boot").count(), 0, "the app replaced the loading line");
    assert.deepEqual(page.errors, []);
    await page.close();
  }
  loads.sort((a, b) => a - b);
  metrics.interactive_ms = { each: loads, median: loads[2] };
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
  assert.ok(await drawsColour(page, "loss-chart", TRAIN_BLUE, 200), "the training-loss curve is drawn");
  metrics.steps_per_sec_b32 = Number(await page.getByTestId("speed").getAttribute("data-steps-per-sec"));
  metrics.first_point_ms = Number(await page.getByTestId("speed").getAttribute("data-first-point-ms"));
  metrics.val_acc_5_epochs = acc;
  await page.screenshot({ path: join(ARTIFACTS, "digits-finished.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a learning rate of 10 diverges, with the marker, its regime, η_max and advice", { timeout: LONG }, async () => {
  const page = await open();
  await page.getByTestId("learning-rate").fill("10");
  await page.getByTestId("learning-rate").press("Enter");
  await page.getByTestId("start").click();
  await waitStatus(page, "diverged");
  const at = Number(await page.getByTestId("diverged-step").getAttribute("data-value"));
  assert.ok(at > 0 && at <= (await step(page)), `diverged at ${at}, stopped at ${await step(page)}`);
  const banner = await page.getByTestId("banner").innerText();
  assert.match(banner, new RegExp(`^Diverged at step ${at} \\(epoch [0-9.]+\\), with η = 10:`));
  // 2/λ₀ is named for what it is (where descent first overshoots), never as a cap.
  assert.match(banner, /Broke: η = 10 is [0-9.]+× 2\/λ₀ = [0-9.]+, the rate above which descent on the start's curvature \(λ₀ = [0-9.]+\) first overshoots/);
  assert.ok(!/stable there only|caps η/.test(banner), banner);
  const measured = Number(banner.match(/η_max at B 32 measured ([0-9.]+)/)[1]);
  const advised = Number(banner.match(/Try η = ([0-9.]+), about half of η_max, where a run of these settings trained/)[1]);
  assert.ok(advised < measured && advised >= measured / 3, `advice ${advised}, η_max ${measured}`);
  assert.ok(!banner.includes("larger batch"), banner);
  // The η slider's amber tick is the banner's 2/λ₀, not one measured after the blow-up, and its red
  // tick the banner's η_max.
  const limit = Number(banner.match(/2\/λ₀ = ([0-9]+(?:\.[0-9]+)?)/)[1]);
  const edge = Number(await page.getByTestId("stability-edge").getAttribute("data-value"));
  assert.ok(Math.abs(edge / limit - 1) < 0.01, `edge ${edge}, banner ${limit}`);
  assert.equal(Number(await page.getByTestId("max-lr").getAttribute("data-value")), measured);
  const sharpness = await page.locator(".diag").first().innerText();
  // The card names the λ it uses: the start's, with the banner's limit, or one read after the blow-up.
  const measuredAt = Number(sharpness.match(/\(step (\d+)\)/)?.[1]);
  if (measuredAt === 0) assert.ok(sharpness.includes(`2/λ₀ = ${banner.match(/2\/λ₀ = ([0-9.]+[0-9])/)[1]}`), sharpness);
  else assert.match(sharpness, new RegExp(`measured after the loss diverged at step ${at}:`), sharpness);
  assert.match(await page.getByTestId("chart-table").innerText(), new RegExp(`diverged at step ${at}\\b`), "the chart's text says where");
  await page.screenshot({ path: join(ARTIFACTS, "diverged.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a run above 2/λ₀ that trains caught itself, and the η slider shows 2/λ₀ and η_max", { timeout: LONG }, async () => {
  const page = await open("?lr=1&epochs=3&autostart=1");
  await page.waitForFunction(() => ["finished", "unstable"].includes(document.querySelector("[data-testid=status]")?.textContent), null, { timeout: LONG });
  const banner = await page.getByTestId("banner").innerText();
  const [, times, limit] = banner.match(/^Caught itself: η = 1 is ([0-9.]+)× 2\/λ₀ = ([0-9.]+), the rate above which descent/);
  assert.ok(Math.abs(Number(times) * Number(limit) - 1) < 0.02, banner);
  assert.match(banner, /Its sharpness λ_max went from [0-9.]+ at the start to [0-9.]+ at the end \(step 135\), (below|still above) 2\/η = 2\./);
  assert.match(banner, /η_max at B 32 measured [0-9.]+: of \d+ runs of these settings over 3 epochs, differing only in η, the largest that trained/);
  const edge = Number(await page.getByTestId("stability-edge").getAttribute("data-value"));
  const max = Number(await page.getByTestId("max-lr").getAttribute("data-value"));
  assert.ok(Math.abs(edge / Number(limit) - 1) < 0.01 && max > 1 && max > edge, `2/λ₀ ${edge}, η_max ${max}`);
  assert.match(await page.getByTestId("lr-ticks-hint").innerText(), /amber: 2\/λ₀ = [0-9.]+, where the loss first jumps; red: η_max at B 32 = [0-9.]+, measured, where runs stop training/);
  await page.screenshot({ path: join(ARTIFACTS, "caught-itself.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId("learning-rate-slider").scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, "caught-itself-phone.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a short full-batch run that climbs is diverged, and the banner's figures match the cards", { timeout: LONG }, async () => {
  const page = await open("?bs=1437&lr=5&epochs=10&autostart=1");
  await waitStatus(page, "diverged");
  const banner = await page.getByTestId("banner").innerText();
  assert.match(banner, /^Diverged at step \d+ \(epoch/);
  const card = await page.getByTestId("train-loss").innerText();
  assert.match(await page.locator(".figure .label").nth(2).innerText(), /whole set/i);
  if (banner.includes("whole training set ended at")) assert.ok(numbers(banner).includes(card), `card ${card}: ${banner}`);
  await page.close();
});

test("the marker sits where the loss left its course", { timeout: LONG }, async () => {
  const page = await open("?bs=512&lr=10&epochs=10&autostart=1");
  await waitStatus(page, "diverged");
  const banner = await page.getByTestId("banner").innerText();
  const [, stepText, epochText] = banner.match(/^Diverged at step (\d+) \(epoch ([0-9.]+)\)/);
  assert.ok(Number(epochText) < 1.5, `left its course near epoch 0.7, not at the rule's notice: ${banner}`);
  assert.equal(await page.getByTestId("diverged-step").getAttribute("data-value"), stepText);
  await page.close();
});

test("a stalled run has its own status word and reason", { timeout: LONG }, async () => {
  const page = await open("?lr=0.00001&epochs=1&autostart=1");
  await waitStatus(page, "stalled");
  const banner = await page.getByTestId("banner").innerText();
  assert.match(banner, /^Finished, but learned nothing: validation accuracy [0-9.]+ % is at chance/);
  assert.match(banner, /Stable from the start: η = 1\.00e-5 is below 2\/λ₀/);
  const measured = Number(banner.match(/η_max at B 32 measured ([0-9.]+)/)[1]);
  const advised = Number(banner.match(/is far below η_max: try η = ([0-9.]+)\./)[1]);
  assert.ok(advised < measured, banner);
  await page.close();
});

test("the LR range test reads its suggestion off the ramp", { timeout: LONG }, async () => {
  for (const lr of ["0.0001", "0.5"]) {
    const page = await open(`?bs=32&lr=${lr}&schedule=ramp&epochs=10&autostart=1`);
    await page.waitForFunction(() => ["finished", "diverged", "stalled", "unstable"].includes(document.querySelector("[data-testid=status]")?.textContent));
    const banner = await page.getByTestId("banner").innerText();
    const suggested = Number(banner.match(/fell fastest at η ≈ ([0-9.e-]+)/)[1]);
    assert.ok(suggested >= 0.03 && suggested <= 1.5, banner);
    assert.ok(banner.includes(`η = ${banner.match(/fell fastest at η ≈ ([0-9.e-]+)/)[1]} is a safe start`), banner);
    // It says what the suggestion is against the stability edge, never that it is the best η.
    assert.match(banner, /The suggestion is [0-9.]+× the stability edge at the start \(c\/λ₀ = [0-9.]+\)/);
    assert.match(banner, /It is not the best η for a longer run's budget/);
    if (lr === "0.5") assert.match(banner, /broke away at η ≈ (1\.[5-9]|2\.|3\.)/, "blames the η where the loss broke, not the first one");
    await page.close();
  }
});

test("runs survive a reload: finished ones as they were, a training one stopped at its last point, to retrain", { timeout: LONG }, async () => {
  const page = await open("?epochs=1");
  await page.getByTestId("start").click();
  await waitStatus(page, "finished");
  const finished = await page.getByTestId("run-item").first().getAttribute("data-digest");
  // A long run, reloaded while it trains.
  await page.getByTestId("epochs").fill("3000");
  await page.getByTestId("epochs").press("Tab");
  await page.getByTestId("start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=step]")?.textContent) > 200);
  await new Promise((r) => setTimeout(r, 3500)); // the session is kept every 3 s while runs train
  let asked = null;
  page.on("dialog", async (d) => {
    asked = d.type();
    await d.accept();
  });
  await page.reload();
  await page.getByTestId("run-item").nth(1).waitFor();
  assert.equal(asked, null, "kept runs need no warning on leaving");
  const items = page.getByTestId("run-item");
  assert.equal(await items.first().getAttribute("data-digest"), finished, "the finished run, as it was");
  assert.equal(await items.first().getAttribute("data-status"), "finished");
  assert.equal(await items.nth(1).getAttribute("data-status"), "stopped");
  assert.ok(Number(await page.getByTestId("step").innerText()) > 200, "stopped at its last point");
  await items.nth(1).getByTestId("run-retrain").click();
  await items.nth(1).getByTestId("run-stop").click(); // no need to wait for 200 epochs: it trains again
  // Clear forgets them for the next visit too.
  await page.getByTestId("reset").click();
  await new Promise((r) => setTimeout(r, 500));
  await page.reload();
  await page.getByTestId("status").waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await page.getByTestId("run-item").count(), 0);
  await page.close();
});

test("an opened sweep.csv survives a reload; a kept session that cannot be read is kept aside, not replaced", { timeout: LONG }, async () => {
  const page = await open("?epochs=1");
  const sweepSays = (pattern) =>
    page.waitForFunction((p) => new RegExp(p).test(document.querySelector("[data-testid=sweep-status]")?.textContent ?? ""), pattern, { timeout: 10_000 });
  // A plain sweep.csv (the CLI's) is kept with the session.
  const head = "bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest\n";
  const rows = [8, 16].map((bs) => `${bs},0.1,1,finished,0.5,0.5,0.5,,00000000000000ff\n`).join("");
  await page.getByTestId("sweep-open").setInputFiles({ name: "sweep.csv", mimeType: "text/csv", buffer: Buffer.from(head + rows) });
  await sweepSays("^2 runs done");
  await new Promise((r) => setTimeout(r, 1000)); // kept
  await page.reload();
  await sweepSays("^2 runs done");
  // A record the page cannot read (damaged, or kept by another version) is never written over.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open("batchlab", 1);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction("session", "readwrite");
      tx.objectStore("session").put("not a session", "lab");
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await page.getByText(/The kept session could not be restored \(.*\)\. It is kept aside, untouched/).waitFor();
  await new Promise((r) => setTimeout(r, 1000)); // the page keeps its own session anew
  const aside = await page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open("batchlab", 1);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const store = db.transaction("session").objectStore("session");
      const keys = store.getAllKeys();
      keys.onerror = () => reject(keys.error);
      keys.onsuccess = () => {
        const key = keys.result.find((k) => k.startsWith("lab (unread, kept aside at "));
        if (key === undefined) {
          db.close();
          resolve(null);
          return;
        }
        const value = store.get(key);
        value.onsuccess = () => { db.close(); resolve(value.result); };
      };
    };
  }));
  assert.equal(aside, "not a session", "kept aside, whole");
  // The page's connection never blocks another tab's deletion (or upgrade) of the database.
  const deleted = await page.evaluate(() => new Promise((resolve) => {
    const request = indexedDB.deleteDatabase("batchlab");
    request.onsuccess = () => resolve("deleted");
    request.onblocked = () => resolve("blocked");
  }));
  assert.equal(deleted, "deleted");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Step while paused moves the counter on every click", { timeout: LONG }, async () => {
  for (const bs of ["1", "32"]) {
    const page = await open(`?bs=${bs}&epochs=500`);
    await page.getByTestId("start").click();
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=step]")?.textContent) > 0);
    await page.getByTestId("pause").click();
    await waitStatus(page, "paused", 30_000);
    for (let k = 0; k < 3; k++) {
      const before = await step(page);
      await page.getByTestId("step-once").click();
      await page.waitForFunction((s) => Number(document.querySelector("[data-testid=step]")?.textContent) === s + 1, before, { timeout: 10_000 });
    }
    await page.close();
  }
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

test("a deep link with refused values still loads, with one notice, and does not start", async () => {
  const page = await open("?lr=banana&bs=-3&dataset=%25%25&epochs=7&autostart=maybe");
  const notices = await page.getByTestId("notice").allInnerTexts();
  assert.equal(notices.length, 1, notices.join("\n"));
  assert.match(notices[0], /^4 settings in the link were refused/);
  for (const word of ["lr = \"banana\"", "bs = \"-3\"", "dataset", "autostart"]) assert.ok(notices[0].includes(word), notices[0]);
  assert.equal(await status(page), "idle");
  assert.equal(await page.getByTestId("epochs").inputValue(), "7", "the good setting still applies");
  await page.screenshot({ path: join(ARTIFACTS, "bad-link.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
  // A refused value stops autostart; contradictions are refused with their reason; a huge value is
  // quoted short and cannot widen the page.
  const refused = await open(`?bs=8&lr=banana&autostart=1&model=linear&hidden=64&noise=${"9".repeat(12_000)}`);
  await refused.waitForTimeout(1000);
  assert.equal(await status(refused), "idle", "nothing starts until Start");
  const text = (await refused.getByTestId("notice").allInnerTexts()).join("\n");
  assert.ok(text.includes('model = "linear" contradicts hidden = "64"'), text);
  assert.ok(text.length < 2000, `the notice is ${text.length} characters`);
  const overflow = await refused.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await refused.close();
});

test("a dead worker fails the run with its reason, and Start brings a fresh one", { timeout: LONG }, async () => {
  const crash = `importScripts("./worker.js");
    wasm_bindgen({ module_or_path: "./worker_bg.wasm" }).then(() => { self.onmessage = () => {
      postMessage({ Crashed: { message: "panicked at 'simulated'" } }); throw new Error("unreachable"); }; });`;
  const faults = {
    "worker_bg.wasm missing": (p) => (p === "/worker_bg.wasm" ? { status: 404 } : undefined),
    "worker_bg.wasm corrupt": (p) => (p === "/worker_bg.wasm" ? { body: "not wasm" } : undefined),
    "worker.js missing": (p) => (p === "/worker.js" ? { status: 404 } : undefined),
    "worker.js corrupt": (p) => (p === "/worker.js" ? { body: "this is not javascript(" } : undefined),
    "worker_loader.js missing": (p) => (p === "/worker_loader.js" ? { status: 404 } : undefined),
    "a crash while training": (p) => (p === "/worker_loader.js" ? { body: crash } : undefined),
  };
  for (const [name, fault] of Object.entries(faults)) {
    ctx.server.fault = fault;
    const page = await open("?epochs=1");
    await page.getByTestId("start").click();
    await waitStatus(page, "failed", 30_000).catch((e) => assert.fail(`${name}: ${e}`));
    const banner = await page.getByTestId("banner").innerText();
    assert.match(banner, /^The training worker stopped: .+Press Start to try again/, `${name}: ${banner}`);
    if (name === "a crash while training") assert.ok(banner.includes("simulated"), banner);
    ctx.server.fault = undefined;
    await page.getByTestId("start").click();
    await waitStatus(page, "finished");
    await page.close();
  }
});

test("if the app's own wasm cannot load, the page says so", async () => {
  ctx.server.fault = (p) => (/^\/app-.*\.wasm$/.test(p) ? { status: 404 } : undefined);
  const page = await open("", undefined, { ready: "boot" });
  await page.waitForFunction(() => document.getElementById("boot")?.dataset.failed === "1", null, { timeout: 30_000 });
  assert.match(await page.locator("#boot").innerText(), /^BatchLab could not start: /);
  ctx.server.fault = undefined;
  // The missing file, and nothing else.
  assert.ok(page.errors.length > 0 && page.errors.every((e) => /404|app-[0-9a-f]+_bg\.wasm/.test(e)), page.errors.join("\n"));
  await page.close();
});

test("a setting that keeps every point cannot freeze the tab", { timeout: LONG }, async () => {
  const page = await open("?dataset=moons&bs=1&lr=0.001&epochs=10000&eval_every=1&autostart=1");
  await page.waitForTimeout(8000);
  const t0 = Date.now();
  const stepsSeen = await step(page);
  const roundTrip = Date.now() - t0;
  assert.ok(stepsSeen > 10_000, `only ${stepsSeen} steps in 8 s`);
  assert.ok(roundTrip < 1000, `the page took ${roundTrip} ms to answer`);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  metrics.many_points = { steps: stepsSeen, round_trip_ms: roundTrip, js_heap_mb: heap / 2 ** 20 };
  await page.getByTestId("pause").click();
  await waitStatus(page, "paused", 10_000);
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
  const page = await open(`?bench=${secs}`, undefined, { ready: "bench-status" });
  await page.waitForFunction(() => document.getElementById("bench-result")?.textContent.length > 0, null, { timeout: LONG });
  const report = JSON.parse(await page.locator("#bench-result").innerText());
  assert.equal(report.workload, "digits-mlp128-sgd");
  assert.deepEqual(report.results.map((r) => r.batch_size), [32, 128, 512]);
  assert.ok(report.results.every((r) => r.samples_per_sec > 0));
  assert.ok(report.results[0].val_acc_20ep > 0.88, `20-epoch accuracy ${report.results[0].val_acc_20ep}`);
  metrics.bench = report;
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("phone-sized screens get a usable layout, and charts are drawn at the screen's pixel ratio", { timeout: LONG }, async () => {
  const page = await open("?dataset=moons&epochs=30&bs=16&autostart=1", { width: 390, height: 844 }, { deviceScaleFactor: 3 });
  await waitStatus(page, "finished");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  const [css, px] = await page.getByTestId("loss-chart").evaluate((c) => [c.clientWidth, c.width]);
  assert.equal(px, css * 3, "a sharp canvas: three device pixels per CSS pixel");
  await page.screenshot({ path: join(ARTIFACTS, "phone.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** A host's own policy, sent as a header with every file: the browser enforces it beside the page's. */
const HOST_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

for (const [under, headers] of [["its own policy", undefined], ["a host's policy too", { "content-security-policy": HOST_POLICY }]]) {
  test(`the page runs under a content security policy, ${under}: no inline script, and it trains`, { timeout: LONG }, async () => {
    ctx.server.headers = headers;
    try {
      const page = await open("?epochs=1", undefined, { ready: "start" });
      const csp = await page.locator("meta[http-equiv=Content-Security-Policy]").getAttribute("content");
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
      assert.match(csp, /object-src 'none'/);
      assert.ok(!/'sha256-|'unsafe-inline'|data:/.test(csp), csp);
      assert.deepEqual(await page.evaluate(() => [...document.scripts].filter((s) => !s.src).map((s) => s.text)), [], "no inline script");
      await page.getByTestId("start").click();
      await waitStatus(page, "finished");
      assert.deepEqual(page.errors, []);
      // A script injected into the page does not run, and the policy says so.
      const ran = await page.evaluate(() => {
        const s = document.createElement("script");
        s.textContent = "window.injected = true";
        document.body.append(s);
        return window.injected === true;
      });
      assert.equal(ran, false);
      for (let i = 0; i < 50 && page.errors.length === 0; i++) await page.waitForTimeout(100); // the report is a task later
      assert.ok(page.errors.length > 0 && page.errors.every((e) => /script-src|inline script/.test(e)), page.errors.join("\n"));
      await page.close();
    } finally {
      ctx.server.headers = undefined;
    }
  });
}

test("a huge model that blows up ends diverged, not failed: long work tells the page it is alive", { timeout: LONG }, async () => {
  // The case: diverged, with its measured limit.
  const page = await ctx.open("?dataset=moons&n=20000&hidden=2048&lr=1000&bs=2&steps=5&autostart=1");
  await waitStatus(page, "diverged");
  assert.match(await page.getByTestId("banner").innerText(), /Broke: η = 1\.00e3 is [0-9.e]+× 2\/λ₀ = [0-9.e-]+, the rate above which/);
  // A model whose first evaluation of the whole set takes the worker seconds: the page hears that it
  // is working, says so, and the run goes on to its end.
  const t0 = Date.now();
  await page.goto(ctx.base + "?dataset=moons&n=20000&hidden=512,512&lr=1000&bs=2&steps=3&sharpness_every=off&noise_scale_every=off&autostart=1");
  await page.getByTestId("speed").and(page.locator("[data-working=true]")).waitFor();
  assert.match(await page.getByTestId("speed").innerText(), /Working on one long piece of the run/);
  await waitStatus(page, "diverged");
  ctx.metrics.long_piece_run_secs = (Date.now() - t0) / 1000;
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a screen reader hears the sliders' values with units, and each run's start and end once", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=2&bs=64&lr=0.3");
  assert.equal(await page.getByTestId("batch-size").getAttribute("aria-valuetext"), "batch size 64");
  assert.equal(await page.getByTestId("learning-rate-slider").getAttribute("aria-valuetext"), "learning rate 0.3");
  // Every change of the live region, recorded in the page: a start and an end, not a step.
  await page.evaluate(() => {
    window.__said = [];
    const region = document.querySelector("[data-testid=announce]");
    new MutationObserver(() => window.__said.push(region.textContent)).observe(region, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId("start").click();
  await waitStatus(page, "finished");
  await page.getByTestId("announce").filter({ hasText: "finished" }).waitFor({ state: "attached" });
  const said = [...new Set(await page.evaluate(() => window.__said))];
  assert.deepEqual(said, ["Run #1 (B 64, η 0.3) started.", "Run #1 (B 64, η 0.3) finished."]);
  assert.equal(await page.getByTestId("announce").getAttribute("aria-live"), "polite");
  assert.deepEqual(page.errors, []);
  await page.close();
});

/**
 * The visible controls smaller than a 44 × 44 px target, as [name, width, height]: buttons, fields,
 * summaries, and links that stand alone (links inside running text are exempt, as WCAG 2.5.8 allows).
 */
const smallTargets = (page) => page.evaluate(() => {
  const inline = (e) => getComputedStyle(e).display.startsWith("inline");
  // The text around a link in its line: its block's inline content, other controls and the link left out.
  const around = (a) => {
    let block = a.parentElement;
    while (inline(block)) block = block.parentElement;
    const text = (node) => [...node.childNodes].map((c) => c === a ? ""
      : c.nodeType === Node.TEXT_NODE ? c.textContent
      : c.nodeType === Node.ELEMENT_NODE && inline(c) && !c.matches("a, button, input, select, textarea, label") ? text(c) : "").join("");
    return text(block).trim();
  };
  return [...document.querySelectorAll("button, select, input, summary, a[href]")]
    .filter((e) => e.offsetParent !== null && e.type !== "file" && !(e.matches("a") && around(e) !== ""))
    .map((e) => {
      const r = e.getBoundingClientRect();
      const name = e.dataset.testid || e.getAttribute("aria-label") || `${e.tagName} “${e.textContent.trim().slice(0, 30)}”`;
      return [name, Math.round(r.width), Math.round(r.height)];
    })
    .filter(([, w, h]) => w < 44 || h < 44);
});

test("on a phone (320 and 390 px) nothing overflows and every control is a 44 × 44 px target", { timeout: LONG }, async () => {
  const checkAt = async (page, what) => {
    for (const width of [320, 390]) {
      await page.setViewportSize({ width, height: 844 });
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth), 0, `${what} at ${width} px: no overflow`);
      assert.deepEqual(await smallTargets(page), [], `${what} at ${width} px: controls smaller than 44 × 44`);
    }
  };
  const page = await ctx.open("?epochs=2&bs=64&run=lr:0.01&run", { width: 390, height: 844 });
  await waitRuns(page, 2);
  await checkAt(page, "the lab");
  await page.goto(ctx.base + "?lessons");
  await page.getByTestId("lesson-link").first().waitFor();
  await checkAt(page, "the lessons");
  // A lesson as a student has it: predicted, played and revealed, the Next button showing.
  await page.goto(ctx.base + "?lesson=too-hot");
  await page.getByTestId("lesson-choice").first().check();
  await page.getByTestId("lesson-play").click();
  await page.getByTestId("lesson-next").waitFor({ timeout: LONG });
  await checkAt(page, "a revealed lesson");
  metrics.lesson_choice_px = await page.locator(".predict .choice").first().evaluate((e) => [e.offsetWidth, e.offsetHeight]);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Escape closes the fork's form and gives the focus back to its button", { timeout: LONG }, async () => {
  const page = await ctx.open("?epochs=1&autostart=1");
  await waitRuns(page, 1);
  await page.getByTestId("run-fork").click();
  await page.getByTestId("fork-step").focus();
  await page.keyboard.press("Escape");
  await page.getByTestId("fork-step").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "run-fork");
  assert.deepEqual(page.errors, []);
  await page.close();
});
