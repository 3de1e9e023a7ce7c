//! An item's access rules: its permission, its rate limit, its `enabled` gate and how its
//! results may be cached, in the static form the macros emit and the runtime form the
//! dispatcher reads.

use std::sync::Arc;

use crate::auth::Principal;
use crate::cache::CacheHint;
use crate::extract::StateMap;
use crate::permission::{Denied, Permission};
use crate::ratelimit::Rate;

/// Which rate limit applies to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimitSpec {
    /// `write_rate_limit` unless the item is read-only.
    #[default]
    Default,
    /// No limit.
    Off,
    /// This limit.
    Rate(Rate),
}

/// Access rules as `#[tool]` emits them.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct AccessDef {
    pub permission: Option<fn() -> Box<dyn Permission>>,
    pub rate_limit: RateLimitSpec,
    pub enabled: Option<fn(&StateMap) -> bool>,
    pub cache: Option<CacheHint>,
}

impl AccessDef {
    /// No rules of its own: the server's defaults apply.
    pub const DEFAULT: Self = Self {
        permission: None,
        rate_limit: RateLimitSpec::Default,
        enabled: None,
        cache: None,
    };
}

/// An item's `enabled` gate, ready to run.
pub(crate) type EnabledFn = dyn Fn(&StateMap) -> bool + Send + Sync;

/// Access rules, ready to check.
#[derive(Clone, Default)]
pub struct Access {
    pub(crate) permission: Option<Arc<dyn Permission>>,
    pub(crate) rate_limit: RateLimitSpec,
    pub(crate) enabled: Option<Arc<EnabledFn>>,
    pub(crate) cache: Option<CacheHint>,
}

impl Access {
    pub(crate) fn from_def(def: &AccessDef) -> Self {
        Self {
            permission: def.permission.map(|make| Arc::from(make())),
            rate_limit: def.rate_limit,
            enabled: def
                .enabled
                .map(|enabled| Arc::new(enabled) as Arc<EnabledFn>),
            cache: def.cache,
        }
    }

    /// Whether the item exists for anyone right now.
    pub(crate) fn is_enabled(&self, state: &StateMap) -> bool {
        self.enabled.as_ref().is_none_or(|enabled| enabled(state))
    }

    /// Checks the item's permission, or `default` when it has none.
    pub(crate) fn check(
        &self,
        default: Option<&dyn Permission>,
        principal: Option<&Principal>,
    ) -> Result<(), Denied> {
        match self.permission.as_deref().or(default) {
            Some(permission) => permission.check(principal),
            None => Ok(()),
        }
    }

    /// Who may use the item, in words: its permission's, else the server's default; anyone
    /// when there is neither.
    pub(crate) fn describe(&self, default: Option<&dyn Permission>) -> String {
        self.permission
            .as_deref()
            .or(default)
            .map_or_else(|| "anyone".to_owned(), Permission::describe)
    }

    /// The scopes the item's permission asks for.
    pub(crate) fn scopes(&self) -> Vec<String> {
        self.permission
            .as_ref()
            .map(|p| p.scopes())
            .unwrap_or_default()
    }

    /// The rate that applies, given the server's write rate and whether the item is read-only.
    pub(crate) fn rate(&self, write_rate: Option<Rate>, read_only: bool) -> Option<Rate> {
        match self.rate_limit {
            RateLimitSpec::Off => None,
            RateLimitSpec::Rate(rate) => Some(rate),
            RateLimitSpec::Default if read_only => None,
            RateLimitSpec::Default => write_rate,
        }
    }
}

/// A function that says whether an item exists right now, checked on every request:
/// `fn() -> bool`, or `fn(&T) -> bool` reading the state `T` given to
/// `Server::builder().state(…)` (a feature flag, a setting of your own). Without that state,
/// the item is hidden.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot gate an item",
    label = "expected `fn() -> bool` or `fn(&T) -> bool`",
    note = "an `enabled` function takes nothing, or a reference to a value given to `Server::builder().state(…)`"
)]
pub trait Enabled<Args>: Send + Sync + 'static {
    /// Whether the item exists, given the server's state.
    fn is_enabled(&self, state: &StateMap) -> bool;
}

impl<F> Enabled<()> for F
where
    F: Fn() -> bool + Send + Sync + 'static,
{
    fn is_enabled(&self, _state: &StateMap) -> bool {
        self()
    }
}

impl<F, T> Enabled<(T,)> for F
where
    F: Fn(&T) -> bool + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    fn is_enabled(&self, state: &StateMap) -> bool {
        state.get_ref::<T>().is_some_and(self)
    }
}

/// Runs an `enabled = path` gate, for generated code.
#[doc(hidden)]
pub fn is_enabled<Args, F: Enabled<Args>>(state: &StateMap, enabled: F) -> bool {
    enabled.is_enabled(state)
}
