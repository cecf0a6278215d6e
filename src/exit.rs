//! Process exit codes: the CLI contract of DESIGN.md §4. Every command returns one of these;
//! nothing else calls `std::process::exit`.

use std::process::ExitCode;

/// Success, and (for `plan --detailed-exitcode`) nothing to do.
pub const SUCCESS: u8 = 0;
/// Any error not covered below.
pub const ERROR: u8 = 1;
/// `plan --detailed-exitcode`: the plan has changes.
pub const CHANGES: u8 = 2;
/// The plan was refused: it contains a destructive or irreversible-unsafe change.
pub const REFUSED: u8 = 3;
/// Verification failed; apply stopped before any attach.
pub const VERIFY_FAILED: u8 = 4;

/// `cmek lint`: findings at or above `--fail-on`.
pub const LINT_FINDINGS: u8 = 1;
/// `cmek lint`: an input could not be read or parsed.
pub const LINT_UNREADABLE: u8 = 2;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
