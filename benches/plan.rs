//! Plan core at scale, with the real policy library (`engine::oracle::LibraryOracle`, the
//! oracle `cmek plan` uses): diff + ordering + safety, plan-time lint, the config fingerprint,
//! and rendering (text, markdown split for PR comments, JSON) for 1,000 and 10,000 AWS keys, each
//! with one registration and two workspaces. Two worlds: "from scratch" (every key is created,
//! registered, verified and attached: 5 actions per key) and "converged" (nothing to do;
//! measures the refresh-compare path).
//!
//! After each size the bench prints the process's peak resident set size for that size (the
//! kernel's high-water mark `VmHWM`, reset through `/proc/self/clear_refs` before each size).
//!
//! Run: `cargo bench --bench plan` (add `-- --quick` for a short run).

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::Path;

use cmek::engine::oracle::LibraryOracle;
use cmek::engine::session::config_fingerprint;
use cmek::lint::engine::lint_desired;
use cmek::plan::make_plan;
use cmek::plan::render::{json, markdown, text};
use criterion::{Criterion, criterion_group, criterion_main};

/// Resets the peak RSS counter (Linux; silently nothing elsewhere).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak RSS since the last reset, in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench(c: &mut Criterion) {
    let oracle = LibraryOracle::new();
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        reset_peak_rss();
        let desired = common::many(n);
        let (prior0, observed0) = common::from_scratch(&desired);
        let (prior1, observed1) = common::converged_with(&desired, &oracle);

        let Ok(converged) = make_plan(&desired, &prior1, &observed1, &oracle) else {
            panic!("plan failed");
        };
        assert!(
            converged.actions.is_empty(),
            "the converged world has {} actions",
            converged.actions.len()
        );

        group.bench_function(format!("diff+safety/from_scratch/{n}"), |b| {
            b.iter(|| make_plan(black_box(&desired), &prior0, &observed0, &oracle))
        });
        group.bench_function(format!("diff+safety/converged/{n}"), |b| {
            b.iter(|| make_plan(black_box(&desired), &prior1, &observed1, &oracle))
        });
        group.bench_function(format!("lint/{n}"), |b| {
            b.iter(|| lint_desired(Path::new("."), black_box(&desired)))
        });
        group.bench_function(format!("config_fingerprint/{n}"), |b| {
            b.iter(|| config_fingerprint(black_box(&desired)))
        });

        let Ok(plan) = make_plan(&desired, &prior0, &observed0, &oracle) else {
            panic!("plan failed");
        };
        assert_eq!(plan.actions.len(), 5 * n);
        group.bench_function(format!("render/text/{n}"), |b| {
            b.iter(|| text::render(black_box(&plan), false))
        });
        group.bench_function(format!("render/markdown_split/{n}"), |b| {
            b.iter(|| markdown::split(black_box(&plan), markdown::GITHUB_COMMENT_LIMIT))
        });
        group.bench_function(format!("render/json/{n}"), |b| {
            b.iter(|| json::render(black_box(&plan)))
        });
        if let Some(mib) = peak_rss_mib() {
            println!("plan/{n}: peak RSS {mib:.1} MiB");
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
