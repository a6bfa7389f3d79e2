//! The reference workload (../shared/reference-workload.md), natively: digits, MLP 64-128-10 (ReLU),
//! cross-entropy, plain SGD at η = 0.1, one epoch of updates per iteration (validation excluded),
//! at B = 32, 128 and 512. Criterion reports the throughput in training samples per second.

use batchlab_trainer::data::digits;
use batchlab_trainer::{BatchSize, RunConfig, Trainer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn reference(c: &mut Criterion) {
    let data = digits().expect("the digits are compiled in");
    let n = data.train_len();
    let mut group = c.benchmark_group("digits-mlp128-sgd");
    group.throughput(Throughput::Elements(n as u64)).measurement_time(Duration::from_secs(4)).sample_size(20);
    for batch_size in [32, 128, 512] {
        let config =
            RunConfig { batch_size: BatchSize::Examples(batch_size), steps: Some(100_000_000), ..RunConfig::default() };
        let mut trainer = Trainer::new(config, data.clone());
        let steps_per_epoch = n.div_ceil(batch_size);
        group.bench_function(format!("B={batch_size}"), |b| {
            b.iter(|| {
                for _ in 0..steps_per_epoch {
                    std::hint::black_box(trainer.update());
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, reference);
criterion_main!(benches);
