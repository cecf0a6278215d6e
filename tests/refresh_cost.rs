//! The cost of a refresh: `cmek plan --sandbox` over 50 AWS keys, counted in the sandbox's
//! request log (`.cmek/sandbox/requests.jsonl`, one line per request served, logged before it
//! runs). Budget per key: DescribeKey + GetKeyPolicy + GetKeyRotationStatus (≤ 3 reads) and one
//! ListResourceTags page (a key holds at most 50 tags, one page); per run: ListAliases pages
//! (⌈aliases/100⌉ per region) and one STS GetCallerIdentity. Nothing else may be called,
//! whatever `-parallelism` is.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use cmek::sandbox::log::RequestLog;

const KEYS: usize = 50;
const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn spec(keys: usize) -> String {
    let mut s = format!(
        "anthropic {{\n  organization_uuid = \"{ORG}\"\n}}\n\nprovider \"aws\" {{\n  region = \"us-east-2\"\n}}\n"
    );
    for i in 0..keys {
        s.push_str(&format!(
            "\nkey \"aws\" \"k{i:02}\" {{\n  region = \"us-east-2\"\n  alias = \"alias/cost-{i:02}\"\n  description = \"key {i}\"\n  tags = {{ team = \"security\" }}\n}}\n"
        ));
    }
    s
}

fn cmek(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("cmek")
        .unwrap()
        .current_dir(dir)
        .env_remove("ANTHROPIC_ADMIN_API_KEY")
        .env("NO_COLOR", "1")
        .arg("--sandbox")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn log_len(dir: &Path) -> usize {
    RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl"))
        .unwrap()
        .len()
}

/// AWS requests by operation since entry `from`.
fn aws_calls_since(dir: &Path, from: usize) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl"))
        .unwrap()
        .into_iter()
        .skip(from)
        .filter(|e| e.service == "aws-kms")
    {
        *counts.entry(e.operation).or_insert(0) += 1;
    }
    counts
}

fn assert_within_budget(counts: &BTreeMap<String, usize>, keys: usize, label: &str) {
    let get = |op: &str| counts.get(op).copied().unwrap_or(0);
    let per_key_reads = get("DescribeKey") + get("GetKeyPolicy") + get("GetKeyRotationStatus");
    eprintln!(
        "{label}: {keys} keys, {counts:?}; {:.2} reads/key + {:.2} ListResourceTags/key",
        per_key_reads as f64 / keys as f64,
        get("ListResourceTags") as f64 / keys as f64
    );
    assert!(
        per_key_reads <= 3 * keys,
        "{label}: {per_key_reads} key reads for {keys} keys (> 3/key): {counts:?}"
    );
    assert!(
        get("ListResourceTags") <= keys,
        "{label}: more than one tag page per key: {counts:?}"
    );
    // One region, at most 100 aliases per page.
    assert!(
        get("ListAliases") <= keys.div_ceil(100),
        "{label}: {counts:?}"
    );
    assert!(get("sts:GetCallerIdentity") <= 1, "{label}: {counts:?}");
    let known = [
        "DescribeKey",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "ListResourceTags",
        "ListAliases",
        "sts:GetCallerIdentity",
    ];
    let other: Vec<_> = counts
        .keys()
        .filter(|op| !known.contains(&op.as_str()))
        .collect();
    assert!(other.is_empty(), "{label}: unexpected calls {other:?}");
}

#[test]
fn planning_fifty_keys_stays_within_three_reads_per_key_plus_listings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.cmek.hcl"), spec(KEYS)).unwrap();
    let (code, out) = cmek(dir, &["apply", "--auto-approve", "."]);
    assert_eq!(code, 0, "{out}");

    for parallelism in [None, Some("1"), Some("64")] {
        let from = log_len(dir);
        let mut args = vec!["plan", "--detailed-exitcode"];
        if let Some(n) = parallelism {
            args.extend(["--parallelism", n]);
        }
        args.push(".");
        let (code, out) = cmek(dir, &args);
        assert_eq!(code, 0, "converged plan:\n{out}");
        // No progress bar in a pipe.
        assert!(!out.contains("refreshing keys"), "{out}");
        let counts = aws_calls_since(dir, from);
        assert_eq!(
            counts.get("DescribeKey").copied().unwrap_or(0),
            KEYS,
            "every key is read once: {counts:?}"
        );
        assert_within_budget(
            &counts,
            KEYS,
            &format!("plan -parallelism {}", parallelism.unwrap_or("default")),
        );
    }
}
