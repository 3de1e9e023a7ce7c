//! Cache hints (SEP-2549, the 2026-07-28 revision): how long a client may keep a list or a
//! resource's contents, and whether a cache shared between users may keep them.

/// Who may keep a cached result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    /// Any cache, shared between users too.
    Public,
    /// Only the caller's own cache.
    Private,
}

/// How long a result stays fresh, and who may keep it. Set per item with
/// `cache(ttl = SECONDS, scope = "public" | "private")`; without one an item's results are
/// stale at once and private, so nothing is cached by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheHint {
    /// Milliseconds the result stays fresh.
    pub ttl_ms: u64,
    /// Who may keep it.
    pub scope: CacheScope,
}

impl CacheHint {
    /// Nothing cached: stale at once, private.
    pub const NONE: Self = Self {
        ttl_ms: 0,
        scope: CacheScope::Private,
    };

    /// Fresh for `seconds`, kept by `scope`.
    pub const fn new(seconds: u64, scope: CacheScope) -> Self {
        Self {
            ttl_ms: seconds.saturating_mul(1000),
            scope,
        }
    }

    /// The hint of a list of items: fresh as long as its least fresh item, and public only
    /// when every item is. An item without a hint counts as [`CacheHint::NONE`].
    pub(crate) fn of_list(items: impl IntoIterator<Item = Option<Self>>) -> Self {
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            return Self::NONE;
        }
        items.fold(
            Self::new(u64::MAX / 1000, CacheScope::Public),
            |list, item| {
                let item = item.unwrap_or(Self::NONE);
                Self {
                    ttl_ms: list.ttl_ms.min(item.ttl_ms),
                    scope: if item.scope == CacheScope::Public {
                        list.scope
                    } else {
                        CacheScope::Private
                    },
                }
            },
        )
    }

    /// This hint, private: for an item not everyone may see.
    pub(crate) fn private(self) -> Self {
        Self {
            scope: CacheScope::Private,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_as_fresh_as_its_least_fresh_item_and_public_only_if_all_are() {
        let public = Some(CacheHint::new(300, CacheScope::Public));
        let private = Some(CacheHint::new(60, CacheScope::Private));
        assert_eq!(
            CacheHint::of_list([public, public]),
            CacheHint::new(300, CacheScope::Public)
        );
        assert_eq!(
            CacheHint::of_list([public, private]),
            CacheHint::new(60, CacheScope::Private)
        );
        assert_eq!(CacheHint::of_list([public, None]), CacheHint::NONE);
        assert_eq!(CacheHint::of_list([]), CacheHint::NONE);
    }
}
