//! Evaluates 100,000 requests against realistic key policies: the rendered current-docs policy
//! of a key serving 50 workspaces (with admins and the existing-data statement), the console
//! wizard's policy, and a policy using every operator family.
//!
//! Run: `cargo bench --bench policy_eval -- --quick`.

use std::hint::black_box;

use cmek::policy::aws::{
    CompiledPolicy, PolicyDocument, Request, RequestPrincipal, parse_policy_text,
};
use cmek::policy::render::aws::{
    AwsAccessInput, CompartmentStatus, CompartmentUse, render_aws_policy,
};
use cmek::spec::model::Platform;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 100_000;
const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const KEY_ARN: &str = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";

fn compartment(i: usize) -> String {
    format!("{i:08x}-4b2c-4f8e-9a1d-5c6b7e8f9a0b")
}

fn rendered_policy() -> PolicyDocument {
    let input = AwsAccessInput {
        platform: Platform::ClaudePlatform,
        account_id: "111122223333".into(),
        region: "us-east-2".into(),
        admins: Some(vec![
            "arn:aws:iam::111122223333:role/KeyAdmin".into(),
            "arn:aws:iam::111122223333:role/BreakGlass".into(),
        ]),
        org_uuids: vec![ORG.into()],
        compartment_scoping: true,
        compartments: (1..=50)
            .map(|i| CompartmentUse {
                uuid: compartment(i),
                workspace_id: format!("wrkspc_{i}"),
                status: if i % 10 == 0 {
                    CompartmentStatus::FormerlyAttached
                } else {
                    CompartmentStatus::Attached
                },
            })
            .collect(),
        protects_pre_current_data: true,
        workspace_arns: vec![],
    };
    match render_aws_policy(&input) {
        Ok(doc) => doc,
        Err(e) => panic!("benchmark setup: {e}"),
    }
}

fn fixture(name: &str) -> PolicyDocument {
    let path = format!(
        "{}/tests/fixtures/policy/aws/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match parse_policy_text(&text) {
        Ok(p) => p.document,
        Err(e) => panic!("{path}: {e}"),
    }
}

/// A realistic mix: Anthropic traffic over 60 compartments (some not allowed), wrong-case org
/// UUIDs, validation, describe, and customer/foreign principals.
fn requests() -> Vec<Request> {
    let role = RequestPrincipal::aws(ROLE);
    let admin = RequestPrincipal::aws("arn:aws:iam::111122223333:role/KeyAdmin");
    let stranger = RequestPrincipal::aws("arn:aws:iam::999988887777:role/x");
    let upper = ORG.to_uppercase();
    (0..N)
        .map(|i| match i % 10 {
            0..=5 => Request::new(
                role.clone(),
                if i % 2 == 0 {
                    "kms:Encrypt"
                } else {
                    "kms:Decrypt"
                },
                KEY_ARN,
            )
            .with_encryption_context("anthropic:org_uuid", ORG)
            .with_encryption_context("anthropic:compartment_uuid", &compartment(i % 60 + 1)),
            6 => Request::new(role.clone(), "kms:DescribeKey", KEY_ARN),
            7 => Request::new(role.clone(), "kms:Decrypt", KEY_ARN)
                .with_encryption_context("anthropic:org_uuid", &upper)
                .with_encryption_context("anthropic:compartment_uuid", &compartment(3)),
            8 => Request::new(admin.clone(), "kms:PutKeyPolicy", KEY_ARN),
            _ => Request::new(stranger.clone(), "kms:ReEncryptFrom", KEY_ARN)
                .with("aws:SourceIp", "10.1.2.3"),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let requests = requests();
    let policies = [
        ("rendered_50_workspaces", rendered_policy()),
        ("console_wizard", fixture("console_wizard.json")),
        ("kitchen_sink", fixture("kitchen_sink.json")),
    ];
    let mut group = c.benchmark_group("policy_eval");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    for (name, doc) in &policies {
        let compiled = CompiledPolicy::new(doc);
        group.bench_function(format!("decide_100k/{name}"), |b| {
            b.iter(|| {
                let mut allowed = 0usize;
                for r in &requests {
                    if compiled.decide(black_box(r)).decision.is_allowed() {
                        allowed += 1;
                    }
                }
                black_box(allowed)
            })
        });
    }
    let compiled = CompiledPolicy::new(&policies[0].1);
    group.bench_function(
        "evaluate_with_explanation_100k/rendered_50_workspaces",
        |b| {
            b.iter(|| {
                let mut chars = 0usize;
                for r in &requests {
                    chars += compiled.evaluate(black_box(r)).explanation.len();
                }
                black_box(chars)
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
