//! `cli/`: argument parsing and one thin file per command. Commands turn library results into
//! output and an exit code (see `crate::exit`); they hold no domain logic.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod apply;
pub mod argv;
pub mod examples;
pub mod fmt;
pub mod force_unlock;
pub mod import;
pub mod init;
pub mod lint;
pub mod plan;
pub mod review;
pub mod runtime;
pub mod sandbox;
pub mod show;
pub mod state;
pub mod validate;
pub mod verify;

#[derive(Debug, Parser)]
#[command(
    name = "cmek",
    version,
    about = "Policy-as-code and a safe provisioner for Anthropic customer-managed encryption keys",
    long_about = None,
    propagate_version = true,
    after_help = examples::TOP
)]
pub struct Cli {
    /// Run against the in-process emulators instead of real cloud and Anthropic endpoints.
    #[arg(long, global = true)]
    pub sandbox: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and type-check a config directory, without network access.
    #[command(after_help = examples::VALIDATE)]
    Validate(validate::Args),
    /// Rewrite spec files in canonical layout, keeping comments.
    #[command(after_help = examples::FMT)]
    Fmt(fmt::Args),
    /// Run the CMEK rule pack over specs and key policies.
    #[command(after_help = examples::LINT)]
    Lint(lint::Args),
    /// Write a commented starter config and a .gitignore for state files.
    #[command(after_help = examples::INIT)]
    Init(init::Args),
    /// Write (--out) or check (--check) a deterministic access review per key.
    #[command(after_help = examples::REVIEW)]
    Review(review::Args),
    /// Inspect the state (list, show, pull) and move it between backends (push).
    #[command(after_help = examples::STATE)]
    State(state::Args),
    /// Refresh, diff and safety-check: print what apply would do.
    #[command(after_help = examples::PLAN)]
    Plan(plan::Args),
    /// Apply a fresh or saved plan, verifying each key before any attach.
    #[command(after_help = examples::APPLY)]
    Apply(apply::Args),
    /// Check every managed key: round trip, access simulation, Anthropic's validate.
    #[command(after_help = examples::VERIFY)]
    Verify(verify::Args),
    /// Adopt an existing key, registration or workspace into state (nothing remote changes).
    #[command(after_help = examples::IMPORT)]
    Import(import::Args),
    /// Render a saved plan or the state.
    #[command(after_help = examples::SHOW)]
    Show(show::Args),
    /// Run or reset the in-process emulators used by --sandbox.
    #[command(after_help = examples::SANDBOX)]
    Sandbox(sandbox::Args),
    /// Release a state lock left behind by a run that died, given its lock id.
    #[command(after_help = examples::FORCE_UNLOCK)]
    ForceUnlock(force_unlock::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse_from(argv::normalize(std::env::args_os()));
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Init(args) => init::run(args),
        Command::Review(args) => review::run(args, cli.sandbox),
        Command::Lint(args) => lint::run(args, cli.sandbox),
        Command::State(args) => state::run(args),
        Command::ForceUnlock(args) => force_unlock::run(args),
        Command::Plan(args) => plan::run(args, cli.sandbox),
        Command::Apply(args) => apply::run_cli(args, cli.sandbox),
        Command::Verify(args) => verify::run_cli(args, cli.sandbox),
        Command::Import(args) => import::run_cli(args, cli.sandbox),
        Command::Show(args) => show::run(args),
        Command::Sandbox(args) => sandbox::run(args),
    }
}
