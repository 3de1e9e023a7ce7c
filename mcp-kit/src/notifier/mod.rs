//! [`Notifier`]: announcing changes to the clients that asked to hear of them, over a
//! 2025-11-25 session or a 2026-07-28 `subscriptions/listen` stream, on this replica and,
//! through Redis, on the others.

#[cfg(feature = "redis")]
mod redis;

use std::sync::{Arc, Mutex, OnceLock, Weak};

use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::auth::Principal;
use crate::dispatch::Dispatcher;
use crate::lock::lock;

/// Which list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Tools,
    Resources,
    Prompts,
}

/// Whether a caller may read the resource an announcement is about.
pub(crate) type MayRead<'a> = &'a (dyn Fn(Option<&Principal>) -> bool + Send + Sync);

/// The clients one transport endpoint holds (sessions, listen streams), told of changes.
pub(crate) trait Audience: Send + Sync {
    /// Tells every client that `list` changed.
    fn list_changed(&self, list: List) -> BoxFuture<'_, ()>;
    /// Tells the clients subscribed to `uri`, among those `may_read` lets read it.
    fn resource_updated<'a>(&'a self, uri: &'a str, may_read: MayRead<'a>) -> BoxFuture<'a, ()>;
}

/// Tells connected clients that a resource or a list changed. Cheap to clone: hand one to
/// tools with `Server::builder().state(…)`, taken from [`ServerBuilder::notifier`] before the
/// server is built.
///
/// [`ServerBuilder::notifier`]: crate::ServerBuilder::notifier
#[derive(Clone, Default)]
pub struct Notifier {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Every endpoint serving now; each is forgotten when it is dropped.
    audiences: Mutex<Vec<Weak<dyn Audience>>>,
    /// Set when the server is built; decides who may hear of a resource.
    dispatcher: OnceLock<Weak<Dispatcher>>,
    /// The other replicas, when `notify_redis_url` is set.
    #[cfg(feature = "redis")]
    relay: OnceLock<Arc<redis::Relay>>,
}

/// A change to announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Announcement {
    ResourceUpdated(String),
    ListChanged(List),
}

impl Notifier {
    pub(crate) fn attach(&self, dispatcher: &Arc<Dispatcher>) {
        let _ = self.inner.dispatcher.set(Arc::downgrade(dispatcher));
    }

    /// Announces changes to `audience` too, while it lives.
    pub(crate) fn reach(&self, audience: &Arc<dyn Audience>) {
        let mut audiences = lock(&self.inner.audiences);
        audiences.retain(|weak| weak.strong_count() > 0);
        audiences.push(Arc::downgrade(audience));
    }

    fn audiences(&self) -> Vec<Arc<dyn Audience>> {
        lock(&self.inner.audiences)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// Shares announcements with the replicas behind the Redis at `url` (feature `redis`).
    pub(crate) fn relay_through(&self, url: &str) -> Result<(), String> {
        #[cfg(feature = "redis")]
        {
            let relay = redis::Relay::new(url)?;
            let _ = self.inner.relay.set(Arc::new(relay));
            Ok(())
        }
        #[cfg(not(feature = "redis"))]
        Err(format!(
            "notify_redis_url is `{url}`, but mcp-kit was built without its `redis` feature"
        ))
    }

    /// Starts delivering the other replicas' announcements here, until `shutdown`.
    pub(crate) fn start_relay(&self, shutdown: &CancellationToken) {
        #[cfg(feature = "redis")]
        if let Some(relay) = self.inner.relay.get() {
            let delivering = relay.clone().deliver_to(self.clone(), shutdown.clone());
            tokio::spawn(delivering);
        }
        #[cfg(not(feature = "redis"))]
        let _ = shutdown;
    }

    /// Tells the clients subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`), those that may read it.
    pub async fn notify_resource_updated(&self, uri: &str) {
        self.announce(Announcement::ResourceUpdated(uri.to_owned()))
            .await;
    }

    /// Tells connected clients that the list of resources changed.
    pub async fn notify_resource_list_changed(&self) {
        self.list_changed(List::Resources).await;
    }

    /// Tells connected clients that the list of tools changed.
    pub async fn notify_tool_list_changed(&self) {
        self.list_changed(List::Tools).await;
    }

    /// Tells connected clients that the list of prompts changed.
    pub async fn notify_prompt_list_changed(&self) {
        self.list_changed(List::Prompts).await;
    }

    /// Tells connected clients that `list` changed.
    pub(crate) async fn list_changed(&self, list: List) {
        self.announce(Announcement::ListChanged(list)).await;
    }

    async fn announce(&self, announcement: Announcement) {
        self.deliver(&announcement).await;
        #[cfg(feature = "redis")]
        if let Some(relay) = self.inner.relay.get() {
            relay.publish(&announcement).await;
        }
    }

    /// Delivers `announcement` to the clients connected to this replica.
    async fn deliver(&self, announcement: &Announcement) {
        let audiences = self.audiences();
        match announcement {
            Announcement::ListChanged(list) => {
                for audience in audiences {
                    audience.list_changed(*list).await;
                }
            }
            Announcement::ResourceUpdated(uri) => {
                let Some(dispatcher) = self.inner.dispatcher.get().and_then(Weak::upgrade) else {
                    return;
                };
                let may_read = |principal: Option<&Principal>| dispatcher.may_read(uri, principal);
                for audience in audiences {
                    audience.resource_updated(uri, &may_read).await;
                }
            }
        }
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}
