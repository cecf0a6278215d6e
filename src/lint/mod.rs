//! `cmek lint`: a ruff-style rule engine over CMEK inputs.
//!
//! - [`input`] turns spec directories, raw AWS key-policy JSON, GCP IAM policy JSON and
//!   ([`terraform`]) Terraform plan JSON into [`subject::Subject`]s (the facts a rule may look at, each with a source location);
//! - [`rules`] holds one file per rule (docs in the rule's `RULE.docs`), [`registry`] lists them;
//! - [`engine`] runs every rule over every subject and collects [`finding::Finding`]s;
//! - [`suppress`] applies `# cmek:ignore RULE reason` comments and `lint { ignore { ... } }`;
//! - [`output`] renders a [`finding::Report`] as text, JSON, SARIF 2.1.0 or GitHub annotations.
//!
//! Every rule cites a section of the domain facts (`domain/anthropic-cmek.md`).

pub mod baseline;
pub mod docs;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod hcl_rules;
pub mod input;
pub mod live;
pub mod output;
pub mod registry;
pub mod rules;
pub mod subject;
pub mod suppress;
pub mod terraform;

pub use engine::{LintOptions, RetainedInputs, lint_paths, lint_paths_retaining, lint_set};
pub use finding::{Finding, Location, Report, RuleMeta, Severity};
