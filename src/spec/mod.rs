//! `spec/`: HCL files -> the typed [`model::Desired`] model, with located diagnostics.

pub mod config;
pub mod eval;
pub mod files;
pub mod functions;
pub mod graph;
pub mod modules;
pub mod model;
pub mod parse;
pub mod rules;
pub mod scan;
pub mod schema;
pub mod types;
pub mod variables;
