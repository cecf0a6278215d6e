//! `docs/rules/` is generated from the rules: one page per built-in rule plus an index. This
//! test fails when a page is missing, stale or left over; run
//! `CMEK_BLESS_DOCS=1 cargo test --test lint_docs` to rewrite them.

use std::collections::BTreeMap;
use std::path::Path;

use cmek::lint::docs::{index_page, rule_page};
use cmek::lint::registry;

#[test]
fn rule_pages_are_in_sync_with_the_rules() {
    let dir = Path::new("docs/rules");
    let metas: Vec<_> = registry::all().iter().map(|r| r.meta).collect();
    let mut want: BTreeMap<String, String> = metas
        .iter()
        .map(|m| (format!("{}.md", m.id), rule_page(m)))
        .collect();
    want.insert("README.md".into(), index_page(&metas));
    if std::env::var_os("CMEK_BLESS_DOCS").is_some() {
        std::fs::create_dir_all(dir).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if !want.contains_key(&name) {
                std::fs::remove_file(p).unwrap();
            }
        }
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut have = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        have.insert(name, std::fs::read_to_string(&p).unwrap());
    }
    for (name, text) in &want {
        assert_eq!(
            have.get(name),
            Some(text),
            "docs/rules/{name} is missing or stale: run CMEK_BLESS_DOCS=1 cargo test --test lint_docs"
        );
    }
    for name in have.keys() {
        assert!(want.contains_key(name), "docs/rules/{name} has no rule");
    }
}

#[test]
fn sarif_help_uris_point_at_existing_pages() {
    for r in registry::all() {
        let uri = r.meta.help_uri();
        let page = uri.rsplit("/docs/rules/").next().unwrap();
        assert!(
            Path::new("docs/rules").join(page).exists(),
            "{uri} has no page"
        );
    }
}
