//! The policy-as-code library: what access a key grants, to whom, and under which conditions.
//!
//! - [`aws`]: key-policy documents (lossless parse/serialize with statement positions), canonical
//!   form and semantic diff, and an evaluator for the IAM subset KMS key policies use;
//! - [`gcp`], [`azure`]: the IAM bindings and role assignments that grant Anthropic access;
//! - [`render`]: the access each key *must* grant, from plain inputs (one renderer per cloud);
//! - [`simulate`]: the requests Anthropic makes, their outcomes, and `narrowed` for safety rules;
//! - [`describe`]: access in words, for reviews;
//! - [`identities`]: Anthropic's published identities, policy eras and regions, as pinned data
//!   (`policies/*.hcl`).
//!
//! Consumers: lint (principal classification, findings with statement positions), plan safety
//! (`simulate::narrowed`), verify (simulation with reasons), review (`describe`).

pub mod aws;
pub mod azure;
pub mod describe;
pub mod gcp;
pub mod identities;
pub mod render;
pub mod simulate;
pub mod wildcard;
