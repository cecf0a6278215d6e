//! `cmek lint` at scale: generates a spec of 1,000 and of 10,000 keys with realistic access
//! (AWS keys with rendered policies and with `policy = file(...)` documents naming admins,
//! Anthropic's role, the org condition and 20 workspace compartments; GCP and Azure keys), a
//! registration and a workspace per key, then lints each spec in-process and reports the wall
//! time.
//!
//! Run: `cargo bench --bench lint`. Write a spec to disk for measuring the release binary:
//! `cargo bench --bench lint -- --write DIR N`, then
//! `/usr/bin/time -v target/release/cmek lint DIR` (wall time and maximum resident set size).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use cmek::lint::{LintOptions, lint_paths_retaining};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/// A current-docs key policy with `admins`, the crypto statement (org condition plus
/// compartments), the describe statement and the existing-data statement.
fn policy(i: usize) -> String {
    let compartments: Vec<String> = std::iter::once("00000000-0000-0000-0000-000000000000".into())
        .chain((0..20).map(|w| format!("{:08x}-{:04x}-4abc-8def-{:012x}", i, w, i * 100 + w)))
        .collect();
    let list = compartments
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "AccountRootAdmin",
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::111122223333:root"}},
      "Action": "kms:*",
      "Resource": "*"
    }},
    {{
      "Sid": "KeyAdmins",
      "Effect": "Allow",
      "Principal": {{"AWS": ["arn:aws:iam::111122223333:role/KeyAdmin", "arn:aws:iam::111122223333:role/SecurityAudit"]}},
      "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Enable*", "kms:TagResource", "kms:UntagResource"],
      "Resource": "*"
    }},
    {{
      "Sid": "AllowAnthropicCMEKCrypto",
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"}},
      "Action": ["kms:Encrypt", "kms:Decrypt"],
      "Resource": "*",
      "Condition": {{
        "StringEquals": {{"kms:EncryptionContext:anthropic:org_uuid": ["{ORG}"]}},
        "StringEqualsIfExists": {{"kms:EncryptionContext:anthropic:compartment_uuid": [{list}]}}
      }}
    }},
    {{
      "Sid": "AllowAnthropicCMEKDescribe",
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"}},
      "Action": "kms:DescribeKey",
      "Resource": "*"
    }},
    {{
      "Sid": "AllowAnthropicCMEKDecryptExistingData",
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"}},
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {{"StringEquals": {{"kms:EncryptionContext:anthropic:compartment_uuid": [{list}]}}}}
    }}
  ]
}}
"#
    )
}

/// Write a spec of `n` keys (a quarter each: AWS rendered, AWS `policy = file(...)`, GCP,
/// Azure), each with a registration and a workspace, to `dir`.
fn write_spec(dir: &Path, n: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("policies"))?;
    let mut main = format!(
        "anthropic {{\n  organization_uuid = \"{ORG}\"\n  platform          = \"claude_platform\"\n}}\n\n\
         provider \"aws\" {{\n  region = \"us-east-2\"\n}}\n\nprovider \"gcp\" {{\n  project = \"acme-prod\"\n}}\n\n\
         provider \"azure\" {{\n  tenant_id       = \"063624e3-d285-48ca-a9e8-6d687767a0b1\"\n  subscription_id = \"7a2f66f2-d7c7-4375-8601-1b7c9d4f3aba\"\n}}\n\n\
         variable \"admins\" {{\n  default = [\"arn:aws:iam::111122223333:role/KeyAdmin\"]\n}}\n"
    );
    // Split into files of 500 keys, as a real repository would.
    let mut files: Vec<String> = Vec::new();
    for i in 0..n {
        if i % 500 == 0 {
            files.push(String::new());
        }
        let Some(out) = files.last_mut() else { break };
        let name = format!("k{i:05}");
        let cloud = match i % 4 {
            0 => {
                let _ = write!(
                    out,
                    "\nkey \"aws\" \"{name}\" {{\n  region = \"us-east-2\"\n  alias  = \"alias/cmek-{name}\"\n  admins = var.admins\n  tags   = {{ team = \"t{}\" }}\n}}\n",
                    i % 10
                );
                "aws"
            }
            1 => {
                std::fs::write(dir.join(format!("policies/{name}.json")), policy(i))?;
                let _ = write!(
                    out,
                    "\nkey \"aws\" \"{name}\" {{\n  region = \"us-east-2\"\n  policy = file(\"policies/{name}.json\")\n}}\n"
                );
                "aws"
            }
            2 => {
                let _ = write!(
                    out,
                    "\nkey \"gcp\" \"{name}\" {{\n  project          = \"acme-prod\"\n  location         = \"us-east5\"\n  key_ring         = \"anthropic-cmek\"\n  name             = \"{name}\"\n  protection_level = \"HSM\"\n  rotation_period  = \"90d\"\n}}\n"
                );
                "gcp"
            }
            _ => {
                let _ = write!(
                    out,
                    "\nkey \"azure\" \"{name}\" {{\n  vault_uri = \"https://acme-cmek.vault.azure.net/\"\n  tenant_id = \"063624e3-d285-48ca-a9e8-6d687767a0b1\"\n  name      = \"{name}\"\n  key_type  = \"RSA-HSM\"\n  key_size  = 3072\n}}\n"
                );
                "azure"
            }
        };
        let _ = write!(
            out,
            "\nexternal_key \"{name}\" {{\n  key          = key.{cloud}.{name}\n  display_name = \"CMEK {name}\"\n}}\n\n\
             workspace \"{name}\" {{\n  id           = \"wrkspc_01Jw{i:016}\"\n  external_key = external_key.{name}\n}}\n"
        );
    }
    std::fs::write(dir.join("main.cmek.hcl"), main.split_off(0))?;
    for (i, f) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("keys{i:03}.cmek.hcl")), f)?;
    }
    Ok(())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--write") {
        let (Some(dir), Some(n)) = (args.get(pos + 1), args.get(pos + 2)) else {
            eprintln!("usage: --write DIR N");
            std::process::exit(2);
        };
        let Ok(n) = n.parse() else {
            eprintln!("N must be a number");
            std::process::exit(2);
        };
        if let Err(e) = write_spec(Path::new(dir), n) {
            eprintln!("cannot write {dir}: {e}");
            std::process::exit(1);
        }
        return;
    }
    // `cargo test --benches` runs this with `--bench` absent: keep that run short.
    let quick = !args.iter().any(|a| a == "--bench");
    let sizes: &[usize] = if quick { &[100] } else { &[1_000, 10_000] };
    let Ok(tmp) = tempfile::tempdir() else {
        eprintln!("no temporary directory");
        std::process::exit(1);
    };
    for &n in sizes {
        let dir = tmp.path().join(format!("spec{n}"));
        if let Err(e) = write_spec(&dir, n) {
            eprintln!("cannot write the spec: {e}");
            std::process::exit(1);
        }
        let runs = if n >= 10_000 { 3 } else { 7 };
        let mut times = Vec::new();
        let mut findings = 0;
        for _ in 0..runs {
            // Timed like `cmek lint`, which exits without freeing what it read: freeing the
            // inputs happens after the clock stops.
            let start = Instant::now();
            let (report, inputs) =
                lint_paths_retaining(std::slice::from_ref(&dir), &LintOptions::default());
            times.push(start.elapsed());
            drop(inputs);
            assert!(report.errors.is_empty(), "{:?}", report.errors);
            findings = report.findings.len();
        }
        println!(
            "lint/{n} keys: median {:.1} ms, min {:.1} ms over {runs} runs ({findings} findings)",
            median(times.clone()).as_secs_f64() * 1e3,
            times.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        );
    }
}
