//! Broken specs: every directory under `tests/fixtures/spec/broken/` must fail to load with
//! located diagnostics; the plain-text rendering of each is snapshotted under
//! `snapshots/spec/`. A few are also snapshotted as JSON. Secrets never appear in output.

use std::path::{Path, PathBuf};

use cmek::diag::{render_json, render_text};
use cmek::spec::{LoadOptions, LoadResult, load};

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec/broken")
}

/// No environment: results do not depend on the machine.
fn opts() -> LoadOptions {
    LoadOptions {
        env: Some(Vec::new()),
        ..LoadOptions::default()
    }
}

fn render(name: &str, r: &LoadResult) -> String {
    let mut out = render_text::render(&r.diagnostics, &r.sources, false);
    if let Some(s) = r.diagnostics.summary(&format!("broken/{name}")) {
        out.push_str(&s);
        out.push('\n');
    }
    out
}

fn assert_located(name: &str, r: &LoadResult) {
    assert!(r.has_errors(), "{name}: expected errors");
    assert!(
        r.desired.is_none(),
        "{name}: no model when there are errors"
    );
    for d in &r.diagnostics {
        let l = d
            .primary
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: `{}` has no location", d.code));
        let f = r.sources.get(l.span.file).expect("file in source map");
        let (line, col) = f.line_col(l.span.range.start);
        assert!(line >= 1 && col >= 1, "{name}: {}", d.code);
    }
    let text = render(name, r);
    assert!(
        text.contains(" --> "),
        "{name}: no file:line:col in\n{text}"
    );
}

#[test]
fn every_broken_spec_is_reported_with_locations() {
    let mut names: Vec<String> = std::fs::read_dir(broken_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 30, "only {} broken fixtures", names.len());
    for name in names {
        let r = load(&broken_dir().join(&name), &opts());
        assert_located(&name, &r);
        insta::with_settings!({ snapshot_path => "../snapshots/spec", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("broken__{name}"), render(&name, &r));
        });
    }
}

#[test]
fn json_format_for_a_few() {
    for name in [
        "unknown_attribute",
        "org_prefix",
        "reference_cycle",
        "invalid_json_policy",
    ] {
        let r = load(&broken_dir().join(name), &opts());
        let json = render_json::render(&r.diagnostics, &r.sources);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for d in v.as_array().unwrap() {
            assert!(d["file"].is_string() && d["line"].is_u64() && d["column"].is_u64());
        }
        insta::with_settings!({ snapshot_path => "../snapshots/spec", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("broken_json__{name}"), json);
        });
    }
}

#[test]
fn api_key_never_shown() {
    let secret_tail = "Zq3xVbN7mK2pLwR9tYcH4sJdF6gA8eU1iO5nM0";
    let r = load(&broken_dir().join("api_key_literal"), &opts());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "spec::secret-literal")
    );
    let text = render_text::render(&r.diagnostics, &r.sources, false);
    let colored = render_text::render(&r.diagnostics, &r.sources, true);
    let json = render_json::render(&r.diagnostics, &r.sources);
    for out in [&text, &colored, &json] {
        assert!(!out.contains(secret_tail), "secret leaked:\n{out}");
        assert!(!out.contains("sk-ant-admin01"), "secret leaked:\n{out}");
    }
    assert!(text.contains("***REDACTED***"), "{text}");
    // Debug output of the diagnostics holds no secret either.
    assert!(!format!("{:?}", r.diagnostics).contains(secret_tail));

    // An attribute named like a key: its value is redacted too.
    let r = load(&broken_dir().join("api_key_attribute"), &opts());
    let text = render_text::render(&r.diagnostics, &r.sources, false);
    assert!(!text.contains("abc123-not-a-real-key"), "{text}");
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "spec::secret-attribute")
    );
}

#[test]
fn secret_in_var_value_is_reported_and_redacted() {
    let dir = broken_dir().join("var_without_value");
    let r = load(
        &dir,
        &LoadOptions {
            vars: vec![String::from("region=sk-ant-api03-SECRETVALUE123")],
            env: Some(Vec::new()),
            ..LoadOptions::default()
        },
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "spec::secret-literal")
    );
    let text = render_text::render(&r.diagnostics, &r.sources, false);
    let json = render_json::render(&r.diagnostics, &r.sources);
    assert!(
        !text.contains("SECRETVALUE123") && !json.contains("SECRETVALUE123"),
        "{text}"
    );
}

#[test]
fn non_utf8_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.hcl"),
        b"anthropic {\n  organization_uuid = \"\xff\xfe\"\n}\n",
    )
    .unwrap();
    let r = load(dir.path(), &opts());
    assert_located("non_utf8", &r);
    assert!(r.diagnostics.iter().any(|d| d.code == "spec::not-utf8"));
    insta::with_settings!({ snapshot_path => "../snapshots/spec", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("broken__non_utf8_file", render("non_utf8_file", &r));
    });
}

#[test]
fn huge_file_gets_a_size_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("big.hcl")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    drop(f);
    let r = load(dir.path(), &opts());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "spec::file-too-large")
    );
    assert!(r.desired.is_none());
}

#[test]
fn missing_directory() {
    let r = load(Path::new("/nonexistent/cmek-config"), &opts());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "spec::unreadable-dir")
    );
}

#[test]
fn garbage_never_panics() {
    let inputs: &[&[u8]] = &[
        b"",
        b"{",
        b"}}}}",
        b"key \"aws\" \"x\" { region = ${ }",
        b"locals { a = [for x in local.a : x] }",
        b"locals { a = b }",
        b"anthropic { organization_uuid = 1 + \"x\" }",
        b"key \"aws\" \"a\" { tags = { for k, v in var.nope : k => v } }",
        b"module \"m\" { source = \".\" }",
        b"x = file(\"/dev/null\")",
        b"locals { s = \"%{ for x in [1] }${x}%{ endfor }\" }",
        b"variable \"v\" { type = list(strng) }",
        b"\xef\xbb\xbfanthropic {}",
        b"key \"aws\" \"a\" { policy = file(\".\") }",
    ];
    for input in inputs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.hcl"), input).unwrap();
        let r = load(dir.path(), &opts());
        let _ = render_text::render(&r.diagnostics, &r.sources, true);
        let _ = render_json::render(&r.diagnostics, &r.sources);
    }
}

/// A cheap, deterministic stand-in for the fuzzer: truncations, byte flips and insertions of
/// every fixture never make the loader or the renderers panic.
#[test]
fn mutated_fixtures_never_panic() {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for kind in ["broken", "ok"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/spec")
            .join(kind);
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for d in dirs {
            if let Ok(bytes) = std::fs::read(d.join("main.hcl")) {
                seeds.push(bytes);
            }
        }
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let inserts: &[&[u8]] = &[
        b"{",
        b"}",
        b"\"",
        b"${",
        b"%{",
        b"\xc3\xa9",
        b"\xff",
        b"\n",
        b"local.",
        b"key.aws.",
        b"<<EOT\n",
        b"(",
    ];
    let dir = tempfile::tempdir().unwrap();
    // `CMEK_MUTATIONS=500 cargo test --test spec_diagnostics mutated` for a longer hunt.
    let rounds: usize = std::env::var("CMEK_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for (i, seed) in seeds.iter().enumerate() {
        for _ in 0..rounds {
            let mut m = seed.clone();
            let pos = (next() as usize) % (m.len() + 1);
            match next() % 3 {
                0 => m.truncate(pos),
                1 => {
                    if let Some(b) = m.get_mut(pos) {
                        *b ^= (next() % 255 + 1) as u8;
                    }
                }
                _ => {
                    let ins = inserts[(next() as usize) % inserts.len()];
                    m.splice(pos..pos, ins.iter().copied());
                }
            }
            std::fs::write(dir.path().join("main.hcl"), &m).unwrap();
            let r = load(dir.path(), &opts());
            let _ = render_text::render(&r.diagnostics, &r.sources, true);
            let _ = render_json::render(&r.diagnostics, &r.sources);
            assert!(
                r.desired.is_some() || r.has_errors(),
                "seed {i}: no model and no error"
            );
        }
    }
}
