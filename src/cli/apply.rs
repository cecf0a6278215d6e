//! `cmek apply [DIR | PLANFILE] [--auto-approve]`: apply a fresh or a saved plan, then verify.
//!
//! Refuses a plan with refusals (exit 3) or blocking drift (exit 1). A saved plan must match the
//! current state (lineage, serial) and every remote object it fingerprinted (else it is stale,
//! with the list of what changed). Asks for `yes` unless `--auto-approve`; without a terminal
//! and without `--auto-approve` it refuses. Verification failure stops before any attach: exit 4.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::apply::stale::{changed_objects, check_state};
use crate::apply::{ApplyError, execute};
use crate::engine::session::{Session, SessionError};
use crate::exit;
use crate::plan::Plan;
use crate::plan::render::{json, text};

use super::plan::{RunArgs, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A config directory, or a plan file written by `cmek plan --out`.
    #[arg(default_value = ".")]
    pub target: PathBuf,
    /// The config directory of a saved plan (default: the current directory).
    #[arg(long = "config-dir", default_value = ".")]
    pub config_dir: PathBuf,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

enum Outcome {
    Code(u8),
}

fn confirm() -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "no terminal to confirm on: re-run with --auto-approve to apply without confirmation"
                .into(),
        );
    }
    print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(line.trim() == "yes")
}

async fn apply(args: &Args, sandbox: bool) -> Result<Outcome, SessionError> {
    let saved: Option<Plan> = if args.target.is_file() {
        let text = std::fs::read_to_string(&args.target).map_err(|e| {
            SessionError::Other(format!("cannot read {}: {e}", args.target.display()))
        })?;
        Some(
            json::parse(&text)
                .map_err(|e| SessionError::Other(format!("{}: {e}", args.target.display())))?,
        )
    } else {
        None
    };
    let dir = if saved.is_some() {
        args.config_dir.clone()
    } else {
        args.target.clone()
    };
    let mut session = Session::open(&args.run.session_options(dir, sandbox, "apply")).await?;
    let result = run(&mut session, saved, args.auto_approve).await;
    let closed = session.close().await;
    let outcome = result?;
    closed?;
    Ok(outcome)
}

async fn run(
    session: &mut Session,
    saved: Option<Plan>,
    auto_approve: bool,
) -> Result<Outcome, SessionError> {
    let (fresh, refreshed) = session.plan().await?;
    let plan = match saved {
        None => fresh,
        Some(saved) => {
            check_state(
                &saved,
                &session.state.lineage().to_string(),
                session.state.serial(),
                session.state_existed,
            )
            .map_err(|e| SessionError::Other(format!("the saved plan is stale: {e}")))?;
            let changed = changed_objects(&saved.fingerprints, &fresh.fingerprints);
            if !changed.is_empty() {
                return Err(SessionError::Other(format!(
                    "the saved plan is stale; these objects changed since it was made:\n  {}\nRun `cmek plan` again.",
                    changed.join("\n  ")
                )));
            }
            saved
        }
    };
    let color = crate::diag::render_text::stderr_wants_color();
    print!("{}", text::render(&plan, color));
    if plan.is_refused() {
        eprintln!("Error: the plan is refused (see the refusals above); nothing was applied.");
        return Ok(Outcome::Code(exit::REFUSED));
    }
    if plan.is_blocked() {
        eprintln!("Error: drift blocks this plan (see above); nothing was applied.");
        return Ok(Outcome::Code(exit::ERROR));
    }
    if !plan.has_changes() {
        println!("\nNothing to do.");
        return Ok(Outcome::Code(exit::SUCCESS));
    }
    if !auto_approve {
        match confirm() {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("Apply cancelled.");
                return Ok(Outcome::Code(exit::ERROR));
            }
            Err(e) => {
                eprintln!("Error: {e}");
                return Ok(Outcome::Code(exit::ERROR));
            }
        }
    }
    println!();
    let mut progress = |line: &str| println!("{line}");
    match execute(session, &plan, refreshed.key_refs, &mut progress).await {
        Ok(outcome) => {
            println!("\nApply complete: {} action(s) done.", outcome.done.len());
            Ok(Outcome::Code(exit::SUCCESS))
        }
        Err(e @ ApplyError::Verification { .. }) => {
            eprintln!(
                "\nError: {e}\nApply stopped before any attach to this key; state records every step done so far."
            );
            Ok(Outcome::Code(exit::VERIFY_FAILED))
        }
        Err(e) => {
            eprintln!("\nError: {e}\nApply stopped; state records every step done so far.");
            Ok(Outcome::Code(exit::ERROR))
        }
    }
}

pub fn run_cli(args: Args, sandbox: bool) -> ExitCode {
    match super::runtime::run(apply(&args, sandbox)) {
        Ok(Ok(Outcome::Code(c))) => exit::code(c),
        Ok(Err(e)) => {
            report(&e);
            exit::code(exit::ERROR)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            exit::code(exit::ERROR)
        }
    }
}
