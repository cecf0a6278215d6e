//! `import { to = <address>, id = "<remote id>" }` blocks, and the remote-id syntax shared with
//! `cmek import ADDRESS ID`.
//!
//! What is checked offline (so a bad import is a located diagnostic, never a remote call):
//! - `to` names a block declared in the spec (with a did-you-mean otherwise);
//! - `id` has the shape of the address's kind ([`check_id`]): an AWS key ARN, key id or alias for
//!   `key.aws.*`, an `ekey_` id for `external_key.*`, a `wrkspc_` id for `workspace.*`; the
//!   usual mix-ups (`org_` ids, ids of the wrong kind, multi-region keys) get a specific hint;
//! - a workspace import's id is the `id` its `workspace` block declares;
//! - one import block per address, and one address per remote id.
//!
//! Whether the remote object exists and matches the spec is decided later, against the
//! providers (`engine::import`).

use std::collections::BTreeMap;

use crate::address::{Address, Cloud, ObjectKind};
use crate::diag::{Diagnostic, Diagnostics, Span};

use super::eval::EvalBlock;
use super::model::{ExternalKeySpec, ImportSpec, KeySpec, Platform, WorkspaceSpec};
use super::rules::{AWS_US_REGIONS, Violation};

const CODE: &str = "spec::import-id";

fn violation(message: impl Into<String>, hint: Option<String>) -> Violation {
    Violation {
        code: CODE,
        message: message.into(),
        hint,
    }
}

/// What an id names, judged by its prefix alone (for "this is a registration id" hints).
fn foreign_kind(id: &str) -> Option<(&'static str, &'static str)> {
    if id.starts_with("ekey_") {
        Some(("a registration (`ekey_`) id", "external_key.<name>"))
    } else if id.starts_with("wrkspc_") {
        Some(("a workspace (`wrkspc_`) id", "workspace.<name>"))
    } else if id.starts_with("arn:") || id.starts_with("alias/") {
        Some(("an AWS KMS key identifier", "key.aws.<name>"))
    } else if id.starts_with("projects/") {
        Some(("a Google Cloud KMS key name", "key.gcp.<name>"))
    } else if id.starts_with("https://") {
        Some(("an Azure Key Vault key id", "key.azure.<name>"))
    } else {
        None
    }
}

fn is_id_body(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

/// Checks that `id` has the shape of a remote id for an object of `kind` on `platform`.
pub fn check_id(kind: ObjectKind, id: &str, platform: Platform) -> Result<(), Violation> {
    let id = id.trim();
    if id.is_empty() {
        return Err(violation("the import id is empty", None));
    }
    if id.starts_with("org_") {
        return Err(violation(
            format!(
                "`{id}` is an Anthropic organization id, not the id of a {}",
                noun(kind)
            ),
            Some(expected(kind).to_string()),
        ));
    }
    let wrong_kind = |what: &str, address: &str| {
        violation(
            format!("`{id}` is {what}, but the address is a {}", noun(kind)),
            Some(format!(
                "import it to `{address}` instead, or give {}",
                expected(kind)
            )),
        )
    };
    match kind {
        ObjectKind::ExternalKey => {
            if platform == Platform::ClaudePlatformAws {
                return Err(violation(
                    "Claude Platform on AWS has no registrations (the key ARN is the registration); import the key instead",
                    Some("import the key: `cmek import key.aws.<name> <key ARN>`".to_string()),
                ));
            }
            match id.strip_prefix("ekey_") {
                Some(body) if is_id_body(body) => Ok(()),
                Some(_) => Err(violation(
                    format!("`{id}` is not a well-formed `ekey_` id"),
                    Some(expected(kind).to_string()),
                )),
                None => match foreign_kind(id) {
                    Some((what, address)) => Err(wrong_kind(what, address)),
                    None => Err(violation(
                        format!("`{id}` is not a registration id"),
                        Some(expected(kind).to_string()),
                    )),
                },
            }
        }
        ObjectKind::Workspace => match id.strip_prefix("wrkspc_") {
            Some(body) if is_id_body(body) => Ok(()),
            Some(_) => Err(violation(
                format!("`{id}` is not a well-formed `wrkspc_` id"),
                Some(expected(kind).to_string()),
            )),
            None => match foreign_kind(id) {
                Some((what, address)) => Err(wrong_kind(what, address)),
                None if is_uuid(id) => Err(violation(
                    format!("`{id}` looks like a compartment UUID, not a workspace id"),
                    Some(expected(kind).to_string()),
                )),
                None => Err(violation(
                    format!("`{id}` is not a workspace id"),
                    Some(expected(kind).to_string()),
                )),
            },
        },
        ObjectKind::Key(Cloud::Aws) => check_aws_key_id(id),
        ObjectKind::Key(Cloud::Gcp) => {
            let parts: Vec<&str> = id.split('/').collect();
            let ok = matches!(
                parts.as_slice(),
                ["projects", p, "locations", l, "keyRings", r, "cryptoKeys", k]
                    if [p, l, r, k].iter().all(|s| !s.is_empty())
            );
            if ok {
                Ok(())
            } else {
                match foreign_kind(id) {
                    Some((what, address)) if address != "key.gcp.<name>" => {
                        Err(wrong_kind(what, address))
                    }
                    _ => Err(violation(
                        format!("`{id}` is not a Cloud KMS crypto key name"),
                        Some(expected(kind).to_string()),
                    )),
                }
            }
        }
        ObjectKind::Key(Cloud::Azure) => {
            let ok = id.starts_with("https://") && id.contains("/keys/");
            if ok {
                Ok(())
            } else {
                match foreign_kind(id) {
                    Some((what, address)) if address != "key.azure.<name>" => {
                        Err(wrong_kind(what, address))
                    }
                    _ => Err(violation(
                        format!("`{id}` is not an Azure Key Vault key id"),
                        Some(expected(kind).to_string()),
                    )),
                }
            }
        }
    }
}

fn check_aws_key_id(id: &str) -> Result<(), Violation> {
    let kind = ObjectKind::Key(Cloud::Aws);
    let multi_region = || {
        violation(
            format!(
                "`{id}` is a multi-region key; Anthropic CMEK supports single-region keys only"
            ),
            Some("create a single-region key in a US region and declare it instead".to_string()),
        )
    };
    if let Some(rest) = id.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, service, region, account, resource] = parts.as_slice() else {
            return Err(violation(
                format!("`{id}` is not a KMS key ARN"),
                Some(expected(kind).to_string()),
            ));
        };
        if *partition != "aws" {
            return Err(violation(
                format!(
                    "`{id}` is in the `{partition}` partition; Anthropic CMEK keys live in the commercial `aws` partition"
                ),
                None,
            ));
        }
        if *service != "kms" {
            return Err(violation(
                format!("`{id}` is an ARN of `{service}`, not of a KMS key"),
                Some(expected(kind).to_string()),
            ));
        }
        if !AWS_US_REGIONS.contains(region) {
            return Err(violation(
                format!(
                    "`{id}` is in region `{region}`; Anthropic CMEK keys must be in a US region"
                ),
                Some(format!("one of: {}", AWS_US_REGIONS.join(", "))),
            ));
        }
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(violation(
                format!("`{id}` has no valid 12-digit account id"),
                Some(expected(kind).to_string()),
            ));
        }
        if let Some(key) = resource.strip_prefix("key/") {
            if key.starts_with("mrk-") {
                return Err(multi_region());
            }
            return if is_uuid(key) {
                Ok(())
            } else {
                Err(violation(
                    format!("`{id}` does not end in a key id (a UUID)"),
                    Some(expected(kind).to_string()),
                ))
            };
        }
        if let Some(alias) = resource.strip_prefix("alias/") {
            return if alias.is_empty() || alias.starts_with("aws/") {
                Err(violation(
                    format!("`{id}` is not an alias a customer-managed key can have"),
                    Some(expected(kind).to_string()),
                ))
            } else {
                Ok(())
            };
        }
        return Err(violation(
            format!("`{id}` names neither a KMS key nor an alias"),
            Some(expected(kind).to_string()),
        ));
    }
    if let Some(alias) = id.strip_prefix("alias/") {
        return if alias.is_empty() || alias.starts_with("aws/") {
            Err(violation(
                format!("`{id}` is not an alias a customer-managed key can have"),
                Some(expected(kind).to_string()),
            ))
        } else {
            Ok(())
        };
    }
    if id.starts_with("mrk-") {
        return Err(multi_region());
    }
    if is_uuid(id) {
        return Ok(());
    }
    match foreign_kind(id) {
        Some((what, address)) => Err(violation(
            format!("`{id}` is {what}, but the address is an AWS key"),
            Some(format!(
                "import it to `{address}` instead, or give {}",
                expected(kind)
            )),
        )),
        None => Err(violation(
            format!("`{id}` is not an AWS KMS key identifier"),
            Some(expected(kind).to_string()),
        )),
    }
}

fn noun(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Key(Cloud::Aws) => "AWS KMS key",
        ObjectKind::Key(Cloud::Gcp) => "Cloud KMS key",
        ObjectKind::Key(Cloud::Azure) => "Key Vault key",
        ObjectKind::ExternalKey => "registration",
        ObjectKind::Workspace => "workspace",
    }
}

fn expected(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Key(Cloud::Aws) => {
            "a key ARN (arn:aws:kms:<region>:<account>:key/<key id>), a key id, or an alias (alias/<name> or its ARN)"
        }
        ObjectKind::Key(Cloud::Gcp) => {
            "the crypto key name: projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>"
        }
        ObjectKind::Key(Cloud::Azure) => "the key id: https://<vault>.vault.azure.net/keys/<name>",
        ObjectKind::ExternalKey => {
            "the registration id, `ekey_...` (cmek plan and the Claude Console show it)"
        }
        ObjectKind::Workspace => "the workspace id, `wrkspc_...` (not its compartment UUID)",
    }
}

/// Every address the spec declares, for "did you mean" hints.
pub fn declared_addresses<'a>(
    keys: &'a BTreeMap<Address, KeySpec>,
    external_keys: &'a BTreeMap<Address, ExternalKeySpec>,
    workspaces: &'a BTreeMap<Address, WorkspaceSpec>,
) -> Vec<&'a Address> {
    keys.keys()
        .chain(external_keys.keys())
        .chain(workspaces.keys())
        .collect()
}

/// The message and hint for an address that the spec does not declare.
pub fn undeclared(address: &Address, declared: &[&Address]) -> (String, Option<String>) {
    let names: Vec<String> = declared.iter().map(|a| a.to_string()).collect();
    let hint = crate::diag::suggest::hint(&address.to_string(), names.iter().map(String::as_str));
    let block = match address.kind {
        ObjectKind::Key(cloud) => format!("key \"{cloud}\" \"{}\"", address.name),
        ObjectKind::ExternalKey => format!("external_key \"{}\"", address.name),
        ObjectKind::Workspace => format!("workspace \"{}\"", address.name),
    };
    let hint = hint.or_else(|| {
        Some(format!(
            "declare the `{block}` block first: import adopts an object for a block of the spec"
        ))
    });
    (
        format!("`{address}` is not declared in the spec: there is no `{block}` block"),
        hint,
    )
}

/// One import block with the spans of its attributes.
pub struct ImportBlock<'b> {
    pub spec: ImportSpec,
    pub block: &'b EvalBlock,
}

/// The spec's view the checks need.
pub struct Declared<'a> {
    pub keys: &'a BTreeMap<Address, KeySpec>,
    pub external_keys: &'a BTreeMap<Address, ExternalKeySpec>,
    pub workspaces: &'a BTreeMap<Address, WorkspaceSpec>,
    pub platform: Platform,
}

fn span_of(block: &EvalBlock, attr: &str) -> Span {
    block
        .attr(attr)
        .map(|a| a.value_span.clone())
        .unwrap_or_else(|| block.header.clone())
}

/// Checks every import block; reports each problem. Returns whether all were fine.
pub fn check(
    imports: &[ImportBlock<'_>],
    declared: &Declared<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let mut ok = true;
    let all = declared_addresses(declared.keys, declared.external_keys, declared.workspaces);
    let mut by_address: BTreeMap<&Address, Span> = BTreeMap::new();
    let mut by_id: BTreeMap<&str, Span> = BTreeMap::new();
    for ImportBlock { spec, block } in imports {
        let to_span = span_of(block, "to");
        let id_span = span_of(block, "id");
        if !all.contains(&&spec.to) {
            let (message, hint) = undeclared(&spec.to, &all);
            diags.push(
                Diagnostic::error("spec::import-target", message)
                    .at(to_span.clone(), "not declared")
                    .with_help_opt(hint),
            );
            ok = false;
        }
        if let Err(v) = check_id(spec.to.kind, &spec.id, declared.platform) {
            diags.push(
                Diagnostic::error(v.code, v.message)
                    .at(id_span.clone(), "not an id for this address")
                    .with_help_opt(v.hint),
            );
            ok = false;
        } else if let Some(ws) = declared.workspaces.get(&spec.to)
            && ws.id != spec.id.trim()
        {
            diags.push(
                Diagnostic::error(
                    "spec::import-workspace-id",
                    format!(
                        "`{}` declares workspace `{}`, but this import names `{}`",
                        spec.to, ws.id, spec.id
                    ),
                )
                .at(id_span.clone(), "a different workspace")
                .with_help(format!(
                    "a workspace block names its workspace by `id`; import `{}` or fix the block",
                    ws.id
                )),
            );
            ok = false;
        }
        if let Some(first) = by_address.get(&spec.to) {
            diags.push(
                Diagnostic::error(
                    "spec::duplicate-import",
                    format!("`{}` is imported twice", spec.to),
                )
                .at(to_span.clone(), "imported again here")
                .with_label(first.clone(), "first imported here")
                .with_help("keep one import block per address"),
            );
            ok = false;
        } else {
            by_address.insert(&spec.to, to_span.clone());
        }
        if let Some(first) = by_id.get(spec.id.as_str()) {
            diags.push(
                Diagnostic::error(
                    "spec::duplicate-import",
                    format!("`{}` is imported to two addresses", spec.id),
                )
                .at(id_span, "imported again here")
                .with_label(first.clone(), "first imported here")
                .with_help("one remote object can be managed at one address only"),
            );
            ok = false;
        } else {
            by_id.insert(spec.id.as_str(), id_span);
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: ObjectKind = ObjectKind::Key(Cloud::Aws);
    const P: Platform = Platform::ClaudePlatform;

    #[test]
    fn accepts_every_aws_identifier_form() {
        for id in [
            "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/anthropic-cmek-prod",
            "arn:aws:kms:us-east-2:111122223333:alias/anthropic-cmek-prod",
        ] {
            assert!(check_id(AWS, id, P).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_bad_aws_identifiers_with_a_reason() {
        let cases = [
            ("org_01abc", "organization id"),
            ("ekey_01abc", "registration"),
            ("mrk-1234abcd12ab34cd56ef1234567890ab", "multi-region"),
            (
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "US region",
            ),
            (
                "arn:aws:kms:us-east-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "12-digit",
            ),
            ("arn:aws:s3:::bucket", "not of a KMS key"),
            ("arn:aws:kms:us-east-2:111122223333:alias/aws/ebs", "alias"),
            ("hello", "not an AWS KMS key identifier"),
        ];
        for (id, needle) in cases {
            let err = check_id(AWS, id, P).unwrap_err();
            assert!(err.message.contains(needle), "{id}: {}", err.message);
        }
    }

    #[test]
    fn registration_and_workspace_ids() {
        assert!(check_id(ObjectKind::ExternalKey, "ekey_01Abc", P).is_ok());
        assert!(check_id(ObjectKind::Workspace, "wrkspc_01Abc", P).is_ok());
        let e = check_id(ObjectKind::ExternalKey, "wrkspc_01", P).unwrap_err();
        assert!(e.message.contains("workspace"), "{}", e.message);
        let e = check_id(
            ObjectKind::Workspace,
            "c0af63e0-0000-4000-8000-000000000001",
            P,
        )
        .unwrap_err();
        assert!(e.message.contains("compartment"), "{}", e.message);
        let e = check_id(ObjectKind::Workspace, "org_01", P).unwrap_err();
        assert!(e.message.contains("organization id"), "{}", e.message);
        assert!(check_id(ObjectKind::ExternalKey, "ekey_", P).is_err());
        assert!(
            check_id(
                ObjectKind::ExternalKey,
                "ekey_01",
                Platform::ClaudePlatformAws
            )
            .is_err()
        );
    }
}
