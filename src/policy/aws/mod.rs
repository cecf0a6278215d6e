//! AWS KMS key policies: the document model, parsing with located errors, canonical form,
//! semantic diff, and the evaluator.

pub mod canonical;
pub mod condition;
pub mod diff;
pub mod document;
pub mod eval;
pub mod parse;
pub mod principal;
pub mod request;
pub mod span;

pub use document::{
    ConditionBlock, ConditionClause, ConditionEntry, ConditionValue, Effect, OneOrMany,
    PolicyDocument, PrincipalBlock, PrincipalType, Statement, StatementForm,
};
pub use eval::{CompiledPolicy, Decision, Evaluation, StatementRef, evaluate};
pub use parse::{ParsedPolicy, PolicyParseError, parse_policy_text, parse_policy_value};
pub use principal::{PrincipalClass, RequestPrincipal};
pub use request::Request;
