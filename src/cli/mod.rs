//! `cli/`: argument parsing and one thin file per command. Commands turn library results into
//! output and an exit code (see `crate::exit`); they hold no domain logic.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod argv;
pub mod fmt;
pub mod init;
pub mod validate;

#[derive(Debug, Parser)]
#[command(
    name = "cmek",
    version,
    about = "Policy-as-code and a safe provisioner for Anthropic customer-managed encryption keys",
    long_about = None,
    propagate_version = true
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
    Validate(validate::Args),
    /// Rewrite spec files in canonical layout, keeping comments.
    Fmt(fmt::Args),
    /// Write a commented starter config and a .gitignore for state files.
    Init(init::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse_from(argv::normalize(std::env::args_os()));
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Init(args) => init::run(args),
    }
}
