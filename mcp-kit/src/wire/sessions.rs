//! The clients connected right now, each with what it subscribed to and the log level it
//! asked for, so the server can announce changes (`notifications/resources/updated`,
//! `…/list_changed`) to those who want them.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use rmcp::RoleServer;
use rmcp::service::Peer;

use crate::context::LogLevel;

/// One client connection (a session, or one request when stateless).
#[derive(Default)]
pub(crate) struct Session {
    peer: OnceLock<Peer<RoleServer>>,
    subscriptions: Mutex<HashSet<String>>,
    /// The least severe level the client wants; `None`: everything.
    pub(crate) log_level: Mutex<Option<LogLevel>>,
}

impl Session {
    pub(crate) fn attach(&self, peer: &Peer<RoleServer>) {
        let _ = self.peer.set(peer.clone());
    }

    pub(crate) fn subscribe(&self, uri: String) {
        lock(&self.subscriptions).insert(uri);
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    pub(crate) fn wants_log(&self, level: LogLevel) -> bool {
        lock(&self.log_level).is_none_or(|least| level >= least)
    }
}

/// Every live session. Sessions end when their last handle drops; they are forgotten then.
#[derive(Default)]
pub(crate) struct Sessions {
    all: Mutex<Vec<Weak<Session>>>,
}

/// Which list changed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum List {
    Tools,
    Resources,
    Prompts,
}

impl Sessions {
    pub(crate) fn open(&self) -> Arc<Session> {
        let session = Arc::new(Session::default());
        let mut all = lock(&self.all);
        all.retain(|weak| weak.strong_count() > 0);
        all.push(Arc::downgrade(&session));
        session
    }

    fn peers(&self, wants: impl Fn(&Session) -> bool) -> Vec<Peer<RoleServer>> {
        lock(&self.all)
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|session| wants(session))
            .filter_map(|session| session.peer.get().cloned())
            .collect()
    }

    /// Tells every client subscribed to `uri` that it changed.
    pub(crate) async fn resource_updated(&self, uri: &str) {
        for peer in self.peers(|s| lock(&s.subscriptions).contains(uri)) {
            let param = rmcp::model::ResourceUpdatedNotificationParam::new(uri);
            if let Err(error) = peer.notify_resource_updated(param).await {
                tracing::debug!(%error, "a subscriber is gone");
            }
        }
    }

    /// Tells every connected client that a list changed.
    pub(crate) async fn list_changed(&self, list: List) {
        for peer in self.peers(|_| true) {
            let sent = match list {
                List::Tools => peer.notify_tool_list_changed().await,
                List::Resources => peer.notify_resource_list_changed().await,
                List::Prompts => peer.notify_prompt_list_changed().await,
            };
            if let Err(error) = sent {
                tracing::debug!(%error, "a client is gone");
            }
        }
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
