//! Marker-based paging (`Limit` / `Marker` in, `Truncated` / `NextMarker` out).
//!
//! Items are listed in a stable order given by a sort key; a marker is the base64 of the sort
//! key of the last item returned, so paging stays correct when items are added or removed
//! between pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::super::error::{KmsError, KmsErrorCode};

/// Paging bounds of one list operation.
pub struct Bounds {
    pub default: i64,
    pub max: i64,
}

/// One page: the items and the marker of the next page, if any.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

/// Cuts one page out of `items`, which must be sorted by `sort_key`.
pub fn page<T>(
    items: Vec<T>,
    limit: Option<i64>,
    marker: Option<&str>,
    bounds: Bounds,
    sort_key: impl Fn(&T) -> String,
) -> Result<Page<T>, KmsError> {
    let limit = limit.unwrap_or(bounds.default);
    if !(1..=bounds.max).contains(&limit) {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {}",
            bounds.max
        )));
    }
    let after = match marker {
        None => None,
        Some(marker) => {
            let decoded = URL_SAFE_NO_PAD
                .decode(marker)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    KmsError::new(
                        KmsErrorCode::InvalidMarkerException,
                        "The marker is not valid",
                    )
                })?;
            Some(decoded)
        }
    };
    let mut remaining = items
        .into_iter()
        .filter(|item| after.as_deref().is_none_or(|a| sort_key(item).as_str() > a));
    let limit = limit as usize;
    let page: Vec<T> = remaining.by_ref().take(limit).collect();
    let more = remaining.next().is_some();
    let next_marker = match (more, page.last()) {
        (true, Some(last)) => Some(URL_SAFE_NO_PAD.encode(sort_key(last))),
        _ => None,
    };
    Ok(Page {
        items: page,
        next_marker,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            default: 100,
            max: 1000,
        }
    }

    #[test]
    fn pages_through_everything_once() {
        let items: Vec<String> = (0..7).map(|i| format!("{i:03}")).collect();
        let mut seen = Vec::new();
        let mut marker = None;
        loop {
            let p = page(items.clone(), Some(3), marker.as_deref(), bounds(), |s| {
                s.clone()
            })
            .unwrap();
            seen.extend(p.items);
            match p.next_marker {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn bad_limits_and_markers() {
        let items = vec!["a".to_string()];
        assert!(page(items.clone(), Some(0), None, bounds(), |s| s.clone()).is_err());
        assert!(page(items.clone(), Some(1001), None, bounds(), |s| s.clone()).is_err());
        assert_eq!(
            page(items, None, Some("***"), bounds(), |s| s.clone())
                .err()
                .unwrap()
                .code,
            KmsErrorCode::InvalidMarkerException
        );
    }
}
