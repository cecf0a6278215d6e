//! The async runtime the engine commands run on, and the shared `--sandbox` flag plumbing.

use std::future::Future;

/// Runs `f` on a fresh multi-threaded runtime (the sandbox emulators run on it too); an
/// error starting the runtime is returned as a message.
pub fn run<T, F: Future<Output = T>>(f: F) -> Result<T, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(rt.block_on(f))
}
