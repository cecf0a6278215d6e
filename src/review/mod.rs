//! `cmek review`: one deterministic Markdown access review per key, for security reviewers who
//! read policy changes in code review (DESIGN §4).
//!
//! A review is built offline from the spec and, when present, the state's protection history:
//! - [`facts`]: what is known about each key offline (organizations, workspaces per spec and per
//!   state history, compartments, the AWS account), and how unknowns are shown;
//! - [`aws`], [`gcp`], [`azure`]: the access each cloud's key grants, in words, simulated against
//!   Anthropic's requests, who else may use it, and the policy in canonical form;
//! - [`markdown`]: the file layout shared by all clouds;
//! - [`findings`]: the lint findings of each key (`cmek lint` over the spec directory);
//! - [`files`]: writing a review directory (`--out`) and comparing with one (`--check`).
//!
//! With `--live` ([`ReviewExtras::live`]) an AWS key's review describes the key policy as just
//! read from AWS KMS instead of the one cmek renders.
//!
//! Invariants: offline, the output depends only on the spec and the state (no timestamps, no
//! absolute paths, no environment), every list is sorted, and two specs that mean the same (e.g.
//! an escape-hatch policy with reordered statements) give byte-identical reviews.

pub mod aws;
pub mod azure;
pub mod facts;
pub mod files;
pub mod findings;
pub mod gcp;
pub mod markdown;

use std::collections::BTreeMap;

use crate::address::Address;
use crate::observed::ObservedKey;
use crate::spec::model::{Desired, KeyKind};
use crate::state::State;

pub use files::{CheckOutcome, FileDiff, check_dir, is_review_file_name, write_dir};
pub use findings::{LintFindings, lint_findings};

/// One review file: its name (the key's address plus `.md`) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFile {
    pub name: String,
    pub content: String,
}

/// Why a review could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{address}: {message}")]
    Key { address: String, message: String },
    #[error(transparent)]
    Data(#[from] crate::policy::identities::DataError),
}

impl ReviewError {
    pub(crate) fn key(address: &Address, message: impl Into<String>) -> Self {
        ReviewError::Key {
            address: address.to_string(),
            message: message.into(),
        }
    }
}

/// The file name of a key's review: its address and `.md`.
pub fn file_name(address: &Address) -> String {
    format!("{address}.md")
}

/// What a review shows besides the spec and the state.
#[derive(Debug, Clone, Default)]
pub struct ReviewExtras {
    /// Lint findings per key; `None` leaves the "Lint findings" section out.
    pub findings: Option<LintFindings>,
    /// `--live`: the keys as just read from their providers. Keys absent here (not created
    /// yet, or of a cloud this build cannot read) are reviewed from the spec, with a note.
    pub live: Option<BTreeMap<Address, ObservedKey>>,
}

/// The reviews of every key in `desired` from the spec and the state alone (no lint section),
/// sorted by file name.
pub fn build_reviews(
    desired: &Desired,
    state: Option<&State>,
) -> Result<Vec<ReviewFile>, ReviewError> {
    build_reviews_with(desired, state, &ReviewExtras::default())
}

/// The reviews of every key in `desired`, with lint findings and live keys when given, sorted
/// by file name.
pub fn build_reviews_with(
    desired: &Desired,
    state: Option<&State>,
    extras: &ReviewExtras,
) -> Result<Vec<ReviewFile>, ReviewError> {
    let mut out = Vec::with_capacity(desired.keys.len());
    for key in desired.keys.values() {
        let facts = facts::KeyFacts::gather(desired, state, key);
        let live = extras.live.as_ref().map(|l| l.get(&key.address));
        let mut doc = match &key.kind {
            KeyKind::Aws(spec) => {
                let live_key = match live.flatten() {
                    Some(ObservedKey::Aws(k)) => Some(k),
                    _ => None,
                };
                aws::review(desired, key, spec, &facts, live_key)?
            }
            KeyKind::Gcp(spec) => gcp::review(desired, key, spec, &facts)?,
            KeyKind::Azure(spec) => azure::review(desired, key, spec, &facts)?,
        };
        match live {
            Some(Some(_)) if matches!(key.kind, KeyKind::Aws(_)) => doc.live = true,
            Some(_) => doc.notes.push(match &key.kind {
                KeyKind::Aws(_) => "the live key: it is not created yet (or not found), so the access shown is what cmek renders from the spec".to_string(),
                _ => "the live key: this build reads AWS keys only, so the access shown is what cmek renders from the spec".to_string(),
            }),
            None => {}
        }
        if let Some(findings) = &extras.findings {
            doc.findings = Some(match &findings.unavailable {
                Some(why) => Err(why.clone()),
                None => Ok(findings.of(&key.address.to_string()).to_vec()),
            });
        }
        out.push(ReviewFile {
            name: file_name(&key.address),
            content: markdown::render(&doc, &facts),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
