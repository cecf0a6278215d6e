//! `examples/ci/github-actions.yml`, the workflow the README's "Reviewing policy changes in pull
//! requests" section points to: it is well-formed (checked structurally: no YAML parser is a
//! dependency), it runs the commands the README promises, and every `cmek` invocation in it
//! parses with the real command line (so a renamed flag breaks this test, not a user's CI).

use std::path::Path;

use clap::Parser;
use cmek::cli::Cli;

fn workflow() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/github-actions.yml"),
    )
    .unwrap()
}

/// Every `cmek ...` command line of the workflow's `run:` steps, with the workflow's env
/// variables substituted, redirections and `|| ...` tails cut off.
fn cmek_invocations(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        let command = trimmed.strip_prefix("run: ").unwrap_or(trimmed);
        let Some(command) = command.strip_prefix("cmek ") else {
            continue;
        };
        let command = command
            .split(" || ")
            .next()
            .unwrap()
            .split(" > ")
            .next()
            .unwrap()
            .replace("\"$KEYS_DIR\"", "keys")
            .replace("\"$REVIEWS_DIR\"", "keys/reviews");
        let mut args = vec!["cmek".to_string()];
        args.extend(command.split_whitespace().map(str::to_string));
        out.push(args);
    }
    out
}

#[test]
fn the_workflow_is_structurally_valid_yaml() {
    let text = workflow();
    assert!(!text.contains('\t'), "YAML forbids tabs for indentation");
    for top in ["name:", "on:", "permissions:", "env:", "jobs:"] {
        assert!(
            text.lines().any(|l| l.starts_with(top)),
            "missing top-level `{top}`"
        );
    }
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        assert!(
            line.trim().is_empty() || indent % 2 == 0,
            "line {}: odd indentation: {line:?}",
            n + 1
        );
        assert!(!line.ends_with(' '), "line {}: trailing whitespace", n + 1);
    }
    // Each job runs somewhere and has steps.
    let jobs = text.split("\njobs:\n").nth(1).unwrap();
    let names: Vec<&str> = jobs
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .collect();
    assert_eq!(names, ["  check:", "  apply:", "  verify:"]);
    assert_eq!(jobs.matches("    runs-on: ubuntu-latest").count(), 3);
    assert_eq!(jobs.matches("\n    steps:\n").count(), 3);
}

#[test]
fn the_workflow_runs_the_promised_commands() {
    let text = workflow();
    let runs: Vec<String> = cmek_invocations(&text)
        .iter()
        .map(|a| a.join(" "))
        .collect();
    for expected in [
        "cmek fmt --check keys",
        "cmek lint keys --format sarif",
        "cmek review keys --check keys/reviews",
        "cmek plan keys --format markdown --detailed-exitcode",
        "cmek apply keys --auto-approve --lock-timeout 5m",
        "cmek verify keys --lock-timeout 5m",
    ] {
        assert!(
            runs.iter().any(|r| r == expected),
            "`{expected}` is not run; the workflow runs:\n{}",
            runs.join("\n")
        );
    }
    assert!(text.contains("github/codeql-action/upload-sarif@"));
    assert!(text.contains("sarif_file: cmek.sarif"));
    assert!(text.contains("gh pr comment \"$PR\" --body-file plan.md"));
    assert!(text.contains("security-events: write"));
    assert!(text.contains("pull-requests: write"));
}

#[test]
fn every_cmek_invocation_parses_with_the_real_cli() {
    let invocations = cmek_invocations(&workflow());
    assert!(invocations.len() >= 6);
    for args in invocations {
        if let Err(e) = Cli::try_parse_from(&args) {
            panic!("`{}` does not parse:\n{e}", args.join(" "));
        }
    }
}

#[test]
fn the_readme_points_to_the_workflow() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("### Reviewing policy changes in pull requests"));
    assert!(readme.contains("examples/ci/github-actions.yml"));
}
