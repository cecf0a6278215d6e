//! Renderers of a lint [`Report`](super::finding::Report): human text, JSON, SARIF 2.1.0 and
//! GitHub workflow annotations, JUnit XML.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;
