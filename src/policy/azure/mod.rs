//! Azure Key Vault access: RBAC role assignments, the data actions of the built-in Key Vault
//! roles, and evaluation of a principal's key operation.

pub mod eval;
pub mod rbac;

pub use eval::{
    AzureDecision, AzureEvaluation, AzureKeyAccess, AzureKeyOperation, AzureKeyState, AzureRequest,
};
pub use rbac::{RoleAssignment, role_data_actions};
