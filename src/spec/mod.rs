//! `spec/`: HCL files -> the typed [`model::Desired`] model, with located diagnostics.

pub mod config;
pub mod files;
pub mod functions;
pub mod graph;
pub mod model;
pub mod parse;
pub mod scan;
pub mod schema;
pub mod types;
