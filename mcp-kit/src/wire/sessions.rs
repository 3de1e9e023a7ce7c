//! The clients connected right now, each with what it subscribed to and the log level it
//! asked for, so the server can announce changes (`notifications/resources/updated`,
//! `…/list_changed`) to those who want them: 2025-11-25 sessions, and 2026-07-28
//! `subscriptions/listen` streams.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::service::{Peer, SubscriptionSink};

use crate::auth::Principal;
use crate::context::LogLevel;
use crate::lock::lock;
use crate::notifier::{Announcement, Audience, List, MayRead};

/// One client connection (a session, or one request when stateless).
#[derive(Default)]
pub(crate) struct Session {
    peer: OnceLock<Peer<RoleServer>>,
    subscriptions: Mutex<HashSet<String>>,
    /// The least severe level the client wants; `None`: everything.
    pub(crate) log_level: Mutex<Option<LogLevel>>,
    /// How many announcements had been made when a listen stream here was accepted.
    listen_mark: Mutex<Option<u64>>,
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

    /// Notes that a listen stream is being accepted while `sessions` has made `announced`
    /// announcements; the earliest mark wins until [`Sessions::listen`] takes it.
    pub(crate) fn mark_listen(&self, sessions: &Sessions) {
        let announced = lock(&sessions.listeners).recent.announced;
        let mut mark = lock(&self.listen_mark);
        *mark = Some(mark.map_or(announced, |earlier| earlier.min(announced)));
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
    /// rmcp acknowledges a stream before [`Sessions::listen`] registers it, and the client may
    /// act on the acknowledgement at once: what is announced in between is replayed from here.
    recent: Recent,
}

/// How many of the latest announcements a listen stream being opened can catch up on.
const RECENT: usize = 64;

/// The last [`RECENT`] announcements, numbered from the first ever made.
#[derive(Default)]
struct Recent {
    kept: VecDeque<Announcement>,
    /// How many announcements were ever made.
    announced: u64,
}

impl Recent {
    fn push(&mut self, announcement: Announcement) {
        if self.kept.len() == RECENT {
            self.kept.pop_front();
        }
        self.kept.push_back(announcement);
        self.announced += 1;
    }

    /// The announcements made since `announced` was read, those still kept.
    fn since(&self, announced: u64) -> Vec<Announcement> {
        let first_kept = self.announced - self.kept.len() as u64;
        let skip = announced.saturating_sub(first_kept) as usize;
        self.kept.iter().skip(skip).cloned().collect()
    }
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

    /// Registers a listen stream of `principal`, unless that would pass `limits`, with the
    /// announcements made since `session` accepted it (see [`Session::mark_listen`]).
    pub(crate) fn listen(
        &self,
        session: &Session,
        sink: SubscriptionSink,
        principal: Option<Principal>,
        limits: ListenLimits,
    ) -> Result<(Listening<'_>, Vec<Announcement>), TooMany> {
        let mark = lock(&session.listen_mark).take();
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
        let missed = mark.map_or_else(Vec::new, |mark| listeners.recent.since(mark));
        listeners.next += 1;
        let id = listeners.next;
        listeners.open.push(Listener {
            id,
            sink,
            principal,
        });
        Ok((Listening { sessions: self, id }, missed))
    }

    /// Keeps `announcement` among the recent ones and picks the listen streams that asked for
    /// it and `may_read` lets hear it, under one lock: a stream registered meanwhile either is
    /// picked or finds it among the recent.
    fn record(&self, announcement: &Announcement, may_read: MayRead<'_>) -> Vec<SubscriptionSink> {
        let mut listeners = lock(&self.listeners);
        listeners.recent.push(announcement.clone());
        listeners
            .open
            .iter()
            .filter(|l| wants(&l.sink, l.principal.as_ref(), announcement, may_read))
            .map(|l| l.sink.clone())
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
        let announcement = Announcement::ResourceUpdated(uri.to_owned());
        for sink in self.record(&announcement, may_read) {
            send(&sink, &announcement).await;
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
        let announcement = Announcement::ListChanged(list);
        for sink in self.record(&announcement, &|_| true) {
            send(&sink, &announcement).await;
        }
    }
}

/// Whether the listen stream `sink` of `principal` asked for `announcement`, and `may_read`
/// lets it hear of the resource.
pub(crate) fn wants(
    sink: &SubscriptionSink,
    principal: Option<&Principal>,
    announcement: &Announcement,
    may_read: MayRead<'_>,
) -> bool {
    let accepted = sink.accepted();
    match announcement {
        Announcement::ResourceUpdated(uri) => {
            let subscribed = accepted.resource_subscriptions.as_ref();
            subscribed.is_some_and(|uris| uris.iter().any(|u| u == uri)) && may_read(principal)
        }
        Announcement::ListChanged(list) => {
            let flag = match list {
                List::Tools => accepted.tools_list_changed,
                List::Resources => accepted.resources_list_changed,
                List::Prompts => accepted.prompts_list_changed,
            };
            flag == Some(true)
        }
    }
}

/// Sends `announcement` on a listen stream.
pub(crate) async fn send(sink: &SubscriptionSink, announcement: &Announcement) {
    let sent = match announcement {
        Announcement::ResourceUpdated(uri) => sink.notify_resource_updated(uri).await,
        Announcement::ListChanged(List::Tools) => sink.notify_tool_list_changed().await,
        Announcement::ListChanged(List::Resources) => sink.notify_resource_list_changed().await,
        Announcement::ListChanged(List::Prompts) => sink.notify_prompt_list_changed().await,
    };
    if let Err(error) = sent {
        tracing::debug!(%error, "a listener is gone");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn updated(n: usize) -> Announcement {
        Announcement::ResourceUpdated(format!("doc://{n}"))
    }

    #[test]
    fn a_stream_catches_up_on_what_came_after_its_mark() {
        let mut recent = Recent::default();
        recent.push(updated(0));
        let mark = recent.announced;
        recent.push(updated(1));
        recent.push(Announcement::ListChanged(List::Tools));
        assert_eq!(
            recent.since(mark),
            [updated(1), Announcement::ListChanged(List::Tools)]
        );
        assert_eq!(recent.since(recent.announced), []);
    }

    #[test]
    fn only_the_latest_announcements_are_kept() {
        let mut recent = Recent::default();
        for n in 0..RECENT + 10 {
            recent.push(updated(n));
        }
        let missed = recent.since(0);
        assert_eq!(missed.len(), RECENT);
        assert_eq!(missed.first(), Some(&updated(10)));
        assert_eq!(recent.since(RECENT as u64 + 9), [updated(RECENT + 9)]);
    }
}
