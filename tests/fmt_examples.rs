//! The shipped examples and modules: formatted (`cmek fmt --check` passes on them), written
//! with the block names of DESIGN.md §3 only, modules free of root-only blocks, module sources
//! that resolve, and a README per directory that says how to run it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hcl_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(hcl_files(&p));
        } else if p.extension().is_some_and(|e| e == "hcl") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Top-level block names of every file in a config directory.
fn blocks(dir: &Path) -> Vec<hcl::Block> {
    hcl_files(dir)
        .iter()
        .flat_map(|f| {
            let body: hcl::Body = hcl::parse(&std::fs::read_to_string(f).unwrap()).unwrap();
            body.into_blocks().collect::<Vec<_>>()
        })
        .collect()
}

const DESIGN_BLOCKS: [&str; 13] = [
    "anthropic",
    "backend",
    "provider",
    "variable",
    "locals",
    "key",
    "external_key",
    "workspace",
    "removed",
    "module",
    "import",
    "output",
    "lint",
];

#[test]
fn examples_and_modules_are_formatted() {
    let mut count = 0;
    for top in ["examples", "modules"] {
        for file in hcl_files(&root().join(top)) {
            count += 1;
            let src = std::fs::read_to_string(&file).unwrap();
            assert_eq!(
                cmek::fmt::format_source(&src).unwrap(),
                src,
                "{} is not formatted",
                file.display()
            );
        }
    }
    assert!(
        count >= 15,
        "expected the examples and modules, found {count} files"
    );
    Command::cargo_bin("cmek")
        .unwrap()
        .current_dir(root())
        .args(["fmt", "--check", "examples", "modules"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn examples_are_complete_configs() {
    let expected: BTreeSet<&str> = [
        "aws",
        "azure",
        "claude-enterprise",
        "gcp",
        "modules",
        "claude-platform-aws",
        "quickstart",
    ]
    .into();
    // `examples/ci/` holds CI workflows that run cmek, not a spec.
    let dirs: Vec<PathBuf> = subdirs(&root().join("examples"))
        .into_iter()
        .filter(|d| !d.ends_with("ci"))
        .collect();
    let names: BTreeSet<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, expected.iter().map(|s| s.to_string()).collect());
    for dir in dirs {
        let name = dir.display().to_string();
        assert!(dir.join("main.cmek.hcl").is_file(), "{name}");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains("--sandbox"),
            "{name}: README must say how to run it"
        );
        let blocks = blocks(&dir);
        for b in &blocks {
            assert!(
                DESIGN_BLOCKS.contains(&b.identifier()),
                "{name}: unknown block {}",
                b.identifier()
            );
        }
        let count = |id: &str| blocks.iter().filter(|b| b.identifier() == id).count();
        assert_eq!(count("anthropic"), 1, "{name}");
        assert!(count("provider") >= 1, "{name}");
        // Module sources resolve relative to the config directory.
        for m in blocks.iter().filter(|b| b.identifier() == "module") {
            let source = m
                .body()
                .attributes()
                .find(|a| a.key() == "source")
                .and_then(|a| match a.expr() {
                    hcl::Expression::String(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap();
            assert!(dir.join(&source).is_dir(), "{name}: module source {source}");
        }
    }
    // Enterprise has no workspaces; the quickstart has one key and two workspaces.
    let enterprise = blocks(&root().join("examples/claude-enterprise"));
    assert!(enterprise.iter().all(|b| b.identifier() != "workspace"));
    let quick = blocks(&root().join("examples/quickstart"));
    assert_eq!(quick.iter().filter(|b| b.identifier() == "key").count(), 1);
    assert_eq!(
        quick
            .iter()
            .filter(|b| b.identifier() == "workspace")
            .count(),
        2
    );
}

#[test]
fn modules_hold_no_root_only_blocks() {
    let dirs = subdirs(&root().join("modules"));
    assert_eq!(dirs.len(), 3);
    for dir in dirs {
        let name = dir.display().to_string();
        assert!(dir.join("README.md").is_file(), "{name}");
        let blocks = blocks(&dir);
        for b in &blocks {
            assert!(DESIGN_BLOCKS.contains(&b.identifier()), "{name}");
            assert!(
                !["anthropic", "backend", "provider", "module"].contains(&b.identifier()),
                "{name}: a module may not contain {}",
                b.identifier()
            );
        }
        for id in ["key", "external_key", "workspace", "variable", "output"] {
            assert!(
                blocks.iter().any(|b| b.identifier() == id),
                "{name}: no {id} block"
            );
        }
    }
}
