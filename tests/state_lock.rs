//! Lock contention between real processes: this test binary re-runs itself as the lock holder
//! (`lock_holder_child`, active only when `CMEK_TEST_LOCK_HOLDER` is set).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cmek::state::{LocalBackend, StateBackend, StateError};

const HOLDER_ENV: &str = "CMEK_TEST_LOCK_HOLDER";
const RELEASE_ENV: &str = "CMEK_TEST_LOCK_RELEASE";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The child side: holds the lock of the state at `$CMEK_TEST_LOCK_HOLDER` until the file
/// `$CMEK_TEST_LOCK_RELEASE` appears.
#[test]
fn lock_holder_child() {
    let (Ok(state), Ok(release)) = (std::env::var(HOLDER_ENV), std::env::var(RELEASE_ENV)) else {
        return;
    };
    let backend = LocalBackend::new(state);
    let guard = runtime()
        .block_on(backend.lock("apply", Duration::ZERO))
        .unwrap();
    println!("LOCKED {}", guard.id());
    std::io::stdout().flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Path::new(&release).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(guard);
    println!("RELEASED");
}

struct Holder {
    child: Child,
    lock_id: String,
    release: PathBuf,
}

impl Holder {
    fn spawn(state: &Path) -> Holder {
        let release = state.with_extension("release");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "lock_holder_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOLDER_ENV, state)
            .env(RELEASE_ENV, &release)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let lock_id = loop {
            let line = lines.next().expect("holder exited before locking").unwrap();
            // libtest prints `test lock_holder_child ... ` before the child's own output.
            if let Some((_, id)) = line.split_once("LOCKED ") {
                break id.trim().to_string();
            }
        };
        // Keep draining stdout in the background so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Holder {
            child,
            lock_id,
            release,
        }
    }

    fn release_and_wait(mut self) {
        std::fs::write(&self.release, b"").unwrap();
        self.wait_success();
    }

    fn wait_success(&mut self) {
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Holder {
    /// A failing test must not leave a child holding a lock for a minute.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cmek(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cmek"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn second_process_is_refused_with_the_holder_named_then_succeeds_after_release() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cmek.state.json");
    let holder = Holder::spawn(&state);
    let pid = holder.child.id();
    let backend = LocalBackend::new(&state);
    let rt = runtime();

    let err = rt
        .block_on(backend.lock("plan", Duration::ZERO))
        .unwrap_err();
    let StateError::Locked { holder: info, .. } = &err else {
        panic!("expected Locked, got {err}");
    };
    assert_eq!(info.id, holder.lock_id);
    assert_eq!(info.pid, pid);
    assert_eq!(info.operation, "apply");
    let msg = err.to_string();
    assert!(msg.contains(&format!("(pid {pid})")), "{msg}");
    assert!(msg.contains(&info.who), "{msg}");
    assert!(msg.contains(" ago)"), "{msg}");
    assert!(
        msg.contains(&format!("cmek force-unlock {}", holder.lock_id)),
        "{msg}"
    );
    assert!(!msg.contains("stale"), "a live holder is not stale: {msg}");

    // The CLI reports the same holder.
    let src = dir.path().join("push.json");
    std::fs::write(
        &src,
        r#"{"format_version":1,"cmek_version":"0.1.0","lineage":"6f0b2a48-1f2e-4b1c-9d7e-3a5b6c7d8e9f","serial":1}"#,
    )
    .unwrap();
    let (code, _, stderr) = cmek(&[
        "state",
        "push",
        src.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&holder.lock_id), "{stderr}");
    assert!(stderr.contains(&format!("pid {pid}")), "{stderr}");
    assert!(!state.exists());

    holder.release_and_wait();
    let guard = rt.block_on(backend.lock("plan", Duration::ZERO)).unwrap();
    guard.release().unwrap();
}

#[test]
fn lock_timeout_waits_for_the_other_process() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cmek.state.json");
    let holder = Holder::spawn(&state);
    let release = holder.release.clone();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        std::fs::write(release, b"").unwrap();
    });
    let start = Instant::now();
    let backend = LocalBackend::new(&state);
    let guard = runtime()
        .block_on(backend.lock("plan", Duration::from_secs(20)))
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(guard.info().operation, "plan");
    releaser.join().unwrap();
    let mut holder = holder;
    holder.wait_success();
}

#[test]
fn force_unlock_needs_the_right_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let state = dir.path().join("cmek.state.json");
    let lock_path = dir.path().join("cmek.state.json.lock");
    let holder = Holder::spawn(&state);

    let (code, _, err) = cmek(&["force-unlock", "00000000-0000-4000-8000-000000000000", d]);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to unlock"), "{err}");
    assert!(err.contains(&holder.lock_id), "{err}");
    assert!(lock_path.exists());

    let (code, out, err) = cmek(&["force-unlock", &holder.lock_id, d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("released lock {}", holder.lock_id)),
        "{out}"
    );
    assert!(!lock_path.exists());

    // Someone else takes the lock; the old holder's release must not remove it.
    let backend = LocalBackend::new(&state);
    let rt = runtime();
    let guard = rt.block_on(backend.lock("apply", Duration::ZERO)).unwrap();
    holder.release_and_wait();
    let current = rt.block_on(backend.current_lock()).unwrap().unwrap();
    assert_eq!(current.id, guard.id());

    let (code, _, err) = cmek(&["force-unlock", guard.id(), d]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cmek(&["force-unlock", guard.id(), d]);
    assert_eq!(code, 1);
    assert!(err.contains("not locked"), "{err}");
}

#[test]
fn a_dead_holder_is_reported_as_stale_but_never_broken() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cmek.state.json");
    let mut holder = Holder::spawn(&state);
    holder.child.kill().unwrap();
    holder.child.wait().unwrap();
    let backend = LocalBackend::new(&state);
    let rt = runtime();
    let err = rt
        .block_on(backend.lock("plan", Duration::from_millis(200)))
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("is not running on this host"), "{msg}");
    assert!(msg.contains("looks stale"), "{msg}");
    assert!(
        msg.contains(&format!("cmek force-unlock {}", holder.lock_id)),
        "{msg}"
    );
    // Still locked: stale detection only informs.
    assert_eq!(
        rt.block_on(backend.current_lock()).unwrap().unwrap().id,
        holder.lock_id
    );
    rt.block_on(backend.force_unlock(&holder.lock_id)).unwrap();
    rt.block_on(backend.lock("plan", Duration::ZERO)).unwrap();
}
