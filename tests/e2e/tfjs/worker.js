// The reference workload (../shared/reference-workload.md, digits-mlp v1) in TensorFlow.js 4.22's wasm
// backend, configured as fast as we know how, in a dedicated Web Worker as BatchLab's own bench runs
// in its worker: SIMD on (reported), prod mode, every product a plain [m,k]x[k,n] matMul (tfjs-wasm
// sends matMuls with transposeA/transposeB to a scalar loop and only plain ones to XNNPACK, so the
// transposed products are an explicit tf.transpose + matMul), the forward pass as fused
// matMul+bias(+ReLU), the backward pass written out by hand with lr/B folded into the output gradient
// (the scalars created once), the variables updated in place with assign; no gradient tape.
// The workload: mulberry32 seed 42 He-uniform W1 [64x128], Glorot-uniform W2 [128x10], zero biases;
// plain SGD at 0.1; each epoch a Fisher-Yates shuffle (mulberry32 seed 1234, reseeded for each run) of
// the order carried over from the last, cut into batches with the short last one kept. A measurement:
// fresh weights, one untimed warm-up epoch, then whole epochs (shuffle included) until at least
// `minSecs` have passed, ended by a sync of the weights; rounds over the batch sizes, median of `reps`.
/* global tf */
"use strict";
importScripts("../node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js",
  "../node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js");

const N_IN = 64, N_HID = 128, N_OUT = 10, LR = 0.1, WEIGHT_SEED = 42, SHUFFLE_SEED = 1234;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function initialWeights() {
  const rnd = mulberry32(WEIGHT_SEED);
  const W1 = new Float32Array(N_IN * N_HID), W2 = new Float32Array(N_HID * N_OUT);
  const a1 = Math.sqrt(6 / N_IN), a2 = Math.sqrt(6 / (N_HID + N_OUT));
  for (let i = 0; i < W1.length; i++) W1[i] = (2 * rnd() - 1) * a1;
  for (let i = 0; i < W2.length; i++) W2[i] = (2 * rnd() - 1) * a2;
  return [W1, new Float32Array(N_HID), W2, new Float32Array(N_OUT)];
}

async function referenceWorkload({ x, y, rows, trainRows, minSecs, reps = 3, batches = [32, 128, 512] }) {
  tf.wasm.setWasmPaths(new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", self.location.href).href);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  tf.enableProdMode();
  const X = tf.tensor2d(Float32Array.from(x), [rows, N_IN]);
  const Y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(y), "int32"), N_OUT), "float32"));
  const W1 = tf.variable(tf.zeros([N_IN, N_HID])), b1 = tf.variable(tf.zeros([N_HID]));
  const W2 = tf.variable(tf.zeros([N_HID, N_OUT])), b2 = tf.variable(tf.zeros([N_OUT]));
  const vars = [W1, b1, W2, b2];
  const baseline = tf.memory().numTensors;
  const scales = new Map(); // lr / B, one scalar per batch length, created once
  const scaleFor = (n) => {
    if (!scales.has(n)) scales.set(n, tf.keep(tf.scalar(LR / n)));
    return scales.get(n);
  };
  const mmT = (a, b) => tf.matMul(tf.transpose(a), b); // aᵀ·b as a plain product
  const mmBT = (a, b) => tf.matMul(a, tf.transpose(b)); // a·bᵀ as a plain product
  const trainBatch = (idx) => tf.tidy(() => {
    const rowsOf = tf.tensor1d(idx, "int32"), xb = tf.gather(X, rowsOf), yb = tf.gather(Y, rowsOf);
    const h = tf.fused.matMul({ a: xb, b: W1, bias: b1, activation: "relu" });
    const logits = tf.fused.matMul({ a: h, b: W2, bias: b2 });
    const g = tf.mul(tf.sub(tf.softmax(logits), yb), scaleFor(idx.length)); // dLoss/dlogits · lr
    const dh = tf.mul(mmBT(g, W2), tf.step(h)); // through the ReLU, with the old W2
    W2.assign(tf.sub(W2, mmT(h, g)));
    b2.assign(tf.sub(b2, tf.sum(g, 0)));
    W1.assign(tf.sub(W1, mmT(xb, dh)));
    b1.assign(tf.sub(b1, tf.sum(dh, 0)));
  });
  const newRun = () => {
    tf.tidy(() => initialWeights().forEach((w, i) => vars[i].assign(tf.tensor(w, vars[i].shape))));
    return { order: Int32Array.from({ length: trainRows }, (_, i) => i), rnd: mulberry32(SHUFFLE_SEED) };
  };
  const epoch = ({ order, rnd }, batch) => {
    for (let i = trainRows - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    for (let s = 0; s < trainRows; s += batch) trainBatch(order.subarray(s, Math.min(s + batch, trainRows)));
  };
  const valAccuracy = () => {
    const pred = tf.tidy(() => tf.argMax(tf.fused.matMul({
      a: tf.fused.matMul({ a: tf.slice(X, [trainRows, 0], [rows - trainRows, N_IN]), b: W1, bias: b1, activation: "relu" }),
      b: W2, bias: b2,
    }), 1));
    const p = pred.dataSync();
    pred.dispose();
    let ok = 0;
    for (let i = 0; i < p.length; i++) ok += p[i] === y[trainRows + i] ? 1 : 0;
    return ok / p.length;
  };
  const time = async (batch) => {
    const run = newRun();
    epoch(run, batch); // warm-up, not timed
    await W1.data();
    let epochs = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < minSecs * 1000) {
      epoch(run, batch);
      epochs++;
      t1 = performance.now();
    }
    await W1.data(); // the queued work is done
    t1 = performance.now();
    return (epochs * trainRows) / ((t1 - t0) / 1000);
  };

  const run20 = newRun();
  for (let e = 0; e < 20; e++) epoch(run20, 32);
  const valAcc20 = valAccuracy();
  const perBatch = new Map(batches.map((b) => [b, []]));
  for (let r = 0; r < reps; r++) for (const b of batches) perBatch.get(b).push(await time(b)); // rounds
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return {
    workload: "digits-mlp128-sgd",
    version: tf.version_core,
    backend: tf.getBackend(),
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    prod: tf.env().getBool("PROD"),
    config: "fused matMul+bias+ReLU forward, transpose + plain matMul (XNNPACK), lr/B folded in, prod mode, Web Worker",
    leaked_tensors: tf.memory().numTensors - baseline - scales.size,
    results: batches.map((b) => ({
      batch_size: b,
      samples_per_sec: median(perBatch.get(b)),
      ...(b === 32 ? { val_acc_20ep: valAcc20 } : {}),
      reps: perBatch.get(b),
    })),
  };
}

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ result: await referenceWorkload(data) });
  } catch (e) {
    self.postMessage({ error: `${(e && e.stack) || e}` });
  }
};
