//! `cmek sandbox reset [DIR]` deletes `<DIR>/.cmek/sandbox/` (only that directory);
//! `cmek sandbox serve [DIR]` runs the emulators in the foreground, printing their endpoints,
//! until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::exit;
use crate::sandbox::world::{SandboxWorld, reset};
use crate::spec::model::Desired;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SandboxCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Forget everything the sandbox holds for DIR (keys, registrations, workspaces, log).
    Reset {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Run the emulators for DIR in the foreground until Ctrl-C.
    Serve {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

async fn serve(dir: PathBuf) -> Result<(), String> {
    let desired: Desired =
        crate::engine::session::load_spec(&dir, &[], &[]).map_err(|e| e.to_string())?;
    let world = SandboxWorld::start_for_spec(&dir, &desired)
        .await
        .map_err(|e| e.to_string())?;
    let ep = world.endpoints().clone();
    println!(
        "AWS KMS:   {}  (access key {})",
        ep.kms_url, ep.aws_access_key_id
    );
    println!(
        "Admin API: {}  (x-api-key {})",
        ep.admin_api_url, ep.admin_api_key
    );
    println!("Organization: {}", ep.organization_uuid);
    println!("State: {}", world.dir().display());
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    world.shutdown().await.map_err(|e| e.to_string())
}

pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        SandboxCommand::Reset { dir } => reset(&dir).map_err(|e| e.to_string()).map(|existed| {
            if existed {
                println!(
                    "Removed {}",
                    crate::sandbox::world::sandbox_dir(&dir).display()
                );
            } else {
                println!(
                    "Nothing to remove: {} does not exist",
                    crate::sandbox::world::sandbox_dir(&dir).display()
                );
            }
        }),
        SandboxCommand::Serve { dir } => super::runtime::run(serve(dir)).and_then(|r| r),
    };
    match result {
        Ok(()) => exit::code(exit::SUCCESS),
        Err(e) => {
            eprintln!("Error: {e}");
            exit::code(exit::ERROR)
        }
    }
}
