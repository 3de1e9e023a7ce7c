//! The clients connected right now, each with what it subscribed to and the log level it
//! asked for, so the server can announce changes (`notifications/resources/updated`,
//! `…/list_changed`) to those who want them: 2025-11-25 sessions, and 2026-07-28
//! `subscriptions/listen` streams.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::service::{Peer, SubscriptionSink};

use crate::auth::Principal;
use crate::context::LogLevel;
use crate::lock::lock;
use crate::notifier::{Audience, List, MayRead};

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

/// Every live session and listen stream. Sessions end when their last handle drops;
/// streams when their [`Listening`] guard drops. They are forgotten then.
#[derive(Default)]
pub(crate) struct Sessions {
    all: Mutex<Vec<Weak<Session>>>,
    listeners: Mutex<Listeners>,
}

#[derive(Default)]
struct Listeners {
    next: u64,
    open: Vec<Listener>,
}

/// One open `subscriptions/listen` stream.
struct Listener {
    id: u64,
    sink: SubscriptionSink,
    principal: Option<Principal>,
}

/// Keeps a listen stream registered; dropping it forgets the stream.
pub(crate) struct Listening<'a> {
    sessions: &'a Sessions,
    id: u64,
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        lock(&self.sessions.listeners)
            .open
            .retain(|listener| listener.id != self.id);
    }
}

/// Why a listen stream was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TooMany {
    /// The server has `max` streams open.
    Total { max: usize },
    /// The caller has `max` streams open.
    Caller { max: usize },
}

/// How many listen streams may be open, in all and per caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListenLimits {
    pub(crate) total: usize,
    pub(crate) per_caller: usize,
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

    /// Registers a listen stream of `principal`, unless that would pass `limits`.
    pub(crate) fn listen(
        &self,
        sink: SubscriptionSink,
        principal: Option<Principal>,
        limits: ListenLimits,
    ) -> Result<Listening<'_>, TooMany> {
        let mut listeners = lock(&self.listeners);
        if listeners.open.len() >= limits.total {
            return Err(TooMany::Total { max: limits.total });
        }
        let subject = principal.as_ref().map(|p| p.subject.as_str());
        let callers = listeners
            .open
            .iter()
            .filter(|l| l.principal.as_ref().map(|p| p.subject.as_str()) == subject)
            .count();
        if callers >= limits.per_caller {
            return Err(TooMany::Caller {
                max: limits.per_caller,
            });
        }
        listeners.next += 1;
        let id = listeners.next;
        listeners.open.push(Listener {
            id,
            sink,
            principal,
        });
        Ok(Listening { sessions: self, id })
    }

    /// The sinks of the listen streams `wants` picks.
    fn sinks(&self, wants: impl Fn(&Listener) -> bool) -> Vec<SubscriptionSink> {
        lock(&self.listeners)
            .open
            .iter()
            .filter(|listener| wants(listener))
            .map(|listener| listener.sink.clone())
            .collect()
    }

    /// Tells every client subscribed to `uri`, among those `may_read` lets read it, that
    /// it changed.
    async fn resource_updated(&self, uri: &str, may_read: MayRead<'_>) {
        for peer in self.peers(|s| lock(&s.subscriptions).contains(uri)) {
            let param = rmcp::model::ResourceUpdatedNotificationParam::new(uri);
            if let Err(error) = peer.notify_resource_updated(param).await {
                tracing::debug!(%error, "a subscriber is gone");
            }
        }
        let subscribed = |listener: &Listener| {
            let accepted = &listener.sink.accepted().resource_subscriptions;
            accepted
                .as_ref()
                .is_some_and(|uris| uris.iter().any(|u| u == uri))
                && may_read(listener.principal.as_ref())
        };
        for sink in self.sinks(subscribed) {
            if let Err(error) = sink.notify_resource_updated(uri).await {
                tracing::debug!(%error, "a listener is gone");
            }
        }
    }

    /// Tells every connected client that a list changed.
    async fn list_changed(&self, list: List) {
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
        let asked = |listener: &Listener| {
            let accepted = listener.sink.accepted();
            let flag = match list {
                List::Tools => accepted.tools_list_changed,
                List::Resources => accepted.resources_list_changed,
                List::Prompts => accepted.prompts_list_changed,
            };
            flag == Some(true)
        };
        for sink in self.sinks(asked) {
            let sent = match list {
                List::Tools => sink.notify_tool_list_changed().await,
                List::Resources => sink.notify_resource_list_changed().await,
                List::Prompts => sink.notify_prompt_list_changed().await,
            };
            if let Err(error) = sent {
                tracing::debug!(%error, "a listener is gone");
            }
        }
    }
}

impl Audience for Sessions {
    fn list_changed(&self, list: List) -> BoxFuture<'_, ()> {
        Sessions::list_changed(self, list).boxed()
    }

    fn resource_updated<'a>(&'a self, uri: &'a str, may_read: MayRead<'a>) -> BoxFuture<'a, ()> {
        Sessions::resource_updated(self, uri, may_read).boxed()
    }
}
