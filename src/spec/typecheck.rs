//! Evaluated blocks -> the typed [`Desired`] model: types, defaults, fall-backs to the
//! `provider` blocks, the offline domain rules ([`super::rules`]) and the rules that span
//! several objects (duplicate workspace ids, platform restrictions). Every problem found is
//! reported; the model is only returned when there is none.

use std::collections::BTreeMap;

use hcl::Value;

use super::eval::{EvalAttr, EvalBlock, REF_MARKER};
use super::model::*;
use super::platform_rules;
use super::rules::{self, Violation};
use super::rules_aws_provider as aws_provider;
use super::scan;
use crate::address::{Address, Cloud, ObjectKind};
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Builds the model; `None` when anything was wrong (all of it reported).
pub fn build(
    blocks: Vec<EvalBlock>,
    first_root_file: Option<FileId>,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<Desired> {
    let mut t = Checker {
        sources,
        diags,
        ok: true,
    };
    let mut grouped: BTreeMap<&str, Vec<&EvalBlock>> = BTreeMap::new();
    for b in &blocks {
        grouped.entry(b.ident.as_str()).or_default().push(b);
    }
    let empty: Vec<&EvalBlock> = Vec::new();
    let by_ident = |name: &str| -> &Vec<&EvalBlock> { grouped.get(name).unwrap_or(&empty) };

    // Providers first: keys fall back to them.
    let mut providers = Providers::default();
    let mut provider_blocks: BTreeMap<&str, &EvalBlock> = BTreeMap::new();
    for &b in by_ident("provider") {
        let cloud = b.labels.first().map(String::as_str).unwrap_or_default();
        if provider_blocks.contains_key(cloud) {
            continue;
        }
        provider_blocks.insert(cloud, b);
        t.provider(b, &mut providers);
    }

    let anthropic = match by_ident("anthropic").first() {
        Some(b) => t.anthropic(b),
        None => {
            let d = Diagnostic::error(
                "spec::missing-anthropic",
                "the configuration has no `anthropic` block",
            )
            .with_help("add `anthropic { organization_uuid = \"<your organization UUID>\" }`");
            let d = match first_root_file {
                Some(f) => d.at(
                    Span::file_start(f),
                    "expected an `anthropic` block in this configuration",
                ),
                None => d,
            };
            t.diags.push(d);
            t.ok = false;
            None
        }
    };

    let backend = match by_ident("backend").first() {
        Some(b) => t.backend(b),
        None => Some(BackendConfig::default()),
    };

    let mut keys = BTreeMap::new();
    for &b in by_ident("key") {
        if let Some(k) = t.key(b, &providers) {
            keys.insert(k.address.clone(), k);
        }
    }
    let mut external_keys = BTreeMap::new();
    let mut ek_spans: Vec<(Address, Span)> = Vec::new();
    for &b in by_ident("external_key") {
        if let Some(e) = t.external_key(b) {
            ek_spans.push((e.address.clone(), b.header.clone()));
            external_keys.insert(e.address.clone(), e);
        }
    }
    let mut workspaces = BTreeMap::new();
    let mut ws_ids: BTreeMap<String, Span> = BTreeMap::new();
    let mut ws_spans: Vec<Span> = Vec::new();
    for &b in by_ident("workspace") {
        ws_spans.push(b.header.clone());
        if let Some(w) = t.workspace(b) {
            let id_span = b
                .attr("id")
                .map_or(b.header.clone(), |a| a.value_span.clone());
            if let Some(first) = ws_ids.get(&w.id) {
                t.diags.push(
                    Diagnostic::error(
                        "spec::duplicate-workspace-id",
                        format!("two workspace blocks manage workspace `{}`", w.id),
                    )
                    .at(id_span, "used again here")
                    .with_label(first.clone(), "first used here")
                    .with_help("each Claude workspace may be declared once; remove one block"),
                );
                t.ok = false;
            } else {
                ws_ids.insert(w.id.clone(), id_span);
            }
            workspaces.insert(w.address.clone(), w);
        }
    }
    let removed: Vec<RemovedSpec> = by_ident("removed")
        .iter()
        .copied()
        .filter_map(|b| {
            let from = t.address(b, "from")?;
            Some(RemovedSpec {
                from,
                origin: t.origin(b),
            })
        })
        .collect();
    let import_blocks: Vec<super::imports::ImportBlock<'_>> = by_ident("import")
        .iter()
        .copied()
        .filter_map(|b| {
            let to = t.address(b, "to");
            let id = t.string(b, "id");
            Some(super::imports::ImportBlock {
                spec: ImportSpec {
                    to: to?,
                    id: id?,
                    origin: t.origin(b),
                },
                block: b,
            })
        })
        .collect();
    if let Some(a) = &anthropic {
        let declared = super::imports::Declared {
            keys: &keys,
            external_keys: &external_keys,
            workspaces: &workspaces,
            platform: a.platform,
        };
        if !super::imports::check(&import_blocks, &declared, t.diags) {
            t.ok = false;
        }
    }
    let imports: Vec<ImportSpec> = import_blocks.into_iter().map(|i| i.spec).collect();
    let mut lint = LintConfig::default();
    for &b in by_ident("lint") {
        t.lint(b, &mut lint);
    }

    // References must land on declared objects (a reference can only be forged by writing
    // the internal marker by hand, but the model's invariant does not rely on that).
    let spans: BTreeMap<(&str, String), &EvalBlock> = blocks
        .iter()
        .filter(|b| b.ident == "external_key" || b.ident == "workspace")
        .map(|b| ((b.ident.as_str(), t.origin(b).to_string()), b))
        .collect();
    let dangling = |ident: &str, origin: &Origin| {
        spans
            .get(&(ident, origin.to_string()))
            .map(|b| b.header.clone())
    };
    for e in external_keys.values() {
        if !keys.contains_key(&e.key) {
            t.diags.push(
                Diagnostic::error(
                    "spec::dangling-reference",
                    format!(
                        "`{}` refers to `{}`, which is not declared",
                        e.address, e.key
                    ),
                )
                .at_opt(dangling("external_key", &e.origin), "dangling reference"),
            );
            t.ok = false;
        }
    }
    for w in workspaces.values() {
        if let Some(ek) = &w.external_key
            && !external_keys.contains_key(ek)
        {
            t.diags.push(
                Diagnostic::error(
                    "spec::dangling-reference",
                    format!("`{}` refers to `{ek}`, which is not declared", w.address),
                )
                .at_opt(dangling("workspace", &w.origin), "dangling reference"),
            );
            t.ok = false;
        }
    }

    // Rules that span objects.
    if let Some(a) = &anthropic {
        if a.platform == Platform::ClaudeEnterprise {
            for s in &ws_spans {
                t.diags.push(
                    Diagnostic::error(
                        "spec::enterprise-workspace",
                        "Claude Enterprise attaches the key to the whole organization; `workspace` blocks are not used",
                    )
                    .at(s.clone(), "not allowed with platform = \"claude_enterprise\"")
                    .with_help("remove the workspace blocks, or set `platform = \"claude_platform\"`"),
                );
                t.ok = false;
            }
            // "One key per organization" (domain/anthropic-cmek.md §1): the first block in
            // the source is the organization's; every later one is reported.
            ek_spans.sort_by_key(|(_, s)| (s.file, s.range.start));
            for (_, s) in ek_spans.iter().skip(1) {
                t.diags.push(
                    Diagnostic::error(
                        "spec::enterprise-external-keys",
                        "Claude Enterprise uses one key per organization; only one `external_key` is allowed",
                    )
                    .at(s.clone(), "second external_key")
                    .with_label(ek_spans[0].1.clone(), "first external_key"),
                );
                t.ok = false;
            }
        }
        if a.platform == Platform::ClaudePlatformAws {
            for k in keys.values().filter(|k| k.kind.cloud() != Cloud::Aws) {
                let span = blocks
                    .iter()
                    .find(|b| b.ident == "key" && t.origin(b) == k.origin)
                    .map(|b| b.header.clone());
                t.diags.push(
                    Diagnostic::error(
                        "spec::platform-cloud",
                        format!(
                            "`{}`: Claude Platform on AWS only uses AWS KMS keys",
                            k.address
                        ),
                    )
                    .at_opt(span, "not an AWS key"),
                );
                t.ok = false;
            }
            t.platform_aws_rules(&blocks, &keys, &providers);
        }
    }

    if !t.ok {
        return None;
    }
    Some(Desired {
        anthropic: anthropic?,
        backend: backend?,
        providers,
        keys,
        external_keys,
        workspaces,
        removed,
        imports,
        lint,
    })
}

struct Checker<'a> {
    sources: &'a SourceMap,
    diags: &'a mut Diagnostics,
    ok: bool,
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(o) if o.contains_key(REF_MARKER) => "a reference",
        Value::Object(_) => "an object",
    }
}

impl Checker<'_> {
    /// Claude Platform on AWS (domain/anthropic-cmek.md §4, see [`platform_rules`]): every AWS
    /// key in the region of `provider "aws"` (where the workspaces live), and every `import` of
    /// a key or registration by a single-region KMS key ARN (no alias ARN, no `ekey_`).
    fn platform_aws_rules(
        &mut self,
        blocks: &[EvalBlock],
        keys: &BTreeMap<Address, KeySpec>,
        providers: &Providers,
    ) {
        let home = providers.aws.as_ref().map(|p| p.region.as_str());
        for b in blocks.iter().filter(|b| b.ident == "key") {
            let origin = self.origin(b);
            let Some(KeyKind::Aws(aws)) =
                keys.values().find(|k| k.origin == origin).map(|k| &k.kind)
            else {
                continue;
            };
            if let Some(home) = home
                && let Err(v) = platform_rules::platform_aws_key_region(&aws.region, home)
            {
                self.violation(self.span(b, "region"), v);
            }
        }
        for b in blocks.iter().filter(|b| b.ident == "import") {
            let targets_key = b
                .attr("to")
                .and_then(|a| a.expr.as_deref())
                .and_then(scan::address_text)
                .and_then(|text| Address::parse(&text).ok())
                // An `external_key` target is refused by the import-id check (`spec::imports`):
                // Claude Platform on AWS has no registrations, and one error per id is enough.
                .is_some_and(|to| matches!(to.kind, ObjectKind::Key(Cloud::Aws)));
            let Some(Value::String(id)) = b.attr("id").and_then(|a| a.value.clone()) else {
                continue;
            };
            // One error per id: what the import-id check (`spec::imports`) already refuses
            // (a multi-region or malformed ARN) is not reported a second time here.
            let already_refused = crate::spec::imports::check_id(
                ObjectKind::Key(Cloud::Aws),
                &id,
                Platform::ClaudePlatformAws,
            )
            .is_err();
            if !targets_key || already_refused {
                continue;
            }
            if let Err(v) = platform_rules::platform_aws_key_reference(&id, home) {
                self.violation(self.span(b, "id"), v);
            }
        }
    }

    fn origin(&self, b: &EvalBlock) -> Origin {
        let (file, line, column) = match self.sources.get(b.header.file) {
            Some(f) => {
                let (l, c) = f.line_col(b.header.range.start);
                (f.name().to_string(), l, c)
            }
            None => (String::new(), 0, 0),
        };
        Origin { file, line, column }
    }

    fn violation(&mut self, span: Span, v: Violation) {
        self.diags.push(
            Diagnostic::error(v.code, v.message)
                .at(span, "")
                .with_help_opt(v.hint),
        );
        self.ok = false;
    }

    fn wrong_type(&mut self, b: &EvalBlock, a: &EvalAttr, want: &str, got: &Value) {
        self.diags.push(
            Diagnostic::error(
                "spec::wrong-type",
                format!(
                    "`{}` in {} must be {want}, not {}",
                    a.name,
                    b.title(),
                    kind_name(got)
                ),
            )
            .at(a.value_span.clone(), format!("{} here", kind_name(got))),
        );
        self.ok = false;
    }

    /// The attribute's value, or its schema default. `None` when absent (a missing required
    /// attribute was reported by the structure pass) or failed (reported when evaluated).
    fn value<'b>(&mut self, b: &'b EvalBlock, name: &str) -> Option<(Value, Option<&'b EvalAttr>)> {
        let attr = b.attrs.iter().find(|a| a.name == name);
        match attr {
            Some(a) if a.failed => {
                self.ok = false;
                None
            }
            Some(a) => match &a.value {
                Some(Value::Null) | None => {
                    b.schema.attr(name)?.default.to_value().map(|v| (v, None))
                }
                Some(v) => Some((v.clone(), Some(a))),
            },
            None => {
                let s = b.schema.attr(name)?;
                if s.required {
                    self.ok = false;
                }
                s.default.to_value().map(|v| (v, None))
            }
        }
    }

    fn span(&self, b: &EvalBlock, name: &str) -> Span {
        b.attr(name)
            .map_or(b.header.clone(), |a| a.value_span.clone())
    }

    fn string(&mut self, b: &EvalBlock, name: &str) -> Option<String> {
        match self.value(b, name)? {
            (Value::String(s), _) => Some(s),
            (other, Some(a)) => {
                self.wrong_type(b, a, "a string", &other);
                None
            }
            (_, None) => None,
        }
    }

    fn bool(&mut self, b: &EvalBlock, name: &str) -> Option<bool> {
        match self.value(b, name)? {
            (Value::Bool(v), _) => Some(v),
            (other, Some(a)) => {
                self.wrong_type(b, a, "a bool (true or false)", &other);
                None
            }
            (_, None) => None,
        }
    }

    fn number(&mut self, b: &EvalBlock, name: &str) -> Option<u64> {
        match self.value(b, name)? {
            (Value::Number(n), Some(a)) => match n.as_u64() {
                Some(v) => Some(v),
                None => {
                    self.wrong_type(b, a, "a whole number", &Value::Number(n));
                    None
                }
            },
            (Value::Number(n), None) => n.as_u64(),
            (other, Some(a)) => {
                self.wrong_type(b, a, "a whole number", &other);
                None
            }
            (_, None) => None,
        }
    }

    fn string_list(&mut self, b: &EvalBlock, name: &str) -> Option<Vec<String>> {
        match self.value(b, name)? {
            (Value::Array(items), Some(a)) => {
                let mut out = Vec::new();
                for v in items {
                    match super::functions::primitive_string(&v) {
                        Some(s) if !matches!(v, Value::Bool(_)) => out.push(s),
                        _ => {
                            self.wrong_type(b, a, "a list of strings", &v);
                            return None;
                        }
                    }
                }
                Some(out)
            }
            (other, Some(a)) => {
                self.wrong_type(b, a, "a list of strings", &other);
                None
            }
            (_, None) => None,
        }
    }

    fn string_map(&mut self, b: &EvalBlock, name: &str) -> BTreeMap<String, String> {
        match self.value(b, name) {
            Some((Value::Object(items), Some(a))) => {
                let mut out = BTreeMap::new();
                for (k, v) in items {
                    match super::functions::primitive_string(&v) {
                        Some(s) => {
                            out.insert(k, s);
                        }
                        None => {
                            self.wrong_type(b, a, "a map of strings", &v);
                            return BTreeMap::new();
                        }
                    }
                }
                out
            }
            Some((other, Some(a))) => {
                self.wrong_type(b, a, "a map of strings", &other);
                BTreeMap::new()
            }
            _ => BTreeMap::new(),
        }
    }

    /// A reference-typed attribute: the address carried by the referenced object.
    fn reference(
        &mut self,
        b: &EvalBlock,
        name: &str,
        want: &str,
        example: &str,
        ok_kind: fn(&ObjectKind) -> bool,
    ) -> Option<Option<Address>> {
        // Read in place: a referenced object can be large, so it is not cloned.
        let a = match b.attr(name) {
            Some(a) if a.failed => {
                self.ok = false;
                return None;
            }
            Some(a) => a,
            None => {
                if b.schema.attr(name).is_some_and(|s| s.required) {
                    self.ok = false;
                }
                return Some(None);
            }
        };
        let v = match &a.value {
            None | Some(Value::Null) => return Some(None),
            Some(v) => v,
        };
        let addr = match &v {
            Value::Object(o) => o
                .get(REF_MARKER)
                .and_then(Value::as_str)
                .and_then(|s| Address::parse(s).ok()),
            _ => None,
        };
        match addr {
            Some(addr) if ok_kind(&addr.kind) => Some(Some(addr)),
            Some(addr) => {
                self.diags.push(
                    Diagnostic::error(
                        "spec::wrong-reference",
                        format!(
                            "`{name}` in {} must reference {want}, but `{addr}` is not one",
                            b.title()
                        ),
                    )
                    .at(a.value_span.clone(), format!("this is `{addr}`"))
                    .with_help(format!("write it like `{name} = {example}`")),
                );
                self.ok = false;
                None
            }
            None => {
                let hint = match &v {
                    Value::String(s) if Address::parse(s).is_ok() => {
                        format!("write the reference without quotes: `{name} = {s}`")
                    }
                    _ => format!("write it like `{name} = {example}`"),
                };
                self.diags.push(
                    Diagnostic::error(
                        "spec::wrong-reference",
                        format!(
                            "`{name}` in {} must reference {want}, not {}",
                            b.title(),
                            kind_name(v)
                        ),
                    )
                    .at(a.value_span.clone(), "not a reference")
                    .with_help(hint),
                );
                self.ok = false;
                None
            }
        }
    }

    /// An address attribute (`removed.from`, `import.to`), read from the expression as written.
    fn address(&mut self, b: &EvalBlock, name: &str) -> Option<Address> {
        let a = b.attr(name)?;
        let text = a.expr.as_deref().and_then(scan::address_text);
        let parsed = text.as_deref().map(Address::parse);
        match parsed {
            Some(Ok(mut addr)) => {
                let mut path = b.module_path.clone();
                path.append(&mut addr.module_path);
                addr.module_path = path;
                Some(addr)
            }
            Some(Err(e)) => {
                self.diags.push(
                    Diagnostic::error("spec::invalid-address", e.to_string())
                        .at(a.value_span.clone(), "not an address"),
                );
                self.ok = false;
                None
            }
            None => {
                self.diags.push(
                    Diagnostic::error(
                        "spec::invalid-address",
                        format!("`{name}` must be an address like `workspace.legacy`"),
                    )
                    .at(a.value_span.clone(), "not an address")
                    .with_help("write the address itself, not an expression"),
                );
                self.ok = false;
                None
            }
        }
    }

    fn check<T>(&mut self, span: Span, r: Result<T, Violation>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(v) => {
                self.violation(span, v);
                None
            }
        }
    }

    fn anthropic(&mut self, b: &EvalBlock) -> Option<AnthropicConfig> {
        let org = self.string(b, "organization_uuid");
        if let Some(o) = &org {
            self.check(self.span(b, "organization_uuid"), rules::org_uuid(o));
        }
        let platform = self
            .string(b, "platform")
            .and_then(|p| self.check(self.span(b, "platform"), rules::platform(&p)));
        let env = self.string(b, "api_key_env");
        if let Some(e) = &env {
            self.check(self.span(b, "api_key_env"), rules::env_var_name(e));
        }
        let base_url = self.string(b, "base_url");
        if let Some(u) = &base_url {
            self.check(self.span(b, "base_url"), rules::base_url(u));
        }
        Some(AnthropicConfig {
            organization_uuid: org?,
            platform: platform?,
            api_key_env: env?,
            base_url: base_url?,
            origin: self.origin(b),
        })
    }

    fn backend(&mut self, b: &EvalBlock) -> Option<BackendConfig> {
        match b.labels.first().map(String::as_str) {
            Some("local") => Some(BackendConfig::Local {
                path: self.string(b, "path")?,
            }),
            Some("s3") => {
                let bucket = self.string(b, "bucket");
                let key = self.string(b, "key");
                let region = self.string(b, "region");
                let endpoint = self.string(b, "endpoint");
                let profile = self.string(b, "profile");
                Some(BackendConfig::S3 {
                    bucket: bucket?,
                    key: key?,
                    region: region?,
                    endpoint,
                    profile,
                })
            }
            _ => None,
        }
    }

    fn provider(&mut self, b: &EvalBlock, out: &mut Providers) {
        let origin = self.origin(b);
        match b.labels.first().map(String::as_str) {
            Some("aws") => {
                let region = self.string(b, "region");
                if let Some(r) = &region {
                    self.check(self.span(b, "region"), rules::aws_region(r));
                }
                let assume_role =
                    b.blocks
                        .iter()
                        .find(|n| n.ident == "assume_role")
                        .and_then(|n| {
                            let role_arn = self.string(n, "role_arn")?;
                            self.check(self.span(n, "role_arn"), aws_provider::role_arn(&role_arn));
                            let external_id = self.string(n, "external_id");
                            if let Some(id) = &external_id {
                                self.check(
                                    self.span(n, "external_id"),
                                    aws_provider::external_id(id),
                                );
                            }
                            let session_name = self.string(n, "session_name");
                            if let Some(name) = &session_name {
                                self.check(
                                    self.span(n, "session_name"),
                                    aws_provider::session_name(name),
                                );
                            }
                            Some(AssumeRole {
                                role_arn,
                                external_id,
                                session_name,
                            })
                        });
                let profile = self.string(b, "profile");
                if let Some(p) = &profile {
                    self.check(self.span(b, "profile"), aws_provider::profile(p));
                }
                let endpoint = self.string(b, "endpoint");
                if let Some(e) = &endpoint {
                    self.check(self.span(b, "endpoint"), aws_provider::endpoint(e));
                }
                if let Some(region) = region {
                    out.aws = Some(AwsProviderConfig {
                        region,
                        profile,
                        endpoint,
                        assume_role,
                        origin,
                    });
                }
            }
            Some("gcp") => {
                let project = self.string(b, "project");
                let endpoint = self.string(b, "endpoint");
                if let Some(project) = project {
                    out.gcp = Some(GcpProviderConfig {
                        project,
                        endpoint,
                        origin,
                    });
                }
            }
            Some("azure") => {
                let tenant_id = self.string(b, "tenant_id");
                let subscription_id = self.string(b, "subscription_id");
                let endpoint = self.string(b, "endpoint");
                if let (Some(tenant_id), Some(subscription_id)) = (tenant_id, subscription_id) {
                    out.azure = Some(AzureProviderConfig {
                        tenant_id,
                        subscription_id,
                        endpoint,
                        origin,
                    });
                }
            }
            _ => {}
        }
    }

    /// A value that may fall back to a provider setting.
    fn with_fallback(
        &mut self,
        b: &EvalBlock,
        name: &str,
        fallback: Option<String>,
        provider: &str,
    ) -> Option<String> {
        let explicit = b
            .attr(name)
            .is_some_and(|a| !matches!(a.value, Some(Value::Null)));
        if explicit {
            return self.string(b, name);
        }
        let misspelled = b
            .unknown_attrs
            .iter()
            .any(|u| crate::diag::suggest::did_you_mean(u, [name]).is_some());
        if fallback.is_none() && misspelled {
            self.ok = false;
        } else if fallback.is_none() {
            self.diags.push(
                Diagnostic::error(
                    "spec::missing-attribute",
                    format!("{} needs `{name}`", b.title()),
                )
                .at(b.header.clone(), format!("`{name}` is not set here"))
                .with_help(format!(
                    "set `{name}` in the block, or in a `provider \"{provider}\"` block"
                )),
            );
            self.ok = false;
        }
        fallback
    }

    fn key(&mut self, b: &EvalBlock, providers: &Providers) -> Option<KeySpec> {
        let cloud: Cloud = b.labels.first()?.parse().ok()?;
        let mut address = Address::key(cloud, b.labels.get(1)?.clone());
        address.module_path = b.module_path.clone();
        let kind = match cloud {
            Cloud::Aws => {
                let explicit = b.attr("region").is_some();
                let region = self.with_fallback(
                    b,
                    "region",
                    providers.aws.as_ref().map(|p| p.region.clone()),
                    "aws",
                );
                if explicit && let Some(r) = &region {
                    self.check(self.span(b, "region"), rules::aws_region(r));
                }
                let alias = self.string(b, "alias");
                if let Some(a) = &alias {
                    self.check(self.span(b, "alias"), rules::aws_alias(a));
                }
                let description = self.string(b, "description");
                let rotation = self.bool(b, "rotation");
                let days = self.number(b, "rotation_period_days").and_then(|n| {
                    self.check(
                        self.span(b, "rotation_period_days"),
                        rules::aws_rotation_days(n),
                    )
                });
                let admins = self.string_list(b, "admins");
                let multi_region = self.bool(b, "multi_region");
                if multi_region == Some(true) {
                    self.violation(
                        self.span(b, "multi_region"),
                        Violation {
                            code: "spec::multi-region",
                            message: String::from("multi-region keys are not supported by Anthropic CMEK"),
                            hint: Some(String::from("use `multi_region = false` (the default): one single-region key per region")),
                        },
                    );
                }
                let compartment_scoping = self.bool(b, "compartment_scoping");
                let tags = self.string_map(b, "tags");
                let policy = self.policy(b);
                KeyKind::Aws(AwsKeySpec {
                    region: region?,
                    alias,
                    description: description?,
                    rotation: rotation?,
                    rotation_period_days: days,
                    admins,
                    multi_region: multi_region?,
                    compartment_scoping: compartment_scoping?,
                    tags,
                    policy: policy?,
                })
            }
            Cloud::Gcp => {
                let project = self.with_fallback(
                    b,
                    "project",
                    providers.gcp.as_ref().map(|p| p.project.clone()),
                    "gcp",
                );
                let location = self.string(b, "location");
                if let Some(l) = &location {
                    self.check(self.span(b, "location"), rules::gcp_location(l));
                }
                let key_ring = self.string(b, "key_ring");
                let name = self.string(b, "name");
                let protection_level = self.string(b, "protection_level").and_then(|p| {
                    self.check(
                        self.span(b, "protection_level"),
                        rules::gcp_protection_level(&p),
                    )
                });
                let rotation = match self.string(b, "rotation_period") {
                    Some(p) => Some(self.check(
                        self.span(b, "rotation_period"),
                        rules::gcp_rotation_period(&p),
                    )?),
                    None => None,
                };
                let labels = self.string_map(b, "labels");
                KeyKind::Gcp(GcpKeySpec {
                    project: project?,
                    location: location?,
                    key_ring: key_ring?,
                    name: name?,
                    protection_level: protection_level?,
                    rotation_period_seconds: rotation,
                    labels,
                })
            }
            Cloud::Azure => {
                let vault_uri = self
                    .string(b, "vault_uri")
                    .and_then(|u| self.check(self.span(b, "vault_uri"), rules::vault_uri(&u)));
                let tenant_id = self.with_fallback(
                    b,
                    "tenant_id",
                    providers.azure.as_ref().map(|p| p.tenant_id.clone()),
                    "azure",
                );
                let name = self.string(b, "name");
                let key_type = self
                    .string(b, "key_type")
                    .and_then(|t| self.check(self.span(b, "key_type"), rules::azure_key_type(&t)));
                let key_size = self
                    .number(b, "key_size")
                    .and_then(|n| self.check(self.span(b, "key_size"), rules::azure_key_size(n)));
                let tags = self.string_map(b, "tags");
                KeyKind::Azure(AzureKeySpec {
                    vault_uri: vault_uri?,
                    tenant_id: tenant_id?,
                    name: name?,
                    key_type: key_type?,
                    key_size: key_size?,
                    tags,
                })
            }
        };
        Some(KeySpec {
            address,
            kind,
            origin: self.origin(b),
        })
    }

    /// `policy`: a JSON document string, decoded. `Some(None)` when not set.
    fn policy(&mut self, b: &EvalBlock) -> Option<Option<serde_json::Value>> {
        let Some(text) = self.string(b, "policy") else {
            return if b.attr("policy").is_some_and(|a| a.failed) {
                None
            } else {
                Some(None)
            };
        };
        let Some(a) = b.attr("policy") else {
            return Some(None);
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v @ serde_json::Value::Object(_)) => Some(Some(v)),
            Ok(_) => {
                self.diags.push(
                    Diagnostic::error("spec::invalid-policy", "the key policy must be a JSON object")
                        .at(a.value_span.clone(), "not a JSON object")
                        .with_help("a key policy looks like {\"Version\": \"2012-10-17\", \"Statement\": [...]}"),
                );
                self.ok = false;
                None
            }
            Err(e) => {
                let mut d = Diagnostic::error(
                    "spec::invalid-policy",
                    format!("the key policy is not valid JSON: {e}"),
                )
                .at(a.value_span.clone(), "invalid JSON");
                // Point into the file when the document came from file().
                if let [id] = a.file_loads.as_slice()
                    && let Some(f) = self.sources.get(*id)
                    && f.text() == text
                {
                    let off = super::variables::offset_of(f, e.line(), e.column());
                    d = d.with_label(Span::new(*id, off..off), "the JSON error is here");
                }
                self.diags.push(d);
                self.ok = false;
                None
            }
        }
    }

    fn external_key(&mut self, b: &EvalBlock) -> Option<ExternalKeySpec> {
        let mut address = Address::external_key(b.labels.first()?.clone());
        address.module_path = b.module_path.clone();
        let key = self.reference(b, "key", "a key block", "key.aws.prod", |k| {
            matches!(k, ObjectKind::Key(_))
        });
        let display_name = self.string(b, "display_name");
        if let Some(n) = &display_name {
            self.check(self.span(b, "display_name"), rules::display_name(n));
        }
        let geo = self.string(b, "geo");
        if let Some(g) = &geo {
            self.check(self.span(b, "geo"), rules::geo(g));
        }
        Some(ExternalKeySpec {
            address,
            key: key??,
            display_name,
            geo: geo?,
            origin: self.origin(b),
        })
    }

    fn workspace(&mut self, b: &EvalBlock) -> Option<WorkspaceSpec> {
        let mut address = Address::workspace(b.labels.first()?.clone());
        address.module_path = b.module_path.clone();
        let id = self.string(b, "id");
        if let Some(i) = &id {
            self.check(self.span(b, "id"), rules::workspace_id(i));
        }
        let external_key = self.reference(
            b,
            "external_key",
            "an external_key block",
            "external_key.prod",
            |k| matches!(k, ObjectKind::ExternalKey),
        );
        Some(WorkspaceSpec {
            address,
            id: id?,
            external_key: external_key?,
            origin: self.origin(b),
        })
    }

    fn lint(&mut self, b: &EvalBlock, out: &mut LintConfig) {
        if let Some(p) = self.string_list(b, "policies") {
            out.policies.extend(p);
        }
        for ig in b.blocks.iter().filter(|n| n.ident == "ignore") {
            let rule = self.string(ig, "rule");
            let reason = self.string(ig, "reason");
            let address = if ig.attr("address").is_some() {
                match self.address(ig, "address") {
                    Some(a) => Some(a),
                    None => continue,
                }
            } else {
                None
            };
            if let (Some(rule), Some(reason)) = (rule, reason) {
                out.ignores.push(LintIgnore {
                    rule,
                    address,
                    reason,
                    origin: self.origin(ig),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::model::{BackendConfig, KeyKind};
    use crate::spec::test_support::{ANTHROPIC, codes, load_files};

    #[test]
    fn defaults_and_provider_fallbacks() {
        let src = format!(
            "{ANTHROPIC}provider \"azure\" {{\n  tenant_id = \"t\"\n  subscription_id = \"s\"\n}}\nkey \"azure\" \"k\" {{\n  vault_uri = \"https://acme.vault.azure.net\"\n  name = \"n\"\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        assert_eq!(d.backend, BackendConfig::default());
        let KeyKind::Azure(a) = &d.keys.values().next().unwrap().kind else {
            panic!()
        };
        assert_eq!(a.tenant_id, "t");
        assert_eq!(a.key_size, 3072);
        assert_eq!(a.vault_uri, "https://acme.vault.azure.net/");
    }

    #[test]
    fn collects_all_type_errors() {
        let src = format!(
            "{ANTHROPIC}key \"aws\" \"k\" {{\n  region = 1\n  rotation = \"yes\"\n  admins = \"arn\"\n  tags = [1]\n  rotation_period_days = 1.5\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert_eq!(codes(&r), ["spec::wrong-type"; 5]);
    }

    #[test]
    fn policy_must_be_a_json_object() {
        let src = format!(
            "{ANTHROPIC}key \"aws\" \"k\" {{\n  region = \"us-east-2\"\n  policy = \"[1]\"\n}}\nkey \"aws\" \"j\" {{\n  region = \"us-east-2\"\n  policy = \"{{\"\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert_eq!(codes(&r), ["spec::invalid-policy", "spec::invalid-policy"]);
    }

    #[test]
    fn forged_references_are_caught() {
        let src = format!(
            "{ANTHROPIC}external_key \"e\" {{\n  key = {{ __cmek_ref = \"key.aws.nope\" }}\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert_eq!(codes(&r), ["spec::dangling-reference"]);
    }

    #[test]
    fn enterprise_allows_one_external_key() {
        let src = "anthropic {\n  organization_uuid = \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"\n  platform = \"claude_enterprise\"\n}\nkey \"aws\" \"k\" {\n  region = \"us-east-2\"\n}\nexternal_key \"a\" {\n  key = key.aws.k\n}\nexternal_key \"b\" {\n  key = key.aws.k\n}\n";
        let r = load_files(&[("main.hcl", src)]);
        assert_eq!(codes(&r), ["spec::enterprise-external-keys"]);
    }
}
