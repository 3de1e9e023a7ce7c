//! Who opened each stateful session. A session id is a bearer secret in rmcp's eyes; here it
//! is also bound to the caller that opened it, so another caller who learns it can neither
//! use the session, open its stream nor end it, and each caller holds only so many.

use std::collections::HashMap;
use std::sync::Mutex;

/// Sessions by id, with their opener's subject (`None`: anonymous).
pub(super) struct SessionOwners {
    owners: Mutex<HashMap<String, Option<String>>>,
    per_caller: usize,
}

impl SessionOwners {
    pub(super) fn new(per_caller: usize) -> Self {
        Self {
            owners: Mutex::default(),
            per_caller,
        }
    }

    /// Whether `subject` may use the session `id`. A session not known here is left to
    /// rmcp, which answers that it does not exist.
    pub(super) fn allows(&self, id: &str, subject: Option<&str>) -> bool {
        match self.lock().get(id) {
            Some(owner) => owner.as_deref() == subject,
            None => true,
        }
    }

    /// Whether `subject` may open another session, once the sessions no longer `live` are
    /// forgotten; `Err(max)` when it holds the most allowed. Anonymous callers (authentication
    /// off) are everyone at once, so only `max_sessions` bounds them.
    pub(super) fn may_open(&self, subject: Option<&str>, live: &[String]) -> Result<(), usize> {
        let mut owners = self.lock();
        owners.retain(|id, _| live.iter().any(|l| l == id));
        let Some(subject) = subject else {
            return Ok(());
        };
        let held = owners
            .values()
            .filter(|o| o.as_deref() == Some(subject))
            .count();
        if held >= self.per_caller {
            return Err(self.per_caller);
        }
        Ok(())
    }

    pub(super) fn opened(&self, id: &str, subject: Option<&str>) {
        self.lock()
            .insert(id.to_owned(), subject.map(str::to_owned));
    }

    pub(super) fn closed(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<String>>> {
        self.owners.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_its_openers_alone_and_each_caller_holds_so_many() {
        let owners = SessionOwners::new(1);
        owners.opened("s1", Some("alice"));
        assert!(owners.allows("s1", Some("alice")));
        assert!(!owners.allows("s1", Some("bob")));
        assert!(!owners.allows("s1", None));
        assert!(owners.allows("unknown", Some("bob")));
        let live = vec!["s1".to_owned()];
        assert_eq!(owners.may_open(Some("alice"), &live), Err(1));
        assert_eq!(owners.may_open(Some("bob"), &live), Ok(()));
        owners.opened("s3", None);
        let live = vec!["s1".to_owned(), "s3".to_owned()];
        assert_eq!(
            owners.may_open(None, &live),
            Ok(()),
            "anonymous: max_sessions only"
        );
        // An expired session no longer counts.
        assert_eq!(owners.may_open(Some("alice"), &[]), Ok(()));
        owners.opened("s2", Some("alice"));
        owners.closed("s2");
        assert_eq!(owners.may_open(Some("alice"), &[]), Ok(()));
    }
}
