//! Crash safety of the local backend: an interruption between writing the new state and renaming
//! it into place leaves the old state readable and intact, with the backup holding the state
//! before it. Crashes are injected through `WriteHooks`, both as an error in-process and as a
//! SIGKILL of a child process stopped at the hook (this test binary re-run with
//! `CMEK_TEST_CRASH_AT`).

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use cmek::address::{Address, Cloud};
use cmek::state::{EntryOrigin, LocalBackend, State, StateBackend, WriteHooks, parse_state};

const CRASH_ENV: &str = "CMEK_TEST_CRASH_AT";
const STATE_ENV: &str = "CMEK_TEST_CRASH_STATE";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Point {
    AfterTemp,
    BeforeRename,
}

/// Fails at one point of the write, or (`freeze`) announces it on stdout and waits to be killed.
struct Crash {
    at: Point,
    freeze: bool,
}

impl Crash {
    fn hit(&self, here: Point) -> io::Result<()> {
        if self.at != here {
            return Ok(());
        }
        if self.freeze {
            println!("CRASH_POINT");
            std::io::Write::flush(&mut std::io::stdout())?;
            std::thread::sleep(std::time::Duration::from_secs(60));
            std::process::exit(3);
        }
        Err(io::Error::other("injected crash"))
    }
}

impl WriteHooks for Crash {
    fn after_temp_synced(&self, _temp: &Path) -> io::Result<()> {
        self.hit(Point::AfterTemp)
    }

    fn before_rename(&self, _temp: &Path) -> io::Result<()> {
        self.hit(Point::BeforeRename)
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn add_key(state: &mut State, name: &str) {
    state
        .upsert_key(
            &Address::key(Cloud::Aws, name),
            &format!("arn:aws:kms:us-east-2:111122223333:key/{name}"),
            EntryOrigin::Created,
            serde_json::json!({ "name": name }),
            "2026-11-29T00:00:00Z",
        )
        .unwrap();
}

/// Writes serial 1 (one key) and serial 2 (two keys); returns the state as last written.
fn two_writes(path: &Path) -> State {
    let b = LocalBackend::new(path);
    rt().block_on(async {
        let lock = b.lock("apply", Duration::ZERO).await.unwrap();
        let mut s = State::new();
        add_key(&mut s, "one");
        b.write(&mut s, &lock).await.unwrap();
        add_key(&mut s, "two");
        b.write(&mut s, &lock).await.unwrap();
        assert_eq!(s.serial(), 2);
        s
    })
}

fn read(path: &Path) -> State {
    parse_state(path, &fs::read(path).unwrap()).unwrap()
}

fn backup_of(path: &Path) -> std::path::PathBuf {
    path.with_file_name("cmek.state.json.backup")
}

#[test]
fn interrupted_writes_leave_the_old_state_intact() {
    for at in [Point::AfterTemp, Point::BeforeRename] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cmek.state.json");
        let mut s = two_writes(&path);
        let before = fs::read(&path).unwrap();

        let crashing = LocalBackend::with_hooks(&path, Arc::new(Crash { at, freeze: false }));
        let err = rt().block_on(async {
            let lock = crashing.lock("apply", Duration::ZERO).await.unwrap();
            add_key(&mut s, "three");
            crashing.write(&mut s, &lock).await.unwrap_err()
        });
        assert!(err.to_string().contains("injected crash"), "{at:?}: {err}");

        // The old state is byte-for-byte intact and parses.
        assert_eq!(fs::read(&path).unwrap(), before, "{at:?}");
        let current = read(&path);
        assert_eq!(current.serial(), 2);
        assert_eq!(current.keys().len(), 2);
        // The caller's copy was not advanced, so a retry can proceed.
        assert_eq!(s.serial(), 2);

        // The backup is a complete previous state: serial 1 before the backup step, serial 2
        // (the state the failed write started from) once it ran.
        let backup = read(&backup_of(&path));
        let expected = if at == Point::AfterTemp { 1 } else { 2 };
        assert_eq!(backup.serial(), expected, "{at:?}");
        assert_eq!(backup.lineage(), current.lineage());

        // Like a real crash, the injected one leaves the temporary file behind.
        let tmp_count = || {
            fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".tmp")
                })
                .count()
        };
        assert_eq!(tmp_count(), 1, "{at:?}");

        // A retry without the fault succeeds, and leftovers of the crash do not get in the way.
        let b = LocalBackend::new(&path);
        rt().block_on(async {
            let lock = b.lock("apply", Duration::ZERO).await.unwrap();
            b.write(&mut s, &lock).await.unwrap();
        });
        let after = read(&path);
        assert_eq!(after.serial(), 3);
        assert_eq!(after.keys().len(), 3);
        assert_eq!(read(&backup_of(&path)).serial(), 2);
        // The crash's temporary file was swept by the successful write.
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{at:?}: {leftovers:?}");
    }
}

/// Child side of the real-crash test: writes serial 3 and freezes at the hook until killed.
#[test]
fn crash_child() {
    let (Ok(at), Ok(path)) = (std::env::var(CRASH_ENV), std::env::var(STATE_ENV)) else {
        return;
    };
    let at = if at == "after_temp" {
        Point::AfterTemp
    } else {
        Point::BeforeRename
    };
    let path = Path::new(&path);
    let mut s = read(path);
    let b = LocalBackend::with_hooks(path, Arc::new(Crash { at, freeze: true }));
    rt().block_on(async {
        let lock = b.lock("apply", Duration::ZERO).await.unwrap();
        add_key(&mut s, "three");
        let _ = b.write(&mut s, &lock).await;
    });
    unreachable!("the hook never returns");
}

#[test]
fn a_killed_process_leaves_the_old_state_intact() {
    for (name, at) in [
        ("after_temp", Point::AfterTemp),
        ("before_rename", Point::BeforeRename),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cmek.state.json");
        two_writes(&path);
        let before = fs::read(&path).unwrap();

        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CRASH_ENV, name)
            .env(STATE_ENV, &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reached = std::io::BufRead::lines(std::io::BufReader::new(stdout))
            .any(|l| l.unwrap().contains("CRASH_POINT"));
        assert!(reached, "{name}: the child never reached the crash point");
        // SIGKILL: no destructor, no cleanup, exactly like a power cut for the process.
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{name}: the child must have been killed");

        assert_eq!(fs::read(&path).unwrap(), before, "{name}");
        let current = read(&path);
        assert_eq!(current.serial(), 2);
        let backup = read(&backup_of(&path));
        let expected = if at == Point::AfterTemp { 1 } else { 2 };
        assert_eq!(backup.serial(), expected, "{name}");

        // The dead process left its lock: reported, and released only by id.
        let b = LocalBackend::new(&path);
        let holder = rt().block_on(b.current_lock()).unwrap().unwrap();
        let err = rt().block_on(b.lock("apply", Duration::ZERO)).unwrap_err();
        assert!(err.to_string().contains("looks stale"), "{err}");
        rt().block_on(b.force_unlock(&holder.id)).unwrap();
        let mut s = current;
        rt().block_on(async {
            let lock = b.lock("apply", Duration::ZERO).await.unwrap();
            add_key(&mut s, "three");
            b.write(&mut s, &lock).await.unwrap();
        });
        assert_eq!(read(&path).serial(), 3);
    }
}
