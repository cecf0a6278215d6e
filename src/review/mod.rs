//! `cmek review`: one deterministic Markdown access review per key, for security reviewers who
//! read policy changes in code review (DESIGN §4).
//!
//! A review is built offline from the spec and, when present, the state's protection history:
//! - [`facts`]: what is known about each key offline (organizations, workspaces per spec and per
//!   state history, compartments, the AWS account), and how unknowns are shown;
//! - [`aws`], [`gcp`], [`azure`]: the access each cloud's key grants, in words, simulated against
//!   Anthropic's requests, who else may use it, and the policy in canonical form;
//! - [`markdown`]: the file layout shared by all clouds;
//! - [`files`]: writing a review directory (`--out`) and comparing with one (`--check`).
//!
//! Invariants: the output depends only on the spec and the state (no timestamps, no absolute
//! paths, no environment), every list is sorted, and two specs that mean the same (e.g. an
//! escape-hatch policy with reordered statements) give byte-identical reviews.

pub mod aws;
pub mod azure;
pub mod facts;
pub mod files;
pub mod gcp;
pub mod markdown;

use crate::address::Address;
use crate::spec::model::{Desired, KeyKind};
use crate::state::State;

pub use files::{CheckOutcome, FileDiff, check_dir, is_review_file_name, write_dir};

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

/// The reviews of every key in `desired`, sorted by file name.
pub fn build_reviews(
    desired: &Desired,
    state: Option<&State>,
) -> Result<Vec<ReviewFile>, ReviewError> {
    let mut out = Vec::with_capacity(desired.keys.len());
    for key in desired.keys.values() {
        let facts = facts::KeyFacts::gather(desired, state, key);
        let body = match &key.kind {
            KeyKind::Aws(spec) => aws::review(desired, key, spec, &facts)?,
            KeyKind::Gcp(spec) => gcp::review(desired, key, spec, &facts)?,
            KeyKind::Azure(spec) => azure::review(desired, key, spec, &facts)?,
        };
        out.push(ReviewFile {
            name: file_name(&key.address),
            content: body,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
