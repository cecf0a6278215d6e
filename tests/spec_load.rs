//! Valid specs under `tests/fixtures/spec/ok/` load without errors; the evaluated `Desired`
//! model of each is snapshotted as JSON under `snapshots/spec/`.

use std::path::{Path, PathBuf};

use cmek::diag::render_text;
use cmek::spec::model::{Desired, KeyKind};
use cmek::spec::{LoadOptions, load};

fn ok_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec/ok")
        .join(name)
}

fn load_ok(name: &str, opts: &LoadOptions) -> Desired {
    let r = load(&ok_dir(name), opts);
    let text = render_text::render(&r.diagnostics, &r.sources, false);
    assert!(!r.has_errors(), "{name}:\n{text}");
    r.desired.unwrap_or_else(|| panic!("{name}: no model"))
}

fn no_env() -> LoadOptions {
    LoadOptions {
        env: Some(Vec::new()),
        ..LoadOptions::default()
    }
}

fn snapshot(name: &str, d: &Desired) {
    let json = serde_json::to_string_pretty(d).unwrap();
    insta::with_settings!({ snapshot_path => "../snapshots/spec", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("ok__{name}"), json);
    });
}

#[test]
fn all_blocks() {
    let d = load_ok("all_blocks", &no_env());
    assert_eq!(d.keys.len(), 3);
    assert_eq!(d.external_keys.len(), 3);
    assert_eq!(d.workspaces.len(), 3);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.imports.len(), 1);
    assert_eq!(d.lint.ignores.len(), 1);
    // Provider fall-backs.
    let gcp = d
        .keys
        .values()
        .find(|k| matches!(k.kind, KeyKind::Gcp(_)))
        .unwrap();
    let KeyKind::Gcp(g) = &gcp.kind else {
        unreachable!()
    };
    assert_eq!(g.project, "acme-prod");
    snapshot("all_blocks", &d);
}

#[test]
fn defaults() {
    let d = load_ok("defaults", &no_env());
    snapshot("defaults", &d);
}

#[test]
fn enterprise() {
    let d = load_ok("enterprise", &no_env());
    snapshot("enterprise", &d);
}

#[test]
fn functions() {
    let d = load_ok("functions", &no_env());
    snapshot("functions", &d);
}

#[test]
fn modules_nested_with_outputs() {
    let d = load_ok("modules", &no_env());
    let addrs: Vec<String> = d.keys.keys().map(|a| a.to_string()).collect();
    assert_eq!(
        addrs,
        [
            "module.analytics.module.key.key.aws.main",
            "module.research.module.key.key.aws.main"
        ]
    );
    snapshot("modules", &d);
}

#[test]
fn variables_from_every_source_with_precedence() {
    let dir = ok_dir("variables");
    let opts = LoadOptions {
        vars: vec![
            String::from("org=4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
            String::from("rotation=true"),
            String::from(r#"admins=["arn:aws:iam::111122223333:role/A"]"#),
        ],
        var_files: vec![dir.join("first.hcl.vars"), dir.join("second.json")],
        env: Some(vec![
            (String::from("CMEK_VAR_region"), String::from("us-west-2")),
            (
                String::from("CMEK_VAR_from_env"),
                String::from("set in the environment"),
            ),
            (String::from("UNRELATED"), String::from("x")),
        ]),
    };
    let d = load_ok("variables", &opts);
    let k = d.keys.values().next().unwrap();
    let KeyKind::Aws(a) = &k.kind else { panic!() };
    assert_eq!(
        d.anthropic.organization_uuid,
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    ); // --var beats file
    assert_eq!(a.region, "us-east-2"); // json (later file) beats hcl file beats env beats default
    assert_eq!(a.description, "set in the environment"); // env beats default
    assert_eq!(a.rotation_period_days, Some(180)); // var file, typed number
    assert!(a.rotation); // --var, typed bool
    assert_eq!(
        a.admins.as_deref(),
        Some(&[String::from("arn:aws:iam::111122223333:role/A")][..])
    );
    snapshot("variables", &d);

    // Env alone beats the default.
    let opts = LoadOptions {
        vars: vec![String::from("org=4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")],
        var_files: Vec::new(),
        env: Some(vec![(
            String::from("CMEK_VAR_region"),
            String::from("us-west-2"),
        )]),
    };
    let d = load_ok("variables", &opts);
    let KeyKind::Aws(a) = &d.keys.values().next().unwrap().kind else {
        panic!()
    };
    assert_eq!(a.region, "us-west-2");
}

#[test]
fn loading_is_deterministic() {
    let a = serde_json::to_string(&load_ok("all_blocks", &no_env())).unwrap();
    let b = serde_json::to_string(&load_ok("all_blocks", &no_env())).unwrap();
    assert_eq!(a, b);
}

#[test]
fn ten_thousand_keys_load_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "anthropic {\n  organization_uuid = \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"\n}\nlocals {\n  tags = { team = \"security\" }\n}\n",
    );
    for i in 0..10_000 {
        text.push_str(&format!(
            "key \"aws\" \"k{i}\" {{\n  region = \"us-east-2\"\n  tags = local.tags\n}}\nexternal_key \"e{i}\" {{\n  key = key.aws.k{i}\n}}\n"
        ));
    }
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let start = std::time::Instant::now();
    let r = load(dir.path(), &no_env());
    let elapsed = start.elapsed();
    eprintln!("10,000 keys + 10,000 registrations loaded in {elapsed:?}");
    assert!(!r.has_errors());
    assert_eq!(r.desired.unwrap().keys.len(), 10_000);
    // Generous for debug builds on a shared 2-core machine; release is far below a second.
    assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
}
