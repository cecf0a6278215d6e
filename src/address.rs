//! Addresses name managed objects the way users write them in specs and on the command line:
//! `key.aws.prod`, `external_key.prod`, `workspace.prod`, `module.analytics.key.aws.main`.
//!
//! Invariant: `Address::parse(a.to_string()) == Ok(a)` for every address, and the `Ord`
//! implementation is the order every renderer uses, so output is deterministic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The cloud a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    pub const ALL: [Cloud; 3] = [Cloud::Aws, Cloud::Gcp, Cloud::Azure];

    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Cloud {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "aws" => Ok(Cloud::Aws),
            "gcp" => Ok(Cloud::Gcp),
            "azure" => Ok(Cloud::Azure),
            other => Err(AddressError::UnknownCloud(other.to_string())),
        }
    }
}

/// What kind of object an address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// `key.<cloud>.<name>`: a key in a customer's cloud.
    Key(Cloud),
    /// `external_key.<name>`: the key's registration at Anthropic (`ekey_...`).
    ExternalKey,
    /// `workspace.<name>`: a Claude workspace whose data the key protects.
    Workspace,
}

/// A fully qualified address. `module_path` is empty for the root config.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub module_path: Vec<String>,
    pub kind: ObjectKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("`{0}` is not a cloud: expected `aws`, `gcp` or `azure`")]
    UnknownCloud(String),
    #[error(
        "`{0}` is not an address: expected `key.<aws|gcp|azure>.<name>`, `external_key.<name>` or `workspace.<name>`, optionally after `module.<name>.`"
    )]
    Malformed(String),
    #[error(
        "`{0}` is not a valid name: use letters, digits, `_` and `-`, starting with a letter or `_`"
    )]
    BadName(String),
}

/// Whether `name` is a valid HCL identifier-style block label.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Address {
    pub fn key(cloud: Cloud, name: impl Into<String>) -> Self {
        Address {
            module_path: Vec::new(),
            kind: ObjectKind::Key(cloud),
            name: name.into(),
        }
    }

    pub fn external_key(name: impl Into<String>) -> Self {
        Address {
            module_path: Vec::new(),
            kind: ObjectKind::ExternalKey,
            name: name.into(),
        }
    }

    pub fn workspace(name: impl Into<String>) -> Self {
        Address {
            module_path: Vec::new(),
            kind: ObjectKind::Workspace,
            name: name.into(),
        }
    }

    /// The same address inside module `module` (prepends to the module path).
    pub fn in_module(mut self, module: impl Into<String>) -> Self {
        self.module_path.insert(0, module.into());
        self
    }

    /// The address with its module prefix removed, as written inside the module.
    pub fn local_part(&self) -> String {
        match self.kind {
            ObjectKind::Key(cloud) => format!("key.{cloud}.{}", self.name),
            ObjectKind::ExternalKey => format!("external_key.{}", self.name),
            ObjectKind::Workspace => format!("workspace.{}", self.name),
        }
    }

    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let malformed = || AddressError::Malformed(s.to_string());
        let parts: Vec<&str> = s.split('.').collect();
        let mut module_path = Vec::new();
        let mut i = 0;
        while parts.get(i) == Some(&"module") {
            let name = parts.get(i + 1).ok_or_else(malformed)?;
            if !is_valid_name(name) {
                return Err(AddressError::BadName((*name).to_string()));
            }
            module_path.push((*name).to_string());
            i += 2;
        }
        let rest = &parts[i..];
        let (kind, name) = match rest {
            ["key", cloud, name] => (ObjectKind::Key(cloud.parse()?), *name),
            ["external_key", name] => (ObjectKind::ExternalKey, *name),
            ["workspace", name] => (ObjectKind::Workspace, *name),
            _ => return Err(malformed()),
        };
        if !is_valid_name(name) {
            return Err(AddressError::BadName(name.to_string()));
        }
        Ok(Address {
            module_path,
            kind,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module_path {
            write!(f, "module.{m}.")?;
        }
        f.write_str(&self.local_part())
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Address::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_shape() {
        for s in [
            "key.aws.prod",
            "key.gcp.main",
            "key.azure.k-1",
            "external_key.prod",
            "workspace.prod",
            "module.analytics.key.aws.main",
            "module.a.module.b.workspace.w",
        ] {
            let a = Address::parse(s).expect(s);
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed() {
        assert!(matches!(
            Address::parse("key.oracle.prod"),
            Err(AddressError::UnknownCloud(_))
        ));
        assert!(matches!(
            Address::parse("key.aws"),
            Err(AddressError::Malformed(_))
        ));
        assert!(matches!(
            Address::parse("module.x"),
            Err(AddressError::Malformed(_))
        ));
        assert!(matches!(
            Address::parse("workspace.9lives"),
            Err(AddressError::BadName(_))
        ));
        assert!(matches!(
            Address::parse(""),
            Err(AddressError::Malformed(_))
        ));
    }

    #[test]
    fn module_prefix_and_order() {
        let a = Address::key(Cloud::Aws, "main").in_module("analytics");
        assert_eq!(a.to_string(), "module.analytics.key.aws.main");
        assert_eq!(a.local_part(), "key.aws.main");
        let mut v = vec![
            Address::workspace("b"),
            Address::key(Cloud::Gcp, "a"),
            Address::key(Cloud::Aws, "z"),
        ];
        v.sort();
        assert_eq!(v[0], Address::key(Cloud::Aws, "z"));
    }
}
