// The reference workload (../shared/reference-workload.md) in TensorFlow.js 4.22 on its wasm backend
// (SIMD, one thread), with the backward pass written out by hand as BatchLab's is: MLP 64-128-10
// (ReLU), softmax cross-entropy averaged over the batch, plain SGD at η = 0.1, He-initialised
// weights, each epoch in a shuffled order with the short last batch kept. The figure is training
// samples per second after one warm-up epoch, over at least `minSecs` per batch size, median of 3.
/* global tf */
async function referenceWorkload({ x, y, rows, minSecs }) {
  tf.wasm.setWasmPaths("../node_modules/@tensorflow/tfjs-backend-wasm/dist/");
  await tf.setBackend("wasm");
  const features = x.length / rows;
  const X = tf.tensor2d(x, [rows, features]);
  const Y = tf.cast(tf.oneHot(tf.tensor1d(y, "int32"), 10), "float32");
  let seed = 1;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const he = (fanIn, shape) => tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", 1);
  const lr = tf.scalar(0.1);
  const result = { workload: "digits-mlp128-sgd", backend: tf.getBackend(), version: tf.version_core, results: [] };
  for (const batchSize of [32, 128, 512]) {
    const W1 = tf.variable(he(features, [features, 128]));
    const b1 = tf.variable(tf.zeros([128]));
    const W2 = tf.variable(he(128, [128, 10]));
    const b2 = tf.variable(tf.zeros([10]));
    const step = (idx) => tf.tidy(() => {
      const xb = tf.gather(X, idx);
      const yb = tf.gather(Y, idx);
      const z1 = tf.add(tf.matMul(xb, W1), b1);
      const h = tf.relu(z1);
      const p = tf.softmax(tf.add(tf.matMul(h, W2), b2));
      const dLogits = tf.div(tf.sub(p, yb), idx.shape[0]);
      const dW2 = tf.matMul(h, dLogits, true, false);
      const db2 = tf.sum(dLogits, 0);
      const dz1 = tf.mul(tf.matMul(dLogits, W2, false, true), tf.step(z1));
      const dW1 = tf.matMul(xb, dz1, true, false);
      const db1 = tf.sum(dz1, 0);
      W1.assign(tf.sub(W1, tf.mul(lr, dW1)));
      b1.assign(tf.sub(b1, tf.mul(lr, db1)));
      W2.assign(tf.sub(W2, tf.mul(lr, dW2)));
      b2.assign(tf.sub(b2, tf.mul(lr, db2)));
    });
    const epoch = () => {
      const order = [...Array(rows).keys()];
      for (let i = rows - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let at = 0; at < rows; at += batchSize) {
        const idx = tf.tensor1d(order.slice(at, at + batchSize), "int32");
        step(idx);
        idx.dispose();
      }
      W1.dataSync(); // the epoch's work is done, not queued
    };
    epoch();
    const rates = [];
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      let samples = 0;
      let secs = 0;
      do {
        epoch();
        samples += rows;
        secs = (performance.now() - start) / 1000;
      } while (secs < minSecs);
      rates.push(samples / secs);
    }
    rates.sort((a, b) => a - b);
    result.results.push({ batch_size: batchSize, samples_per_sec: rates[1] });
    [W1, b1, W2, b2].forEach((v) => v.dispose());
  }
  return result;
}
window.referenceWorkload = referenceWorkload;
