//! [`Principal`]: an authenticated caller.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// An authenticated caller: who it is and what it may do.
///
/// Handlers ask for it as a parameter: `Principal` (the call fails with `NotAuthenticated`
/// when anonymous) or `Option<Principal>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable identifier: a user id, a client id, a token's `sub`.
    pub subject: String,
    /// OAuth scopes granted.
    pub scopes: BTreeSet<String>,
    /// Application permissions, e.g. `notes.change_note`.
    pub permissions: BTreeSet<String>,
    /// Everything else the authenticator knows (JWT claims, …).
    pub claims: Map<String, Value>,
}

impl Principal {
    /// A principal with no scopes or permissions.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            scopes: BTreeSet::new(),
            permissions: BTreeSet::new(),
            claims: Map::new(),
        }
    }

    /// Adds scopes.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds permissions.
    pub fn with_permissions<S: Into<String>>(
        mut self,
        permissions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Whether `permission` was granted.
    pub fn has_perm(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }
}
