"""The reference workload (../shared/reference-workload.md) in numpy float32, for `cargo xtask bench`:
MLP 64-128-10 (ReLU), softmax cross-entropy averaged over the batch, plain SGD at lr 0.1, He-initialised
weights, each epoch in a shuffled order with the short last batch kept, backward pass by hand.
Training samples per second after one warm-up epoch, over at least SECS per batch size, median of 3.
Run with one BLAS thread (xtask sets OPENBLAS_NUM_THREADS=1 and friends). Prints one JSON object."""
import gzip, json, os, sys, time

import numpy as np

SECS = float(os.environ.get("BATCHLAB_BENCH_SECS", "3"))
TRAIN_ROWS = 1437
here = os.path.dirname(os.path.abspath(__file__))
with gzip.open(os.path.join(here, "../../../assets/digits.csv.gz"), "rt") as f:
    table = np.loadtxt(f, delimiter=",", dtype=np.float32)[:TRAIN_ROWS]
x = table[:, :-1] / np.float32(16)
y = np.eye(10, dtype=np.float32)[table[:, -1].astype(int)]
rng = np.random.default_rng(1)
lr = np.float32(0.1)
results = []
for batch_size in (32, 128, 512):
    w1 = (rng.standard_normal((64, 128)) * np.sqrt(2 / 64)).astype(np.float32)
    b1 = np.zeros(128, np.float32)
    w2 = (rng.standard_normal((128, 10)) * np.sqrt(2 / 128)).astype(np.float32)
    b2 = np.zeros(10, np.float32)

    def epoch():
        global w1, b1, w2, b2
        order = rng.permutation(TRAIN_ROWS)
        for at in range(0, TRAIN_ROWS, batch_size):
            idx = order[at:at + batch_size]
            xb, yb = x[idx], y[idx]
            z1 = xb @ w1 + b1
            h = np.maximum(z1, 0)
            logits = h @ w2 + b2
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            d_logits = (p - yb) / np.float32(len(idx))
            dw2, db2 = h.T @ d_logits, d_logits.sum(axis=0)
            dz1 = (d_logits @ w2.T) * (z1 > 0)
            dw1, db1 = xb.T @ dz1, dz1.sum(axis=0)
            w1 -= lr * dw1; b1 -= lr * db1; w2 -= lr * dw2; b2 -= lr * db2

    epoch()
    rates = []
    for _ in range(3):
        start, samples = time.perf_counter(), 0
        while True:
            epoch()
            samples += TRAIN_ROWS
            elapsed = time.perf_counter() - start
            if elapsed >= SECS:
                break
        rates.append(samples / elapsed)
    results.append({"batch_size": batch_size, "samples_per_sec": sorted(rates)[1]})
json.dump({"workload": "digits-mlp128-sgd", "numpy": np.__version__, "results": results}, sys.stdout)
print()
