//! `cmek fmt`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("error: `cmek fmt` is not built yet");
    crate::exit::code(crate::exit::ERROR)
}
