//! `cmek verify [DIR] [--format text|json] [--var ...] [--lock-timeout D] [--parallelism N]`:
//! the health check of every managed key (DESIGN.md §6), for cron and for after an apply.
//!
//! Exit codes: 0 every check passed; 4 any check failed (each failure explained in words);
//! 1 anything else (unreadable spec, no state, no managed key, a lock held, no credentials).
//! A progress bar is drawn on stderr only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::session::{Session, SessionError};
use crate::exit;
use crate::verify::render::{render_json, render_text};
use crate::verify::{VerifyReport, verify_all};

use super::plan::{RunArgs, report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (cron, CI, pipes).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("verifying {bar:30} {pos}/{len} keys {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

async fn verify(args: &Args, sandbox: bool) -> Result<VerifyReport, SessionError> {
    let session = Session::open(
        &args
            .run
            .session_options(args.dir.clone(), sandbox, "verify"),
    )
    .await?;
    let result = run(&session).await;
    let closed = session.close().await;
    let report = result?;
    closed?;
    Ok(report)
}

async fn run(session: &Session) -> Result<VerifyReport, SessionError> {
    if !session.state_existed {
        return Err(SessionError::Other(format!(
            "no state in {}: nothing is managed yet, so there is nothing to verify; run `cmek apply` first",
            session.dir.display()
        )));
    }
    if session.state.keys().is_empty() {
        return Err(SessionError::Other(format!(
            "the state of {} holds no key: nothing to verify; run `cmek apply` first",
            session.dir.display()
        )));
    }
    let bar = progress_bar();
    let report = verify_all(
        &session.desired,
        &session.state,
        &session.clients,
        session.parallelism,
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await;
    bar.finish_and_clear();
    Ok(report)
}

pub fn run_cli(args: Args, sandbox: bool) -> ExitCode {
    let report = match super::runtime::run(verify(&args, sandbox)) {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            report(&e);
            return exit::code(exit::ERROR);
        }
        Err(e) => {
            eprintln!("Error: {e}");
            return exit::code(exit::ERROR);
        }
    };
    let text = match args.format {
        Format::Text => render_text(&report),
        Format::Json => match render_json(&report) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("Error: cannot render the report as JSON: {e}");
                return exit::code(exit::ERROR);
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    if report.passed {
        exit::code(exit::SUCCESS)
    } else {
        exit::code(exit::VERIFY_FAILED)
    }
}
