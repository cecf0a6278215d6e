//! `diag/`: located diagnostics for the whole tool (spec loading now; lint, state and JSON-input
//! errors later).
//!
//! The pieces, one job each:
//! - [`source`]: the source map — every file a diagnostic may point into, by [`FileId`], with its
//!   text, its line index and the byte ranges that must be redacted when shown;
//! - [`diagnostic`]: [`Diagnostic`] (severity, stable code, message, labels, help, notes) and the
//!   [`Diagnostics`] collection;
//! - [`redact`]: detection of secrets (Anthropic API keys) in text, and their redaction;
//! - [`suggest`]: "did you mean" suggestions;
//! - [`render_text`] / [`render_json`]: the two output formats.
//!
//! Invariant: no renderer ever prints a detected secret, whether it appears in source text,
//! in a message, a label, a hint or a note.

pub mod diagnostic;
pub mod redact;
pub mod render_json;
pub mod render_text;
pub mod source;
pub mod suggest;

pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity, Span};
pub use source::{FileId, SourceFile, SourceMap};
