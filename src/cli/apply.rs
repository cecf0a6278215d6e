//! `cmek apply [DIR | PLANFILE] [--auto-approve] [--config-dir DIR] [--parallelism N]`: apply a
//! fresh or a saved plan, then verify.
//!
//! A directory gets a fresh plan; a file is a saved plan. A saved plan is applied against the
//! config directory it records (relative to the directory `plan` ran in), or `--config-dir`;
//! it must come from that config (same spec fingerprint), match the current state (lineage,
//! serial) and every remote object it fingerprinted (else it is stale, with the list of what
//! changed). Refuses a plan with refusals (exit 3) or blocking drift (exit 1). Asks for `yes`
//! unless `--auto-approve`; without a terminal and without `--auto-approve` it refuses.
//! Verification failure, or lint findings of severity error on a key, stop before any attach
//! to that key: exit 4. Up to `--parallelism` actions on different keys run at once.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::apply::stale::{changed_objects, check_state};
use crate::apply::{ApplyError, execute};
use crate::engine::session::{Session, SessionError, config_fingerprint};
use crate::exit;
use crate::plan::Plan;
use crate::plan::render::{json, text};

use super::plan::{RunArgs, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A config directory, or a plan file written by `cmek plan --out`.
    #[arg(default_value = ".")]
    pub target: PathBuf,
    /// The config directory of a saved plan (default: the one the plan file records).
    #[arg(long = "config-dir")]
    pub config_dir: Option<PathBuf>,
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

/// The config directory a saved plan is applied against: `--config-dir`, else the directory the
/// plan records (relative to the current directory, as `plan` ran).
fn saved_plan_dir(plan: &Plan, file: &Path, config_dir: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = config_dir {
        return Ok(dir.to_path_buf());
    }
    let Some(config) = &plan.config else {
        return Err(format!(
            "{} does not record the config it was made from (format_version {}): make the plan again with this cmek",
            file.display(),
            plan.format_version
        ));
    };
    let dir = PathBuf::from(&config.dir);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{} was made from the config directory `{}` (relative to where `cmek plan` ran), which is not a directory here: run apply from that directory or pass --config-dir",
            file.display(),
            config.dir
        ))
    }
}

/// Refuses a saved plan made from another config (or a version-1 plan, which does not say).
fn check_same_config(plan: &Plan, session: &Session) -> Result<(), String> {
    let Some(config) = &plan.config else {
        return Err(format!(
            "the plan file does not record the config it was made from (format_version {}): make the plan again with this cmek; nothing was applied",
            plan.format_version
        ));
    };
    let now = config_fingerprint(&session.desired);
    if config.fingerprint != now {
        return Err(format!(
            "the plan was made from another config: it records config `{}` with fingerprint {}, but the spec in {} loads to {now}. Nothing was applied; run `cmek plan` again against this config",
            config.dir,
            config.fingerprint,
            session.dir.display()
        ));
    }
    Ok(())
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
    let dir = match &saved {
        Some(plan) => saved_plan_dir(plan, &args.target, args.config_dir.as_deref())?,
        None if args.config_dir.is_some() => {
            return Err(SessionError::Other(
                "--config-dir is for a saved plan file; to plan and apply a directory, pass it as the argument".into(),
            ));
        }
        None => args.target.clone(),
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
    if let Some(saved) = &saved {
        check_same_config(saved, session)?;
    }
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
        Err(e @ ApplyError::Findings { .. }) => {
            eprintln!(
                "\nError: {e}\nThe other steps were carried out and state records them; fix the findings (`cmek lint`) and apply again."
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
