//! Structural safety invariants (DESIGN.md §1), checked on the source tree:
//! - no code outside `src/sandbox/` names an operation that deletes or disables a key, destroys
//!   or disables a key version, removes a binding or role assignment, revokes a grant, detaches or
//!   swaps a workspace key, or deletes a registration — neither as an identifier nor inside a
//!   string (an API action name or URL suffix); comments are ignored;
//! - the provider traits have exactly the reviewed set of methods;
//! - `SafetyCheckedUpdate::after_simulation` is only called by the plan/apply layer;
//! - a state with every field filled holds no field that could carry a secret.
//!
//! This file lives under `tests/`, which is exempt: it has to spell the forbidden names.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// A small Rust lexer: enough to separate comments, string/char literals and identifiers.

#[derive(Debug, Default)]
struct Tokens {
    /// (line, identifier)
    idents: Vec<(usize, String)>,
    /// (line, string literal content)
    strings: Vec<(usize, String)>,
}

fn lex(src: &str) -> Tokens {
    let b = src.as_bytes();
    let mut t = Tokens::default();
    let mut i = 0;
    let mut line = 1;
    let count_lines = |s: &[u8]| s.iter().filter(|c| **c == b'\n').count();
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some((end, content_start, content_end)) = raw_string_at(b, i) {
            t.strings
                .push((line, src[content_start..content_end].to_string()));
            line += count_lines(&b[i..end]);
            i = end;
        } else if c == b'"' || (c == b'b' && b.get(i + 1) == Some(&b'"')) {
            let start_line = line;
            i += if c == b'b' { 2 } else { 1 };
            let start = i;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            t.strings
                .push((start_line, src[start..i.min(b.len())].to_string()));
            i += 1;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', '"') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&b'\'') {
                i += 3;
            } else {
                i += 1; // lifetime: the identifier follows and is lexed normally
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            t.idents.push((line, src[start..i].to_string()));
        } else {
            i += 1;
        }
    }
    t
}

/// `r"..."`, `r#"..."#`, `br"..."`: returns (end, content start, content end).
fn raw_string_at(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let mut j = i;
    if b.get(j) == Some(&b'b') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    // Not part of a longer identifier like `for"`.
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let content_start = j + 1;
    let mut k = content_start;
    while k < b.len() {
        if b[k] == b'"'
            && b[k + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == b'#')
                .count()
                == hashes
        {
            return Some((k + 1 + hashes, content_start, k));
        }
        k += 1;
    }
    Some((b.len(), content_start, b.len()))
}

// ---------------------------------------------------------------------------------------------
// The rules.

/// Identifiers that name a destructive operation, matched exactly.
const FORBIDDEN_IDENTS: &[&str] = &[
    "schedule_key_deletion",
    "ScheduleKeyDeletion",
    "disable_key",
    "DisableKey",
    "disable_key_version",
    "DisableKeyVersion",
    "destroy",
    "Destroy",
    "destroy_key_version",
    "destroy_crypto_key_version",
    "DestroyCryptoKeyVersion",
    "delete",
    "DELETE",
    "delete_key",
    "DeleteKey",
    "delete_external_key",
    "DeleteExternalKey",
    "delete_role_assignment",
    "DeleteRoleAssignment",
    "delete_binding",
    "remove_binding",
    "RemoveBinding",
    "remove_iam_binding",
    "remove_role_assignment",
    "revoke_grant",
    "RevokeGrant",
    "retire_grant",
    "RetireGrant",
    "detach",
    "Detach",
    "detach_key",
    "detach_workspace_key",
    "swap_key",
    "swap_workspace_key",
    "purge_deleted_key",
    "PurgeDeletedKey",
];

/// Fragments that make any identifier containing them forbidden (compared lowercased).
const FORBIDDEN_IDENT_FRAGMENTS: &[&str] = &[
    "schedulekeydeletion",
    "schedule_key_deletion",
    "destroycryptokeyversion",
    "destroy_crypto_key_version",
    "deleteroleassignment",
    "delete_role_assignment",
    "deleteexternalkey",
    "delete_external_key",
    "purgedeleted",
    "purge_deleted",
    "remove_binding",
    "detach_workspace",
    "swap_workspace",
];

/// API action names and URL fragments that must not appear in string literals.
const FORBIDDEN_IN_STRINGS: &[&str] = &[
    "ScheduleKeyDeletion",
    "DestroyCryptoKeyVersion",
    ":destroy",
    "DeleteRoleAssignment",
    "roleAssignments/delete",
    "PurgeDeletedKey",
    "RevokeGrant",
    "RetireGrant",
    "DeleteExternalKey",
    "DeleteKey",
    "DeleteAlias",
];

fn violations(src: &str) -> Vec<String> {
    let t = lex(src);
    let mut out = Vec::new();
    for (line, ident) in &t.idents {
        let lower = ident.to_ascii_lowercase();
        if FORBIDDEN_IDENTS.contains(&ident.as_str())
            || FORBIDDEN_IDENT_FRAGMENTS.iter().any(|f| lower.contains(f))
        {
            out.push(format!("line {line}: identifier `{ident}`"));
        }
    }
    for (line, s) in &t.strings {
        for f in FORBIDDEN_IN_STRINGS {
            if s.contains(f) {
                out.push(format!("line {line}: string contains `{f}`"));
            }
        }
        // `DisableKey` is destructive; `DisableKeyRotation` is not.
        let mut rest = s.as_str();
        while let Some(pos) = rest.find("DisableKey") {
            let after = &rest[pos + "DisableKey".len()..];
            if !after.starts_with("Rotation") {
                out.push(format!("line {line}: string contains `DisableKey`"));
                break;
            }
            rest = after;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn product_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_destructive_operation_is_named_outside_the_sandbox() {
    let sources = product_sources();
    assert!(sources.len() > 10, "scanner found too few files");
    let mut found = Vec::new();
    for (path, src) in &sources {
        if path.starts_with("src/sandbox/") {
            continue;
        }
        for v in violations(src) {
            found.push(format!("{path}: {v}"));
        }
    }
    assert!(
        found.is_empty(),
        "destructive operations named in product code (DESIGN.md §1 forbids it):\n{}",
        found.join("\n")
    );
}

#[test]
fn scanner_sees_code_and_strings_but_not_comments() {
    let clean = r##"
        // schedule_key_deletion in a comment is fine
        /* so is DestroyCryptoKeyVersion, /* nested */ detach */
        /// and a doc comment about disable_key
        fn enable_key() { let _ = "DisableKeyRotation"; let c = '"'; let _l: &'static str = "ok"; }
        enum S { DestroyScheduled, Destroyed }
        let r = r#"a "quoted" raw string"#;
    "##;
    assert_eq!(violations(clean), Vec::<String>::new());

    let cases = [
        (
            "fn schedule_key_deletion() {}",
            "identifier `schedule_key_deletion`",
        ),
        ("client.disable_key(k)", "identifier `disable_key`"),
        ("fn aws_schedule_key_deletion_now() {}", "identifier"),
        (
            "let target = \"TrentService.ScheduleKeyDeletion\";",
            "ScheduleKeyDeletion",
        ),
        ("let t = \"TrentService.DisableKey\";", "`DisableKey`"),
        ("let u = r#\"v1/{name}:destroy\"#;", ":destroy"),
        ("http.delete(url)", "identifier `delete`"),
        ("Method::DELETE", "identifier `DELETE`"),
        ("ws.detach()", "identifier `detach`"),
        ("let c = '\\''; x.destroy();", "identifier `destroy`"),
    ];
    for (code, expected) in cases {
        let v = violations(code);
        assert!(
            v.iter().any(|m| m.contains(expected)),
            "`{code}` should be flagged with {expected}: {v:?}"
        );
    }
    assert_eq!(
        violations("a\n\nfn destroy() {}")[0],
        "line 3: identifier `destroy`"
    );
}

/// Each provider trait method is reviewed for safety; a new one must be added here on purpose.
#[test]
fn provider_traits_have_exactly_the_reviewed_methods() {
    let src =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/providers/mod.rs"))
            .unwrap();
    let t = lex(&src);
    let mut fns = BTreeSet::new();
    for w in t.idents.windows(2) {
        if w[0].1 == "fn" {
            fns.insert(w[1].1.clone());
        }
    }
    let reviewed: BTreeSet<String> = [
        // helpers
        "no_progress",
        // KeyProvider: read, create, add/replace-checked access, settings, restorative, verify
        "cloud",
        "refresh",
        "find_by_client_token",
        "create_key",
        "put_access",
        "set_rotation",
        "set_tags_or_labels",
        "set_alias",
        "set_description",
        "cancel_deletion",
        "enable_key",
        "restore_key_version",
        "enable_key_version",
        "wrap",
        "unwrap",
        // AnthropicApi: read, create, rename, validate, attach (write-once, SAFE008)
        "list_external_keys",
        "list_all_external_keys",
        "get_external_key",
        "create_external_key",
        "update_display_name",
        "validate_external_key",
        "get_workspace",
        "attach_workspace_key",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(fns, reviewed);
}

/// Only the plan/apply layer may vouch that a replacement document was simulated.
#[test]
fn safety_checked_updates_are_only_made_by_plan_and_apply() {
    let mut callers = Vec::new();
    for (path, src) in product_sources() {
        let allowed = path == "src/providers/access.rs"
            || path.starts_with("src/plan/")
            || path.starts_with("src/apply/");
        if !allowed
            && lex(&src)
                .idents
                .iter()
                .any(|(_, i)| i == "after_simulation")
        {
            callers.push(path);
        }
    }
    assert!(
        callers.is_empty(),
        "SafetyCheckedUpdate::after_simulation called outside plan/apply: {callers:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// State holds no secrets.

mod no_secrets {
    use super::*;
    use cmek::address::{Address, Cloud};
    use cmek::providers::ClientToken;
    use cmek::state::{AttachmentRecord, EntryOrigin, LocalBackend, State, StateBackend};
    use serde_json::{Value, json};

    const T: &str = "2026-11-29T00:00:00Z";

    /// A state using every feature: all three clouds, registrations, workspaces, attachments,
    /// pending creates and tombstones.
    fn everything() -> State {
        let mut s = State::new();
        let keys = [
            (Cloud::Aws, "arn:aws:kms:us-east-2:111122223333:key/k"),
            (
                Cloud::Gcp,
                "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k",
            ),
            (Cloud::Azure, "https://v.vault.azure.net/keys/k"),
        ];
        for (i, (cloud, id)) in keys.into_iter().enumerate() {
            let k = Address::key(cloud, "prod");
            let e = Address::external_key(format!("e{i}"));
            let w = Address::workspace(format!("w{i}"));
            s.upsert_key(
                &k,
                id,
                EntryOrigin::Imported,
                json!({"region": "us-east-2"}),
                T,
            )
            .unwrap();
            s.upsert_external_key(
                &e,
                &format!("ekey_{i}"),
                Some(k.clone()),
                json!({"geo": "us"}),
                T,
            )
            .unwrap();
            s.upsert_workspace(&w, &format!("wrkspc_{i}"), Some("c".into()), json!({}), T)
                .unwrap();
            s.record_attachment(&AttachmentRecord {
                workspace: &w,
                external_key: &e,
                key: &k,
                compartment_id: "11111111-2222-3333-4444-555555555555",
                org_uuid: "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                attached_at: T,
            })
            .unwrap();
        }
        s.begin_create(
            &Address::key(Cloud::Aws, "next"),
            ClientToken::generate(),
            T,
        );
        s.forget(&Address::workspace("w0"), "removed block", T)
            .unwrap();
        s
    }

    /// Field names of the state document, skipping the free-form `attributes` and tombstone
    /// `entry` contents (checked by value at write time) and map keys that are addresses.
    fn field_names(v: &Value, parent: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                let keyed_by_address = matches!(
                    parent,
                    "keys" | "external_keys" | "workspaces" | "pending_creates"
                );
                for (k, child) in map {
                    if !keyed_by_address {
                        out.insert(k.clone());
                    }
                    if k == "attributes" || k == "entry" {
                        continue;
                    }
                    field_names(child, if keyed_by_address { "" } else { k }, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    field_names(item, parent, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn a_full_state_has_no_field_that_could_hold_a_secret() {
        let s = everything();
        s.check_no_secrets().unwrap();
        let v = s.to_json_value();
        let mut names = BTreeSet::new();
        field_names(&v, "", &mut names);
        for name in &names {
            let lower = name.to_ascii_lowercase();
            for marker in [
                "key_material",
                "api_key",
                "secret",
                "password",
                "plaintext",
                "data_key",
                "private",
                "credential",
                "ciphertext",
            ] {
                assert!(!lower.contains(marker), "state field `{name}`");
            }
        }
        // Every field, reviewed: a new field shows up here and must be looked at.
        let listing: String = names.iter().map(|n| format!("{n}\n")).collect();
        insta::with_settings!({ snapshot_path => "../snapshots/state", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("state_field_names", listing);
        });
    }

    #[test]
    fn a_state_carrying_a_secret_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("cmek.state.json"));
        let mut s = everything();
        s.key_mut(&Address::key(Cloud::Aws, "prod"))
            .unwrap()
            .attributes = json!({"admin": {"x-api-key": "anything"}});
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt
            .block_on(async {
                let lock = b.lock("apply", std::time::Duration::ZERO).await.unwrap();
                b.write(&mut s, &lock).await
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("looks like it holds a secret"),
            "{err}"
        );
        assert!(!b.path().exists());
    }
}
