//! Fuzz target: arbitrary bytes as a `.hcl` file in a fresh config directory, loaded and
//! rendered in both formats. Any panic is a bug (the loader must only produce diagnostics).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("main.hcl"), data).is_err() {
        return;
    }
    let opts = cmek::spec::LoadOptions {
        env: Some(Vec::new()),
        ..Default::default()
    };
    let r = cmek::spec::load(dir.path(), &opts);
    let _ = cmek::diag::render_text::render(&r.diagnostics, &r.sources, true);
    let _ = cmek::diag::render_json::render(&r.diagnostics, &r.sources);
});
