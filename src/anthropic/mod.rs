//! `anthropic/`: the Anthropic Admin API for CMEK: wire types and the HTTP client.

pub mod types;
