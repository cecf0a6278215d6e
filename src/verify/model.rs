//! The result of a verification run: one [`KeyResult`] per managed key, each with one
//! [`CheckResult`] per check (the round trip, the access simulation, one validate per
//! registration). Serialized as the `--format json` output (`format_version` 1).

use std::time::Duration;

use serde::Serialize;

/// Which check a row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// (a) a fresh 256-bit data key wrapped and unwrapped under the key, then an AES-256-GCM
    /// seal/open of a random canary with it.
    RoundTrip,
    /// (b) Anthropic's validation and traffic requests simulated against the live policy.
    Simulation,
    /// (c) Anthropic's `POST .../external_keys/{id}/validate`.
    Validate,
}

impl Check {
    /// The words in the table's CHECK column.
    pub fn words(self) -> &'static str {
        match self {
            Check::RoundTrip => "round trip",
            Check::Simulation => "simulation",
            Check::Validate => "anthropic validate",
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not applicable (e.g. validate for a key with no registration), with the reason.
    Skipped,
}

impl Outcome {
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One check of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub check: Check,
    pub result: Outcome,
    /// What passed, or why it failed or was skipped, in words.
    pub detail: String,
    /// Further reasons (one sentence each), e.g. one per distinct simulation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Wall-clock time of the check's remote calls and computation; `None` when it did not run.
    #[serde(rename = "latency_ms", serialize_with = "millis")]
    pub latency: Option<Duration>,
}

fn millis<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_millis() as u64)),
        None => s.serialize_none(),
    }
}

impl CheckResult {
    pub fn pass(check: Check, detail: impl Into<String>, latency: Duration) -> Self {
        CheckResult {
            check,
            result: Outcome::Pass,
            detail: detail.into(),
            reasons: Vec::new(),
            latency: Some(latency),
        }
    }

    pub fn fail(check: Check, detail: impl Into<String>, latency: Option<Duration>) -> Self {
        CheckResult {
            check,
            result: Outcome::Fail,
            detail: detail.into(),
            reasons: Vec::new(),
            latency,
        }
    }

    pub fn skipped(check: Check, detail: impl Into<String>) -> Self {
        CheckResult {
            check,
            result: Outcome::Skipped,
            detail: detail.into(),
            reasons: Vec::new(),
            latency: None,
        }
    }

    pub fn with_reasons(mut self, reasons: Vec<String>) -> Self {
        self.reasons = reasons;
        self
    }

    pub fn failed(&self) -> bool {
        self.result == Outcome::Fail
    }
}

/// Every check of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyResult {
    /// The spec/state address, e.g. `key.aws.prod`.
    pub address: String,
    /// The key's id at its provider (ARN), per state.
    pub remote_id: String,
    pub checks: Vec<CheckResult>,
}

impl KeyResult {
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(CheckResult::failed)
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub format_version: u32,
    /// True when no check of any key failed.
    pub passed: bool,
    /// Sorted by address.
    pub keys: Vec<KeyResult>,
    /// What was not verified and why (e.g. keys in the spec that are not created yet).
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub const FORMAT_VERSION: u32 = 1;

    pub fn new(mut keys: Vec<KeyResult>, notes: Vec<String>) -> Self {
        keys.sort_by(|a, b| a.address.cmp(&b.address));
        VerifyReport {
            format_version: Self::FORMAT_VERSION,
            passed: keys.iter().all(KeyResult::passed),
            keys,
            notes,
        }
    }

    /// Every failed check with its key, in table order.
    pub fn failures(&self) -> impl Iterator<Item = (&KeyResult, &CheckResult)> {
        self.keys
            .iter()
            .flat_map(|k| k.checks.iter().map(move |c| (k, c)))
            .filter(|(_, c)| c.failed())
    }

    /// (checks run, checks passed, checks failed, checks skipped).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let all = self.keys.iter().flat_map(|k| &k.checks);
        let (mut pass, mut fail, mut skip) = (0, 0, 0);
        for c in all {
            match c.result {
                Outcome::Pass => pass += 1,
                Outcome::Fail => fail += 1,
                Outcome::Skipped => skip += 1,
            }
        }
        (pass + fail + skip, pass, fail, skip)
    }
}
