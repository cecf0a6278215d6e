//! Plan core at scale: diff + ordering + safety, and rendering, for 1,000 and 10,000 AWS keys,
//! each with one registration and two workspaces. Two worlds: "from scratch" (every key is
//! created, registered, verified and attached: ~5 actions per key) and "converged" (nothing to
//! do; measures the refresh-compare path). Uses the test double oracle from tests/common (it
//! renders and evaluates policies for real, with a small evaluator).
//!
//! Run: `cargo bench --bench plan` (add `-- --quick` for a short run).

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use cmek::plan::make_plan;
use cmek::plan::render::{json, markdown, text};
use common::oracle::TestOracle;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let desired = common::many(n);
        let (prior0, observed0) = common::from_scratch(&desired);
        let (prior1, observed1) = common::converged(&desired);

        group.bench_function(format!("diff+safety/from_scratch/{n}"), |b| {
            b.iter(|| make_plan(black_box(&desired), &prior0, &observed0, &TestOracle))
        });
        group.bench_function(format!("diff+safety/converged/{n}"), |b| {
            b.iter(|| make_plan(black_box(&desired), &prior1, &observed1, &TestOracle))
        });

        let Ok(plan) = make_plan(&desired, &prior0, &observed0, &TestOracle) else {
            panic!("plan failed");
        };
        group.bench_function(format!("render/text/{n}"), |b| {
            b.iter(|| text::render(black_box(&plan), false))
        });
        group.bench_function(format!("render/markdown_split/{n}"), |b| {
            b.iter(|| markdown::split(black_box(&plan), markdown::GITHUB_COMMENT_LIMIT))
        });
        group.bench_function(format!("render/json/{n}"), |b| {
            b.iter(|| json::render(black_box(&plan)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
