//! Who may use an item: DRF-style permission classes, composable with `&`, `|` and `!`.
//!
//! ```
//! use mcp_kit::permission::{HasPerm, HasScope, IsAuthenticated, Permission};
//! let editors = IsAuthenticated & (HasScope("notes:write") | HasPerm("notes.change_note"));
//! assert!(editors.check(None).is_err());
//! ```

use std::borrow::Cow;
use std::ops::{BitAnd, BitOr, Not};

use crate::auth::Principal;

/// Why a permission refused: a message the caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub Cow<'static, str>);

/// Decides whether a caller may see and use an item. Items a caller may not use are left
/// out of its lists; calling one anyway is a `PermissionDenied` error with the message.
pub trait Permission: Send + Sync + 'static {
    /// `Ok` to allow; `Err` with a message to refuse.
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied>;

    /// The OAuth scopes this permission asks for, advertised in the protected resource metadata.
    fn scopes(&self) -> Vec<String> {
        Vec::new()
    }

    /// Who it lets in, in words, for people (the developer console): `authenticated and scope
    /// `notes:write``.
    fn describe(&self) -> String {
        "a custom check".to_owned()
    }
}

/// Everyone, authenticated or not.
#[derive(Debug, Clone, Copy)]
pub struct AllowAny;

/// Any authenticated caller.
#[derive(Debug, Clone, Copy)]
pub struct IsAuthenticated;

/// Callers whose token carries this OAuth scope.
#[derive(Debug, Clone, Copy)]
pub struct HasScope(pub &'static str);

/// Callers granted this application permission, e.g. `HasPerm("notes.change_note")`.
#[derive(Debug, Clone, Copy)]
pub struct HasPerm(pub &'static str);

/// Both must allow. Made by `a & b`.
#[derive(Debug, Clone, Copy)]
pub struct And<A, B>(pub A, pub B);

/// Either may allow. Made by `a | b`.
#[derive(Debug, Clone, Copy)]
pub struct Or<A, B>(pub A, pub B);

/// Allows what the inner permission refuses. Made by `!a`.
#[derive(Debug, Clone, Copy)]
pub struct Inverse<A>(pub A);

impl Permission for AllowAny {
    fn check(&self, _principal: Option<&Principal>) -> Result<(), Denied> {
        Ok(())
    }

    fn describe(&self) -> String {
        "anyone".to_owned()
    }
}

impl Permission for IsAuthenticated {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        match principal {
            Some(_) => Ok(()),
            None => Err(Denied("authentication is required".into())),
        }
    }

    fn describe(&self) -> String {
        "authenticated".to_owned()
    }
}

impl Permission for HasScope {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        match principal {
            Some(p) if p.has_scope(self.0) => Ok(()),
            _ => Err(Denied(format!("the scope `{}` is required", self.0).into())),
        }
    }

    fn scopes(&self) -> Vec<String> {
        vec![self.0.to_owned()]
    }

    fn describe(&self) -> String {
        format!("scope `{}`", self.0)
    }
}

impl Permission for HasPerm {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        match principal {
            Some(p) if p.has_perm(self.0) => Ok(()),
            _ => Err(Denied(
                format!("the permission `{}` is required", self.0).into(),
            )),
        }
    }

    fn describe(&self) -> String {
        format!("permission `{}`", self.0)
    }
}

impl<A: Permission, B: Permission> Permission for And<A, B> {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        self.0.check(principal)?;
        self.1.check(principal)
    }

    fn scopes(&self) -> Vec<String> {
        let mut scopes = self.0.scopes();
        scopes.extend(self.1.scopes());
        scopes
    }

    fn describe(&self) -> String {
        format!("{} and {}", self.0.describe(), self.1.describe())
    }
}

impl<A: Permission, B: Permission> Permission for Or<A, B> {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        match (self.0.check(principal), self.1.check(principal)) {
            (Ok(()), _) | (_, Ok(())) => Ok(()),
            (Err(Denied(a)), Err(Denied(b))) => Err(Denied(format!("{a}, or {b}").into())),
        }
    }

    fn scopes(&self) -> Vec<String> {
        let mut scopes = self.0.scopes();
        scopes.extend(self.1.scopes());
        scopes
    }

    fn describe(&self) -> String {
        format!("({} or {})", self.0.describe(), self.1.describe())
    }
}

impl<A: Permission> Permission for Inverse<A> {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        match self.0.check(principal) {
            Ok(()) => Err(Denied("not allowed for this caller".into())),
            Err(_) => Ok(()),
        }
    }

    fn describe(&self) -> String {
        format!("not ({})", self.0.describe())
    }
}

/// Every permission in a list must allow: `permissions(A, B)` on an item.
pub struct All(pub Vec<Box<dyn Permission>>);

impl Permission for All {
    fn check(&self, principal: Option<&Principal>) -> Result<(), Denied> {
        self.0.iter().try_for_each(|p| p.check(principal))
    }

    fn scopes(&self) -> Vec<String> {
        self.0.iter().flat_map(|p| p.scopes()).collect()
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|p| p.describe()).collect();
        parts.join(" and ")
    }
}

macro_rules! operators {
    ($([$($generics:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($generics)* Rhs: Permission> BitAnd<Rhs> for $ty {
            type Output = And<Self, Rhs>;
            fn bitand(self, rhs: Rhs) -> Self::Output {
                And(self, rhs)
            }
        }

        impl<$($generics)* Rhs: Permission> BitOr<Rhs> for $ty {
            type Output = Or<Self, Rhs>;
            fn bitor(self, rhs: Rhs) -> Self::Output {
                Or(self, rhs)
            }
        }

        impl<$($generics)*> Not for $ty {
            type Output = Inverse<Self>;
            fn not(self) -> Self::Output {
                Inverse(self)
            }
        }
    )*};
}

operators!(
    [] AllowAny,
    [] IsAuthenticated,
    [] HasScope,
    [] HasPerm,
    [A: Permission, B: Permission,] And<A, B>,
    [A: Permission, B: Permission,] Or<A, B>,
    [A: Permission,] Inverse<A>,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Principal {
        Principal::new("alice")
            .with_scopes(["mcp", "notes:read"])
            .with_permissions(["notes.view_note"])
    }

    #[test]
    fn built_ins() {
        let alice = alice();
        assert!(AllowAny.check(None).is_ok());
        assert_eq!(
            IsAuthenticated.check(None),
            Err(Denied("authentication is required".into()))
        );
        assert!(IsAuthenticated.check(Some(&alice)).is_ok());
        assert!(HasScope("notes:read").check(Some(&alice)).is_ok());
        assert_eq!(
            HasScope("notes:write").check(Some(&alice)),
            Err(Denied("the scope `notes:write` is required".into()))
        );
        assert!(HasPerm("notes.view_note").check(Some(&alice)).is_ok());
        assert!(HasPerm("notes.view_note").check(None).is_err());
    }

    #[test]
    fn composition() {
        let alice = alice();
        let editors = IsAuthenticated & (HasScope("notes:write") | HasPerm("notes.view_note"));
        assert!(editors.check(Some(&alice)).is_ok());
        assert!(editors.check(None).is_err());
        let writers = HasScope("notes:write") | HasPerm("notes.change_note");
        assert_eq!(
            writers.check(Some(&alice)),
            Err(Denied(
                "the scope `notes:write` is required, or the permission `notes.change_note` is required"
                    .into()
            ))
        );
        assert!((!IsAuthenticated).check(None).is_ok());
        assert!((!IsAuthenticated).check(Some(&alice)).is_err());
        assert_eq!(writers.scopes(), ["notes:write"]);
        let all = All(vec![Box::new(IsAuthenticated), Box::new(HasScope("a"))]);
        assert!(all.check(Some(&alice)).is_err());
        assert_eq!(all.scopes(), ["a"]);
        assert_eq!(all.describe(), "authenticated and scope `a`");
        assert_eq!(
            (IsAuthenticated & !(HasScope("b") | HasPerm("c"))).describe(),
            "authenticated and not ((scope `b` or permission `c`))"
        );
    }
}
