//! An in-process emulator of AWS KMS on its real wire protocol (AWS JSON 1.1 over HTTP), so the
//! official `aws-sdk-kms` client can be pointed at it with an endpoint override.
//!
//! What it models faithfully, because cmek's safety depends on it: key states and the errors
//! each state produces, key policies (every key request is decided by a pluggable
//! [`KeyPolicyAuthorizer`], including the policy-lockout check), aliases, tags, rotation
//! settings, paging, regions and accounts (callers are identified by their SigV4 access key id,
//! see [`identity`]), and real AES-256-GCM cryptography with the encryption context bound as AAD.
//! Keys whose deletion waiting period has ended are deleted (with their aliases) at the next
//! request. It also answers STS `GetCallerIdentity` and `AssumeRole` (for roles registered in the
//! [`CallerTable`]) on the same endpoint.
//!
//! What it does not model: IAM identity policies (account-level operations are allowed to every
//! recognized caller in its own account), grants, key material rotation (recorded, not performed),
//! asymmetric cryptography, and signature verification.
//!
//! Tests can make an operation fail a number of times with [`KmsEmulator::inject_fault`]
//! (throttling, internal errors) to exercise clients' bounded retries.
//!
//! Wiring: build a [`KmsEmulator`] with a [`CallerTable`], an authorizer and a request-log sink,
//! then serve [`router`] on a listener. Persist with [`KmsEmulator::to_snapshot`] (contains key
//! material: store it owner-only, never print it).
//!
//! ```text
//! let emulator = Arc::new(KmsEmulator::new(CallerTable::sandbox_default(), authorizer, log_sink));
//! let app = router(emulator).into_make_service_with_connect_info::<SocketAddr>();
//! axum::serve(tokio::net::TcpListener::bind("127.0.0.1:0").await?, app).await?;
//! // clients: endpoint http://127.0.0.1:<port>, access key identity::SANDBOX_ADMIN_ACCESS_KEY_ID
//! // (or ANTHROPIC_SANDBOX_ACCESS_KEY_ID to act as Anthropic), any secret.
//! ```

pub mod authz;
pub mod emulator;
pub mod envelope;
pub mod error;
pub mod identity;
mod ops;
pub mod policy_authorizer;
pub mod policy_doc;
pub mod server;
pub mod state;
mod sts;

pub use authz::{AuthzDecision, KeyPolicyAuthorizer, KmsRequestContext};
pub use emulator::{KmsEmulator, KmsLogEntry, KmsLogSink, KmsOutcome, SnapshotError};
pub use error::{KmsError, KmsErrorCode};
pub use identity::{AssumableRole, CallerTable, Principal};
pub use server::router;
