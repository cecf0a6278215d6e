//! cmek: policy-as-code and a safe, Terraform-style provisioner for Anthropic
//! customer-managed encryption keys (CMEK).
//!
//! See `ARCHITECTURE.md` for the code map and the invariants each module keeps.

pub mod address;
pub mod anthropic;
pub mod apply;
pub mod cli;
pub mod diag;
pub mod engine;
pub mod exit;
pub mod fmt;
pub mod init;
pub mod lint;
pub mod observed;
pub mod plan;
pub mod policy;
pub mod providers;
pub mod review;
pub mod sandbox;
pub mod spec;
pub mod state;
pub mod verify;
