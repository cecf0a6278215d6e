//! Inputs → [`Subject`]s. A directory is a spec (loaded with `crate::spec::load`; each key
//! becomes one subject, its policy rendered from the spec or taken from the `policy` escape
//! hatch); a `.json` file is sniffed: `Statement` → AWS key policy, `bindings` → GCP IAM policy.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::engine::LintOptions;
use super::finding::{InputError, Location};
use super::subject::{AwsSubject, AzureSubject, GcpSubject, PolicyFileLocations, Subject};
use super::suppress::{IgnoreComment, parse_comments};
use crate::diag::SourceMap;
use crate::policy::aws::principal::{PrincipalClass, classify};
use crate::policy::aws::{PolicyDocument, PrincipalType, parse_policy_text, parse_policy_value};
use crate::policy::gcp::iam::IamPolicy;
use crate::policy::identities::identities;
use crate::policy::render::aws::{AwsAccessInput, render_aws_policy};
use crate::policy::render::azure::{AzureAccessInput, render_azure_access};
use crate::policy::render::gcp::{GcpAccessInput, render_gcp_access};
use crate::spec::model::{AzureKeyType, Desired, KeyKind, KeySpec, LintIgnore, Platform};
use crate::spec::{LoadOptions, load};

/// Everything collected from the inputs.
#[derive(Debug, Default)]
pub struct InputSet {
    pub subjects: Vec<Subject>,
    pub comments: Vec<IgnoreComment>,
    pub ignores: Vec<LintIgnore>,
    pub errors: Vec<InputError>,
    /// User rule files named by specs (`lint { policies = [...] }`), resolved against the
    /// spec directory.
    pub policy_paths: Vec<PathBuf>,
    /// Things the report should say that are not findings (e.g. keys `--live` skipped).
    pub notes: Vec<String>,
    /// The loaded specs the subjects came from, kept so that a caller about to exit can skip
    /// freeing them (see [`crate::lint::engine::lint_paths_retaining`]).
    pub loaded: LoadedSpecs,
}

/// Loaded specs kept alive with an [`InputSet`] (their `Debug` shows only how many there are:
/// a spec of 10,000 keys is not something to print).
#[derive(Default)]
pub struct LoadedSpecs(pub Vec<crate::spec::LoadResult>);

impl std::fmt::Debug for LoadedSpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoadedSpecs({} spec(s))", self.0.len())
    }
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Add the subjects of one path to `set`.
pub fn collect(path: &Path, opts: &LintOptions, set: &mut InputSet) {
    if path.is_dir() {
        collect_spec(path, set);
        return;
    }
    let name = display(path);
    match path.extension().and_then(|e| e.to_str()) {
        Some("hcl") => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            collect_spec(&dir, set);
        }
        Some("json") => match std::fs::read_to_string(path) {
            Ok(text) => collect_json(&name, &text, opts, set),
            Err(e) => set.errors.push(InputError {
                location: Location::file_start(&name),
                message: format!("cannot read: {e}"),
            }),
        },
        _ => set.errors.push(InputError {
            location: Location::file_start(&name),
            message: "not a spec directory, `.hcl` file or `.json` policy".into(),
        }),
    }
}

/// A raw JSON input: an AWS key policy or a GCP IAM policy.
pub fn collect_json(name: &str, text: &str, opts: &LintOptions, set: &mut InputSet) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            set.errors.push(InputError {
                location: Location::new(name, e.line() as u32, e.column() as u32),
                message: format!("invalid JSON: {e}"),
            });
            return;
        }
    };
    let orgs: Vec<String> = opts.org_uuid.iter().cloned().collect();
    if super::terraform::is_terraform_json(&value) {
        super::terraform::collect(name, text, &value, opts, &mut set.subjects, &mut set.errors);
        set.comments.extend(parse_comments(name, text));
    } else if value.get("Statement").is_some() {
        let parsed = match parse_policy_text(text) {
            Ok(p) => p,
            Err(e) => {
                set.errors.push(InputError {
                    location: Location::new(
                        name,
                        e.line.unwrap_or(1) as u32,
                        e.column.unwrap_or(1) as u32,
                    ),
                    message: format!("invalid key policy at {}: {}", e.path, e.message),
                });
                return;
            }
        };
        let statement_locations = (0..parsed.document.statements.len())
            .map(|i| match parsed.span_of(i) {
                Some(sp) => Location::new(name, sp.line as u32, sp.column as u32),
                None => Location::file_start(name),
            })
            .collect();
        let platform = sniff_platform(&parsed.document);
        let account_id = infer_account(&parsed.document);
        set.subjects.push(Subject::Aws(AwsSubject {
            address: None,
            origin: Location::file_start(name),
            policy_origin: Location::file_start(name),
            statement_locations,
            policy_file: None,
            policy: Some(parsed.document),
            rendered: false,
            platform,
            account_id,
            region: opts.region.clone(),
            key_id: None,
            multi_region: None,
            rotation: None,
            key_spec: None,
            key_usage: None,
            key_state: None,
            org_uuids: orgs,
            served: Vec::new(),
        }));
    } else if value.get("bindings").is_some() {
        let iam = match IamPolicy::from_json(text) {
            Ok(p) => p,
            Err(e) => {
                set.errors.push(InputError {
                    location: Location::file_start(name),
                    message: format!("invalid IAM policy: {e}"),
                });
                return;
            }
        };
        set.subjects.push(Subject::Gcp(GcpSubject {
            address: None,
            origin: Location::file_start(name),
            location: opts.region.clone(),
            protection_level: None,
            rotation_period_seconds: None,
            labels: None,
            binding_locations: locate_all(name, text, "\"role\""),
            iam: Some(iam),
            purpose: None,
            wide_bindings: Vec::new(),
            org_uuids: orgs,
        }));
    } else {
        set.errors.push(InputError {
            location: Location::file_start(name),
            message: "neither an AWS key policy (`Statement`), a GCP IAM policy (`bindings`) nor \
                      Terraform JSON (`planned_values`)"
                .into(),
        });
    }
}

/// Locations of every occurrence of `needle` in `text`, in order.
fn locate_all(name: &str, text: &str, needle: &str) -> Vec<Location> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(p) = line[from..].find(needle) {
            let col = line[..from + p].chars().count() + 1;
            out.push(Location::new(name, (i + 1) as u32, col as u32));
            from += p + needle.len();
        }
    }
    out
}

/// Claude Platform on AWS when the policy names the service principal.
pub(crate) fn sniff_platform(doc: &PolicyDocument) -> Platform {
    let Ok(ids) = identities() else {
        return Platform::ClaudePlatform;
    };
    let service = doc.statements.iter().any(|s| {
        s.principal.as_ref().is_some_and(|p| {
            p.entries()
                .any(|(t, v)| *t == PrincipalType::Service && v == ids.aws.service_principal)
        })
    });
    if service {
        Platform::ClaudePlatformAws
    } else {
        Platform::ClaudePlatform
    }
}

/// The owning account: the first account root named in the policy that is not Anthropic's or a
/// look-alike of it.
pub(crate) fn infer_account(doc: &PolicyDocument) -> Option<String> {
    let ids = identities().ok()?;
    for s in &doc.statements {
        let Some(p) = &s.principal else { continue };
        for (t, v) in p.entries() {
            if *t != PrincipalType::Aws {
                continue;
            }
            if let PrincipalClass::AccountRoot { account } = classify(t, v)
                && account != ids.aws.account_id
                && super::facts::edit_distance(&account, &ids.aws.account_id) > 2
            {
                return Some(account);
            }
        }
    }
    None
}

/// A spec directory: one subject per key.
pub fn collect_spec(dir: &Path, set: &mut InputSet) {
    let result = load(dir, &LoadOptions::default());
    let dir_name = display(dir);
    let desired = result
        .desired
        .as_ref()
        .filter(|_| !result.diagnostics.has_errors());
    let Some(desired) = desired else {
        let text = crate::diag::render_text::render(&result.diagnostics, &result.sources, false);
        set.errors.push(InputError {
            location: Location::file_start(&dir_name),
            message: format!("the spec has errors:\n{}", text.trim_end()),
        });
        return;
    };
    collect_desired(dir, desired, Some(&result.sources), set);
    set.loaded.0.push(result);
}

/// A spec already loaded from `dir` (plan lints the spec it plans with): one subject per key;
/// comments and `lint { ignore }` blocks are read for suppressions. `sources`, when given, is
/// the loader's source map: the files are then not read a second time.
pub fn collect_desired(
    dir: &Path,
    desired: &Desired,
    sources: Option<&SourceMap>,
    set: &mut InputSet,
) {
    let texts = collect_spec_annotations(dir, desired, sources, set);
    let file_of = |f: &str| display(&dir.join(f));
    // Each file split into lines once: keys look up their `policy` attribute by line.
    let lines: BTreeMap<&String, Vec<&str>> = texts
        .iter()
        .map(|(f, t)| (f, t.lines().collect()))
        .collect();
    // Built on this thread on purpose: subjects live until the report is done, and building
    // them on a worker thread puts them in a second malloc arena instead of reusing the memory
    // the spec loader just freed (+10% peak RSS on a 10,000-key spec, for little time saved).
    set.subjects.reserve(desired.keys.len());
    for key in desired.keys.values() {
        let text = lines.get(&key.origin.file).map(Vec::as_slice);
        let mut subject = spec_subject(key, desired, text, &file_of(&key.origin.file));
        if let (Subject::Aws(a), Some(text)) = (&mut subject, text) {
            point_into_policy_file(a, dir, text, key.origin.line);
        }
        set.subjects.push(subject);
    }
}

/// Read what a loaded spec says about linting itself: the `cmek:ignore` comments of every
/// file holding a key or a `lint` block, the `lint { ignore }` entries and the
/// `lint { policies }` paths. Returns the texts read, by spec-relative file name: from
/// `sources` (the loader's source map, whose names are those of the spec's origins) when it
/// has the file, else from disk.
pub fn collect_spec_annotations<'s>(
    dir: &Path,
    desired: &Desired,
    sources: Option<&'s SourceMap>,
    set: &mut InputSet,
) -> BTreeMap<String, Cow<'s, str>> {
    let file_of = |f: &str| display(&dir.join(f));
    let mut files: Vec<String> = desired
        .keys
        .values()
        .map(|k| k.origin.file.clone())
        .collect();
    files.extend(desired.lint.ignores.iter().map(|i| i.origin.file.clone()));
    files.sort();
    files.dedup();
    let loaded: HashMap<&str, &str> = sources
        .map(|s| s.files().map(|(_, f)| (f.name(), f.text())).collect())
        .unwrap_or_default();
    let mut texts = BTreeMap::new();
    for f in files {
        let text = match loaded.get(f.as_str()) {
            Some(t) => Cow::Borrowed(*t),
            None => match std::fs::read_to_string(dir.join(&f)) {
                Ok(t) => Cow::Owned(t),
                Err(_) => continue,
            },
        };
        set.comments.extend(parse_comments(&file_of(&f), &text));
        texts.insert(f, text);
    }
    set.policy_paths
        .extend(desired.lint.policies.iter().map(|p| dir.join(p)));
    for ig in &desired.lint.ignores {
        let mut ig = ig.clone();
        ig.origin.file = file_of(&ig.origin.file);
        set.ignores.push(ig);
    }
    texts
}

/// When the escape hatch is `policy = file("x.json")`, point statement findings into that file
/// (only when the file still parses to the policy the spec loaded). The file is read when a
/// finding first needs a statement's location ([`PolicyFileLocations`]).
fn point_into_policy_file(a: &mut AwsSubject, dir: &Path, spec_lines: &[&str], origin_line: u32) {
    let Some((line, _)) = policy_attribute_line(spec_lines, origin_line) else {
        return;
    };
    let Some(attr) = spec_lines.get(line as usize - 1) else {
        return;
    };
    let Some(rest) = attr.split("file(\"").nth(1) else {
        return;
    };
    let Some(rel) = rest.split('"').next() else {
        return;
    };
    a.policy_file = Some(PolicyFileLocations::new(dir.join(rel)));
}

/// The line of the `policy = ...` attribute inside the key block starting at `origin_line`.
fn policy_attribute_line(lines: &[&str], origin_line: u32) -> Option<(u32, u32)> {
    let from = (origin_line as usize).min(lines.len());
    for (i, line) in lines.iter().enumerate().skip(from) {
        if line.starts_with('}') {
            return None;
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("policy")
            && rest.trim_start().starts_with('=')
        {
            let col = line.len() - trimmed.len() + 1;
            return Some(((i + 1) as u32, col as u32));
        }
    }
    None
}

fn spec_subject(key: &KeySpec, desired: &Desired, text: Option<&[&str]>, file: &str) -> Subject {
    let origin = Location::new(file, key.origin.line, key.origin.column);
    let address = Some(key.address.to_string());
    let orgs = vec![desired.anthropic.organization_uuid.clone()];
    let platform = desired.anthropic.platform;
    match &key.kind {
        KeyKind::Aws(spec) => {
            // The owning account is not in the spec; take it from the admins when they name it.
            let account = spec
                .admins
                .iter()
                .flatten()
                .find_map(|a| crate::policy::aws::principal::account_of_arn(a).map(str::to_string))
                .unwrap_or_else(|| "111122223333".to_string());
            let (policy, rendered, policy_origin) = match &spec.policy {
                Some(v) => {
                    let at = text
                        .and_then(|t| policy_attribute_line(t, key.origin.line))
                        .map(|(l, c)| Location::new(file, l, c))
                        .unwrap_or_else(|| origin.clone());
                    (parse_policy_value(v).ok(), false, at)
                }
                None => {
                    let input = AwsAccessInput::from_spec(
                        spec,
                        platform,
                        &account,
                        orgs.clone(),
                        Vec::new(),
                        false,
                        Vec::new(),
                    );
                    (render_aws_policy(&input).ok(), true, origin.clone())
                }
            };
            let account_id = policy
                .as_ref()
                .filter(|_| !rendered)
                .and_then(infer_account)
                .or(Some(account));
            Subject::Aws(AwsSubject {
                address,
                origin,
                policy_origin,
                policy,
                statement_locations: Vec::new(),
                policy_file: None,
                rendered,
                platform,
                account_id,
                region: Some(spec.region.clone()),
                key_id: None,
                multi_region: Some(spec.multi_region),
                rotation: Some(spec.rotation),
                key_spec: None,
                key_usage: None,
                key_state: None,
                org_uuids: orgs,
                served: Vec::new(),
            })
        }
        KeyKind::Gcp(spec) => {
            let required = render_gcp_access(&GcpAccessInput::from_spec(spec, orgs.clone())).ok();
            let mut labels = spec.labels.clone();
            let iam = required.as_ref().map(|r| {
                labels.extend(r.labels.clone());
                IamPolicy {
                    version: None,
                    etag: None,
                    bindings: r.bindings.clone(),
                }
            });
            Subject::Gcp(GcpSubject {
                address,
                origin,
                location: Some(spec.location.clone()),
                protection_level: Some(spec.protection_level),
                rotation_period_seconds: spec.rotation_period_seconds,
                labels: Some(labels),
                iam,
                binding_locations: Vec::new(),
                purpose: None,
                wide_bindings: Vec::new(),
                org_uuids: orgs,
            })
        }
        KeyKind::Azure(spec) => {
            let mut tags = spec.tags.clone();
            // Only the tags and key operations matter here; the vault id and object id are
            // looked up in Azure.
            let input = AzureAccessInput::from_spec(
                spec,
                "/subscriptions/placeholder/resourceGroups/placeholder/providers/Microsoft.KeyVault/vaults/placeholder",
                "placeholder-object-id",
                orgs.clone(),
            );
            let mut key_ops = None;
            if let Ok(r) = render_azure_access(&input) {
                tags.extend(r.tags.clone());
                key_ops = Some(r.key_ops.clone());
            }
            let key_type = match spec.key_type {
                AzureKeyType::Rsa => "RSA",
                AzureKeyType::RsaHsm => "RSA-HSM",
            };
            Subject::Azure(AzureSubject {
                address,
                origin,
                key_type: Some(key_type.to_string()),
                key_size: Some(spec.key_size),
                key_ops,
                tags: Some(tags),
                vault: None,
                role_assignments: Vec::new(),
                org_uuids: orgs,
            })
        }
    }
}
