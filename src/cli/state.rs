//! `cmek state list|show|pull|push`: inspect the state and move it between backends. The state
//! file is the one the directory's spec configures (`engine::session::local_state_path`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use crate::address::Address;
use crate::engine::session::local_state_path;
use crate::exit;
use crate::state::{self, StateBackend, StateError};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List managed addresses, one per line, sorted.
    List {
        /// Config directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Show one entry, with its remote ids and protection history.
    Show {
        /// e.g. `key.aws.prod`, `workspace.prod`.
        address: String,
        /// Config directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the state as JSON.
    Pull {
        /// Config directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Replace the state with FILE (same lineage only; an older serial needs --force).
    Push {
        /// A state file, e.g. one written by `cmek state pull`.
        file: PathBuf,
        /// Config directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Allow replacing a newer state (higher serial) with FILE. Never overrides a lineage
        /// mismatch.
        #[arg(long)]
        force: bool,
        /// How long to wait for the state lock, e.g. `30s`.
        #[arg(long, default_value = "0s", value_parser = state::duration::parse_duration)]
        lock_timeout: Duration,
    },
}

pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        StateCommand::List { dir } => list(&dir),
        StateCommand::Show { address, dir } => show(&address, &dir),
        StateCommand::Pull { dir } => pull(&dir),
        StateCommand::Push {
            file,
            dir,
            force,
            lock_timeout,
        } => block_on(push(&file, &dir, force, lock_timeout)),
    };
    match result {
        Ok(()) => exit::code(exit::SUCCESS),
        Err(message) => {
            eprintln!("error: {message}");
            exit::code(exit::ERROR)
        }
    }
}

/// Runs a future on a small single-threaded runtime (state commands do little I/O).
pub(crate) fn block_on<F: std::future::Future<Output = Result<(), String>>>(
    f: F,
) -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?
        .block_on(f)
}

fn read_local(path: &Path) -> Result<Option<state::State>, String> {
    state::LocalBackend::new(path)
        .read_sync()
        .map_err(|e| e.to_string())
}

fn list(dir: &Path) -> Result<(), String> {
    let path = local_state_path(dir)?;
    match read_local(&path)? {
        Some(s) => print!("{}", state::render::list(&s)),
        None => eprintln!("no state at {}", path.display()),
    }
    Ok(())
}

fn show(address: &str, dir: &Path) -> Result<(), String> {
    let address = Address::parse(address).map_err(|e| e.to_string())?;
    let path = local_state_path(dir)?;
    let s = read_local(&path)?.ok_or_else(|| format!("no state at {}", path.display()))?;
    match state::render::show(&s, &address) {
        Some(text) => {
            print!("{text}");
            Ok(())
        }
        None => {
            let wanted = address.to_string();
            let closest = s
                .addresses()
                .into_iter()
                .map(ToString::to_string)
                .map(|a| (strsim::jaro_winkler(&a, &wanted), a))
                .filter(|(score, _)| *score > 0.85)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = closest
                .map(|(_, a)| format!("; did you mean `{a}`?"))
                .unwrap_or_default();
            Err(format!(
                "{address} is not in the state at {}{hint}",
                path.display()
            ))
        }
    }
}

fn pull(dir: &Path) -> Result<(), String> {
    let path = local_state_path(dir)?;
    let s = read_local(&path)?.ok_or_else(|| format!("no state at {}", path.display()))?;
    let text = serde_json::to_string_pretty(&s.to_json_value())
        .map_err(|e| format!("cannot encode state: {e}"))?;
    println!("{text}");
    Ok(())
}

async fn push(file: &Path, dir: &Path, force: bool, lock_timeout: Duration) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut pushed = state::parse_state(file, &bytes).map_err(|e| e.to_string())?;
    let backend = state::LocalBackend::new(local_state_path(dir)?);
    let lock = backend
        .lock("state push", lock_timeout)
        .await
        .map_err(|e| e.to_string())?;
    let current = backend.read().await.map_err(|e| e.to_string())?;
    if let Some(current) = &current {
        check_push(file, &pushed, current, force, &backend.describe())?;
        pushed.set_serial(current.serial());
    }
    let base_serial = pushed.serial();
    backend
        .write(&mut pushed, &lock)
        .await
        .map_err(|e: StateError| e.to_string())?;
    lock.release().map_err(|e| e.to_string())?;
    println!(
        "pushed {} to {} (serial {} -> {})",
        file.display(),
        backend.describe(),
        base_serial,
        pushed.serial()
    );
    Ok(())
}

/// Push rules: the lineage must match, always; an older serial, or the same serial with other
/// content, needs `--force`.
fn check_push(
    file: &Path,
    pushed: &state::State,
    current: &state::State,
    force: bool,
    target: &str,
) -> Result<(), String> {
    if pushed.lineage() != current.lineage() {
        return Err(format!(
            "state lineage mismatch: {} is lineage {}, but {target} is lineage {}. They are different states; refusing to replace one with the other (--force does not override this)",
            file.display(),
            pushed.lineage(),
            current.lineage()
        ));
    }
    let same_content = pushed.to_json_value() == current.to_json_value();
    if pushed.serial() < current.serial() && !force {
        return Err(format!(
            "{} has serial {}, older than the serial {} of {target}; pushing it would undo newer changes. Pass --force if that is what you want",
            file.display(),
            pushed.serial(),
            current.serial()
        ));
    }
    if pushed.serial() == current.serial() && !same_content && !force {
        return Err(format!(
            "{} has the same serial ({}) as {target} but different content; pass --force to replace it",
            file.display(),
            pushed.serial()
        ));
    }
    Ok(())
}
