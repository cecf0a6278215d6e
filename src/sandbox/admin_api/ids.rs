//! Identifier generation in the Admin API's formats: `ekey_` / `wrkspc_` followed by 24 random
//! base62 characters.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Length of the random part of an id.
pub const ID_RANDOM_LEN: usize = 24;

fn random_base62(len: usize) -> String {
    (0..len)
        .map(|_| char::from(BASE62[rand::random_range(0..BASE62.len())]))
        .collect()
}

/// `ekey_` + 24 base62 characters.
pub fn new_external_key_id() -> String {
    format!("ekey_{}", random_base62(ID_RANDOM_LEN))
}

/// `wrkspc_` + 24 base62 characters.
pub fn new_workspace_id() -> String {
    format!("wrkspc_{}", random_base62(ID_RANDOM_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let id = new_external_key_id();
        let rest = id.strip_prefix("ekey_").unwrap();
        assert_eq!(rest.len(), ID_RANDOM_LEN);
        assert!(rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(new_workspace_id().starts_with("wrkspc_"));
        assert_ne!(new_external_key_id(), new_external_key_id());
    }
}
