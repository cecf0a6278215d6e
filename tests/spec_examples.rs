//! Every directory under `examples/` that holds `*.hcl` files must load without errors; its
//! `Desired` model is snapshotted as JSON under `snapshots/spec/`.

use std::path::{Path, PathBuf};

use cmek::diag::render_text;
use cmek::spec::{LoadOptions, load};

fn example_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_hcl = false;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                // Module directories inside an example are loaded through their callers;
                // `examples/modules` itself is an example.
                if dir == root || p.file_name().is_some_and(|n| n != "modules") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "hcl") {
                has_hcl = true;
            }
        }
        if has_hcl {
            out.push(dir);
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for dir in example_dirs(&root) {
        let name = dir
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        let r = load(
            &dir,
            &LoadOptions {
                env: Some(Vec::new()),
                ..LoadOptions::default()
            },
        );
        let text = render_text::render(&r.diagnostics, &r.sources, false);
        assert!(!r.has_errors(), "examples/{name}:\n{text}");
        let desired = r.desired.expect("model");
        let json = serde_json::to_string_pretty(&desired).unwrap();
        insta::with_settings!({ snapshot_path => "../snapshots/spec", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("example__{name}"), json);
        });
    }
}
