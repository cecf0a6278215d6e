//! The spec language's shape as data: which blocks exist, their labels, attributes, attribute
//! types, required flags and defaults. The structure checker, "did you mean" suggestions, the
//! values exposed to references (`key.aws.prod.rotation`) and the type checker all read these
//! tables, so there is one source of truth.

/// The type an attribute's evaluated value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Bool,
    /// A whole number.
    Number,
    StringList,
    StringMap,
    /// Anything (variable defaults, outputs).
    Any,
    /// A reference to a `key` block (`key.aws.prod`).
    KeyRef,
    /// A reference to an `external_key` block, or `null`.
    ExternalKeyRef,
    /// A bare address traversal that is not evaluated (`removed.from`, `import.to`).
    Address,
    /// A JSON document given as a string (`file("x.json")`, `jsonencode({...})`).
    JsonString,
    /// A type constraint expression (`variable.type`); not evaluated.
    TypeConstraint,
}

impl Ty {
    /// How the type is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Ty::String => "a string",
            Ty::Bool => "a bool",
            Ty::Number => "a whole number",
            Ty::StringList => "a list of strings",
            Ty::StringMap => "a map of strings",
            Ty::Any => "any value",
            Ty::KeyRef => "a reference to a key block (like `key.aws.prod`)",
            Ty::ExternalKeyRef => {
                "a reference to an external_key block (like `external_key.prod`) or null"
            }
            Ty::Address => "an address (like `workspace.legacy`)",
            Ty::JsonString => "a JSON document string",
            Ty::TypeConstraint => "a type constraint",
        }
    }

    /// Whether the attribute's expression is evaluated (and may reference other objects).
    pub fn is_evaluated(self) -> bool {
        !matches!(self, Ty::Address | Ty::TypeConstraint)
    }
}

/// A default value, applied by the type checker and exposed to references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    None,
    Bool(bool),
    Str(&'static str),
    Num(u64),
    EmptyMap,
}

impl Default {
    pub fn to_value(self) -> Option<hcl::Value> {
        match self {
            Default::None => None,
            Default::Bool(b) => Some(hcl::Value::Bool(b)),
            Default::Str(s) => Some(hcl::Value::String(s.to_string())),
            Default::Num(n) => Some(hcl::Value::Number(n.into())),
            Default::EmptyMap => Some(hcl::Value::Object(hcl::Map::new())),
        }
    }
}

#[derive(Debug)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub default: Default,
}

const fn req(name: &'static str, ty: Ty) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        required: true,
        default: Default::None,
    }
}

const fn opt(name: &'static str, ty: Ty) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        required: false,
        default: Default::None,
    }
}

const fn dflt(name: &'static str, ty: Ty, default: Default) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        required: false,
        default,
    }
}

/// The body of a block: attributes, nested blocks, and whether other attribute names are
/// allowed (`locals`, module inputs).
#[derive(Debug)]
pub struct BlockSchema {
    /// How the block is named in messages (`key "aws"`).
    pub title: &'static str,
    pub attrs: &'static [AttrSchema],
    pub blocks: &'static [NestedBlock],
    pub open: bool,
}

impl BlockSchema {
    pub fn attr(&self, name: &str) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn nested(&self, name: &str) -> Option<&'static NestedBlock> {
        self.blocks.iter().find(|b| b.ident == name)
    }
}

/// A block inside a block body (`assume_role`, `ignore`).
#[derive(Debug)]
pub struct NestedBlock {
    pub ident: &'static str,
    pub max: Option<usize>,
    pub schema: &'static BlockSchema,
}

/// A top-level block type.
#[derive(Debug)]
pub struct TopBlock {
    pub ident: &'static str,
    /// Names of the labels, for messages (`["cloud", "name"]`).
    pub labels: &'static [&'static str],
    pub kinds: Kinds,
    /// Allowed inside a module (false for `anthropic`, `backend`, `provider`).
    pub in_modules: bool,
}

/// How a block's body schema is chosen.
#[derive(Debug)]
pub enum Kinds {
    Single(&'static BlockSchema),
    /// By the first label (`key "aws"`, `provider "gcp"`, `backend "s3"`).
    ByFirstLabel(&'static [(&'static str, &'static BlockSchema)]),
}

impl TopBlock {
    /// The body schema for a block with this first label, if the label is known.
    pub fn schema_for(&self, first_label: Option<&str>) -> Option<&'static BlockSchema> {
        match &self.kinds {
            Kinds::Single(s) => Some(s),
            Kinds::ByFirstLabel(options) => first_label
                .and_then(|l| options.iter().find(|(name, _)| *name == l))
                .map(|(_, s)| *s),
        }
    }

    /// The allowed first-label values, when the first label selects a kind.
    pub fn first_label_values(&self) -> Vec<&'static str> {
        match &self.kinds {
            Kinds::Single(_) => Vec::new(),
            Kinds::ByFirstLabel(options) => options.iter().map(|(n, _)| *n).collect(),
        }
    }
}

use Ty::*;

pub static ANTHROPIC: BlockSchema = BlockSchema {
    title: "anthropic",
    attrs: &[
        req("organization_uuid", String),
        dflt("platform", String, Default::Str("claude_platform")),
        dflt(
            "api_key_env",
            String,
            Default::Str(crate::spec::model::DEFAULT_API_KEY_ENV),
        ),
        dflt(
            "base_url",
            String,
            Default::Str(crate::spec::model::DEFAULT_BASE_URL),
        ),
    ],
    blocks: &[],
    open: false,
};

pub static BACKEND_LOCAL: BlockSchema = BlockSchema {
    title: "backend \"local\"",
    attrs: &[dflt(
        "path",
        String,
        Default::Str(crate::spec::model::DEFAULT_STATE_PATH),
    )],
    blocks: &[],
    open: false,
};

pub static BACKEND_S3: BlockSchema = BlockSchema {
    title: "backend \"s3\"",
    attrs: &[
        req("bucket", String),
        req("key", String),
        req("region", String),
        opt("endpoint", String),
        opt("profile", String),
    ],
    blocks: &[],
    open: false,
};

pub static ASSUME_ROLE: BlockSchema = BlockSchema {
    title: "assume_role",
    attrs: &[
        req("role_arn", String),
        opt("external_id", String),
        opt("session_name", String),
    ],
    blocks: &[],
    open: false,
};

pub static PROVIDER_AWS: BlockSchema = BlockSchema {
    title: "provider \"aws\"",
    attrs: &[
        req("region", String),
        opt("profile", String),
        opt("endpoint", String),
    ],
    blocks: &[NestedBlock {
        ident: "assume_role",
        max: Some(1),
        schema: &ASSUME_ROLE,
    }],
    open: false,
};

pub static PROVIDER_GCP: BlockSchema = BlockSchema {
    title: "provider \"gcp\"",
    attrs: &[req("project", String), opt("endpoint", String)],
    blocks: &[],
    open: false,
};

pub static PROVIDER_AZURE: BlockSchema = BlockSchema {
    title: "provider \"azure\"",
    attrs: &[
        req("tenant_id", String),
        req("subscription_id", String),
        opt("endpoint", String),
    ],
    blocks: &[],
    open: false,
};

pub static VARIABLE: BlockSchema = BlockSchema {
    title: "variable",
    attrs: &[
        opt("default", Any),
        opt("type", TypeConstraint),
        opt("description", String),
        dflt("sensitive", Bool, Default::Bool(false)),
    ],
    blocks: &[],
    open: false,
};

pub static LOCALS: BlockSchema = BlockSchema {
    title: "locals",
    attrs: &[],
    blocks: &[],
    open: true,
};

pub static KEY_AWS: BlockSchema = BlockSchema {
    title: "key \"aws\"",
    attrs: &[
        // Falls back to `provider "aws"`'s region.
        opt("region", String),
        opt("alias", String),
        dflt("description", String, Default::Str("Anthropic CMEK")),
        dflt("rotation", Bool, Default::Bool(true)),
        opt("rotation_period_days", Number),
        opt("admins", StringList),
        dflt("multi_region", Bool, Default::Bool(false)),
        dflt("compartment_scoping", Bool, Default::Bool(true)),
        dflt("tags", StringMap, Default::EmptyMap),
        opt("policy", JsonString),
    ],
    blocks: &[],
    open: false,
};

pub static KEY_GCP: BlockSchema = BlockSchema {
    title: "key \"gcp\"",
    attrs: &[
        // Falls back to `provider "gcp"`'s project.
        opt("project", String),
        req("location", String),
        req("key_ring", String),
        req("name", String),
        dflt("protection_level", String, Default::Str("HSM")),
        opt("rotation_period", String),
        dflt("labels", StringMap, Default::EmptyMap),
    ],
    blocks: &[],
    open: false,
};

pub static KEY_AZURE: BlockSchema = BlockSchema {
    title: "key \"azure\"",
    attrs: &[
        req("vault_uri", String),
        // Falls back to `provider "azure"`'s tenant.
        opt("tenant_id", String),
        req("name", String),
        dflt("key_type", String, Default::Str("RSA-HSM")),
        dflt("key_size", Number, Default::Num(3072)),
        dflt("tags", StringMap, Default::EmptyMap),
    ],
    blocks: &[],
    open: false,
};

pub static EXTERNAL_KEY: BlockSchema = BlockSchema {
    title: "external_key",
    attrs: &[
        req("key", KeyRef),
        opt("display_name", String),
        dflt("geo", String, Default::Str("us")),
    ],
    blocks: &[],
    open: false,
};

pub static WORKSPACE: BlockSchema = BlockSchema {
    title: "workspace",
    attrs: &[req("id", String), opt("external_key", ExternalKeyRef)],
    blocks: &[],
    open: false,
};

pub static REMOVED: BlockSchema = BlockSchema {
    title: "removed",
    attrs: &[req("from", Address)],
    blocks: &[],
    open: false,
};

pub static IMPORT: BlockSchema = BlockSchema {
    title: "import",
    attrs: &[req("to", Address), req("id", String)],
    blocks: &[],
    open: false,
};

/// `module` bodies hold `source` plus the module's inputs (checked against its variables).
pub static MODULE: BlockSchema = BlockSchema {
    title: "module",
    attrs: &[req("source", String)],
    blocks: &[],
    open: true,
};

pub static OUTPUT: BlockSchema = BlockSchema {
    title: "output",
    attrs: &[
        req("value", Any),
        opt("description", String),
        dflt("sensitive", Bool, Default::Bool(false)),
    ],
    blocks: &[],
    open: false,
};

pub static LINT_IGNORE: BlockSchema = BlockSchema {
    title: "ignore",
    attrs: &[
        req("rule", String),
        opt("address", Address),
        req("reason", String),
    ],
    blocks: &[],
    open: false,
};

pub static LINT: BlockSchema = BlockSchema {
    title: "lint",
    attrs: &[opt("policies", StringList)],
    blocks: &[NestedBlock {
        ident: "ignore",
        max: None,
        schema: &LINT_IGNORE,
    }],
    open: false,
};

/// Every top-level block type, in the order they are documented.
pub static TOP_BLOCKS: &[TopBlock] = &[
    TopBlock {
        ident: "anthropic",
        labels: &[],
        kinds: Kinds::Single(&ANTHROPIC),
        in_modules: false,
    },
    TopBlock {
        ident: "backend",
        labels: &["type"],
        kinds: Kinds::ByFirstLabel(&[("local", &BACKEND_LOCAL), ("s3", &BACKEND_S3)]),
        in_modules: false,
    },
    TopBlock {
        ident: "provider",
        labels: &["cloud"],
        kinds: Kinds::ByFirstLabel(&[
            ("aws", &PROVIDER_AWS),
            ("gcp", &PROVIDER_GCP),
            ("azure", &PROVIDER_AZURE),
        ]),
        in_modules: false,
    },
    TopBlock {
        ident: "variable",
        labels: &["name"],
        kinds: Kinds::Single(&VARIABLE),
        in_modules: true,
    },
    TopBlock {
        ident: "locals",
        labels: &[],
        kinds: Kinds::Single(&LOCALS),
        in_modules: true,
    },
    TopBlock {
        ident: "key",
        labels: &["cloud", "name"],
        kinds: Kinds::ByFirstLabel(&[("aws", &KEY_AWS), ("gcp", &KEY_GCP), ("azure", &KEY_AZURE)]),
        in_modules: true,
    },
    TopBlock {
        ident: "external_key",
        labels: &["name"],
        kinds: Kinds::Single(&EXTERNAL_KEY),
        in_modules: true,
    },
    TopBlock {
        ident: "workspace",
        labels: &["name"],
        kinds: Kinds::Single(&WORKSPACE),
        in_modules: true,
    },
    TopBlock {
        ident: "removed",
        labels: &[],
        kinds: Kinds::Single(&REMOVED),
        in_modules: true,
    },
    TopBlock {
        ident: "import",
        labels: &[],
        kinds: Kinds::Single(&IMPORT),
        in_modules: true,
    },
    TopBlock {
        ident: "module",
        labels: &["name"],
        kinds: Kinds::Single(&MODULE),
        in_modules: true,
    },
    TopBlock {
        ident: "output",
        labels: &["name"],
        kinds: Kinds::Single(&OUTPUT),
        in_modules: true,
    },
    TopBlock {
        ident: "lint",
        labels: &[],
        kinds: Kinds::Single(&LINT),
        in_modules: false,
    },
];

pub fn top_block(ident: &str) -> Option<&'static TopBlock> {
    TOP_BLOCKS.iter().find(|b| b.ident == ident)
}

pub fn top_block_names() -> impl Iterator<Item = &'static str> {
    TOP_BLOCKS.iter().map(|b| b.ident)
}

/// Whether an attribute (or local, or variable) name says it holds an admin API key.
pub fn is_secret_name(name: &str) -> bool {
    // Every secret name ends in "key"; checking that first keeps this check (run on every
    // attribute) free of allocation for all the others.
    let b = name.as_bytes();
    if b.len() < 3 || !b[b.len() - 3..].eq_ignore_ascii_case(b"key") {
        return false;
    }
    let n = name.to_ascii_lowercase().replace('-', "_");
    if n.ends_with("_env") {
        return false;
    }
    n == "api_key"
        || n == "apikey"
        || n.ends_with("_api_key")
        || n.ends_with("admin_key")
        || n == "x_api_key"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        let kb = top_block("key").unwrap();
        assert_eq!(kb.first_label_values(), ["aws", "gcp", "azure"]);
        assert!(kb.schema_for(Some("aws")).unwrap().attr("region").is_some());
        assert!(kb.schema_for(Some("aws2")).is_none());
        assert_eq!(
            KEY_AZURE.attr("key_size").unwrap().default.to_value(),
            Some(hcl::Value::from(3072))
        );
        for b in TOP_BLOCKS {
            if let Kinds::Single(s) = &b.kinds {
                for a in s.attrs {
                    assert!(!(a.required && a.default != Default::None), "{}", a.name);
                }
            }
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "api_key",
            "admin_key",
            "x_api_key",
            "anthropic_api_key",
            "ADMIN_API_KEY",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["api_key_env", "key", "key_ring", "keys"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
