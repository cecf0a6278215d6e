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
//!
//! ```
//! use cmek::policy::aws::parse_policy_text;
//! use cmek::policy::render::aws::{AwsAccessInput, CompartmentStatus, CompartmentUse, render_aws_policy};
//! use cmek::policy::simulate::{narrowed_aws_policy, simulate_aws_policy};
//! use cmek::spec::model::Platform;
//!
//! let input = AwsAccessInput {
//!     platform: Platform::ClaudePlatform,
//!     account_id: "111122223333".into(),
//!     region: "us-east-2".into(),
//!     admins: None,
//!     org_uuids: vec!["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into()],
//!     compartment_scoping: true,
//!     compartments: vec![CompartmentUse {
//!         uuid: "7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b".into(),
//!         workspace_id: "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ".into(),
//!         status: CompartmentStatus::Attached,
//!     }],
//!     protects_pre_current_data: false,
//!     workspace_arns: vec![],
//! };
//! let key = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
//! let desired = render_aws_policy(&input)?;
//! assert!(simulate_aws_policy(&desired, &input, key)?.all_ok());
//!
//! // A hand-edited policy that drops the compartment list's workspace:
//! let edited = parse_policy_text(&desired.to_pretty_string().replace("7d3e9a10", "00000000"))?;
//! let flips = narrowed_aws_policy(&desired, &edited.document, &input, key)?;
//! assert_eq!(flips[0].id, "traffic/wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ/kms:Encrypt");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod aws;
pub mod azure;
pub mod describe;
pub mod gcp;
pub mod identities;
pub mod render;
pub mod simulate;
pub mod wildcard;
