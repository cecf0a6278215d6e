//! `providers/`: one module per cloud; each talks to the cloud through its official SDK.

pub mod aws;
