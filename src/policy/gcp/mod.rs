//! Google Cloud KMS access: IAM policies (bindings of roles to members), the permissions of the
//! roles that matter for a crypto key, and evaluation of a member's request on a key.

pub mod eval;
pub mod iam;

pub use eval::{GcpDecision, GcpEvaluation, GcpKeyAccess, GcpLevel, GcpRequest};
pub use iam::{Binding, BindingCondition, IamPolicy, role_permissions};
