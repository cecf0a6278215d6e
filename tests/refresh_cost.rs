//! The cost of a refresh: `cmek plan --sandbox` over 50 AWS keys, counted in the sandbox's
//! request log (`.cmek/sandbox/requests.jsonl`, one line per request served, logged before it
//! runs). Budget per key: at most 3 calls (DescribeKey + GetKeyPolicy + GetKeyRotationStatus);
//! a key whose spec declares tags costs one ListResourceTags more (a key holds at most 50 tags,
//! one page), and only those keys. Per run: ListAliases pages (⌈aliases/100⌉ per region) and one
//! STS GetCallerIdentity. Nothing else may be called, whatever `-parallelism` is.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use cmek::sandbox::log::RequestLog;

const KEYS: usize = 50;
/// Keys `k00`..`k09` declare tags; the other 40 do not.
const TAGGED: usize = 10;
const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn spec(keys: usize) -> String {
    let mut s = format!(
        "anthropic {{\n  organization_uuid = \"{ORG}\"\n}}\n\nprovider \"aws\" {{\n  region = \"us-east-2\"\n}}\n"
    );
    for i in 0..keys {
        s.push_str(&format!(
            "\nkey \"aws\" \"k{i:02}\" {{\n  region = \"us-east-2\"\n  alias = \"alias/cost-{i:02}\"\n  description = \"key {i}\"\n{}}}\n",
            if i < TAGGED {
                "  tags = { team = \"security\" }\n"
            } else {
                ""
            }
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
    let per_key_calls = get("DescribeKey")
        + get("GetKeyPolicy")
        + get("GetKeyRotationStatus")
        + get("ListResourceTags");
    eprintln!(
        "{label}: {keys} keys ({TAGGED} with tags), {counts:?}; {:.2} KMS calls/key",
        per_key_calls as f64 / keys as f64,
    );
    // Untagged keys: 3 calls each; tagged keys: 3 + their one tag page.
    assert!(
        per_key_calls <= 3 * keys + TAGGED,
        "{label}: {per_key_calls} per-key calls for {keys} keys ({TAGGED} tagged): {counts:?}"
    );
    assert_eq!(
        get("ListResourceTags"),
        TAGGED,
        "{label}: tags are read for the keys that declare tags, and only for them: {counts:?}"
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
fn planning_fifty_keys_stays_within_three_calls_per_key_plus_listings() {
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
