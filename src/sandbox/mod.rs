//! `sandbox/`: in-process, wire-level emulators of the remote services cmek talks to, used by
//! `--sandbox` and by tests. Destructive operations exist here server-side only, so tests can
//! create drift; product code never calls them.

pub mod kms;
