//! Which scopes a user may hold in the tokens this server issues. The user approves their own
//! request on the consent page, so what a client asks for is no authority: every signed-in
//! user holds the required scopes, and any other offered scope only when the
//! [`ScopePolicy`] says so.

use std::sync::Arc;

use crate::auth::Principal;

/// Decides who may hold a scope beyond `required_scopes` (feature `oauth-server`).
///
/// Set one with `Server::builder().oauth_scope_policy(…)`; a closure
/// `|user: &Principal, scope: &str| -> bool` is one. The default is
/// [`PermissionNamedScopes`].
pub trait ScopePolicy: Send + Sync + 'static {
    /// Whether `user` may hold `scope`, an offered scope that is not a required one.
    fn may_hold(&self, user: &Principal, scope: &str) -> bool;
}

impl<F> ScopePolicy for F
where
    F: Fn(&Principal, &str) -> bool + Send + Sync + 'static,
{
    fn may_hold(&self, user: &Principal, scope: &str) -> bool {
        self(user, scope)
    }
}

/// The default policy: a user holds a scope when they have a permission of the same name
/// (`my-server user create alice --permission admin` lets alice hold `admin`).
#[derive(Clone, Copy, Debug, Default)]
pub struct PermissionNamedScopes;

impl ScopePolicy for PermissionNamedScopes {
    fn may_hold(&self, user: &Principal, scope: &str) -> bool {
        user.has_perm(scope)
    }
}

/// The scopes this server offers, and who may hold them.
pub(super) struct Scopes {
    offered: Vec<String>,
    required: Vec<String>,
    policy: Arc<dyn ScopePolicy>,
}

impl Scopes {
    pub(super) fn new(
        offered: Vec<String>,
        required: Vec<String>,
        policy: Arc<dyn ScopePolicy>,
    ) -> Self {
        Self {
            offered,
            required,
            policy,
        }
    }

    pub(super) fn offered(&self) -> &[String] {
        &self.offered
    }

    /// What a request asks for, space-separated, less the scopes this server does not offer
    /// (`offline_access`, `openid`, …), which are left out rather than refused (RFC 6749
    /// §3.3); the required scopes when nothing offered is left.
    pub(super) fn asked(&self, asked: &str) -> String {
        let offered = |scope: &&str| self.offered.iter().any(|known| known == scope);
        let scopes: Vec<&str> = asked.split_whitespace().filter(offered).collect();
        if scopes.is_empty() {
            self.required.join(" ")
        } else {
            scopes.join(" ")
        }
    }

    /// Of `scope` (space-separated), what `user` may hold: the required scopes, and the
    /// others the policy allows them.
    pub(super) fn held_by(&self, user: &Principal, scope: &str) -> String {
        let may_hold = |scope: &&str| {
            self.required.iter().any(|required| required == scope)
                || self.policy.may_hold(user, scope)
        };
        let held: Vec<&str> = scope.split_whitespace().filter(may_hold).collect();
        held.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(policy: impl ScopePolicy) -> Scopes {
        let offered = ["admin", "mcp", "notes:write"].map(String::from).to_vec();
        Scopes::new(offered, vec!["mcp".into()], Arc::new(policy))
    }

    #[test]
    fn scopes_not_offered_are_left_out_and_nothing_left_means_the_required_ones() {
        let scopes = scopes(PermissionNamedScopes);
        assert_eq!(scopes.asked("mcp openid admin"), "mcp admin");
        assert_eq!(scopes.asked("openid offline_access"), "mcp");
        assert_eq!(scopes.asked(""), "mcp");
    }

    #[test]
    fn by_default_a_scope_beyond_the_required_ones_needs_a_permission_of_its_name() {
        let scopes = scopes(PermissionNamedScopes);
        let alice = Principal::new("alice");
        assert_eq!(scopes.held_by(&alice, "mcp admin notes:write"), "mcp");
        let root = Principal::new("root").with_permissions(["admin"]);
        assert_eq!(scopes.held_by(&root, "mcp admin notes:write"), "mcp admin");
    }

    #[test]
    fn a_policy_in_code_decides_all_but_the_required_scopes() {
        let scopes = scopes(|user: &Principal, scope: &str| {
            user.subject == "root" && scope == "notes:write"
        });
        let root = Principal::new("root").with_permissions(["admin"]);
        assert_eq!(
            scopes.held_by(&root, "mcp admin notes:write"),
            "mcp notes:write"
        );
        assert_eq!(
            scopes.held_by(&Principal::new("bob"), "mcp notes:write"),
            "mcp"
        );
    }
}
