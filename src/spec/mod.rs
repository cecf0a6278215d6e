//! `spec/`: HCL files -> the typed [`model::Desired`] model, with located diagnostics.

pub mod model;
