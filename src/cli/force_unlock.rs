//! `cmek force-unlock LOCK_ID [DIR]`: release a state lock left behind by a run that died.
//! Only the exact lock id releases it, so a lock held by a live run is not broken by mistake.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::exit;
use crate::state::{self, StateBackend};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lock id, as printed in the "state is locked" message.
    pub lock_id: String,
    /// Config directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let backend = state::LocalBackend::new(state::locate(&args.dir));
    let result = super::state::block_on(async {
        let holder = backend
            .force_unlock(&args.lock_id)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "released lock {} of {} (held by {}, pid {}, operation {}, since {})",
            holder.id,
            backend.describe(),
            holder.who,
            holder.pid,
            holder.operation,
            holder.created
        );
        Ok(())
    });
    match result {
        Ok(()) => exit::code(exit::SUCCESS),
        Err(message) => {
            eprintln!("error: {message}");
            exit::code(exit::ERROR)
        }
    }
}
