//! [`Notifier`]: announcing changes to the clients that asked to hear of them, over a
//! 2025-11-25 session or a 2026-07-28 `subscriptions/listen` stream.

use std::sync::{Arc, OnceLock, Weak};

use crate::dispatch::Dispatcher;
use crate::wire::{List, Sessions};

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
    sessions: Arc<Sessions>,
    /// Set when the server is built; decides who may hear of a resource.
    dispatcher: OnceLock<Weak<Dispatcher>>,
}

impl Notifier {
    pub(crate) fn attach(&self, dispatcher: &Arc<Dispatcher>) {
        let _ = self.inner.dispatcher.set(Arc::downgrade(dispatcher));
    }

    pub(crate) fn sessions(&self) -> &Arc<Sessions> {
        &self.inner.sessions
    }

    /// Tells the clients subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`), those that may read it.
    pub async fn notify_resource_updated(&self, uri: &str) {
        let Some(dispatcher) = self.inner.dispatcher.get().and_then(Weak::upgrade) else {
            return;
        };
        let may_read = |principal: Option<&crate::Principal>| dispatcher.may_read(uri, principal);
        self.inner.sessions.resource_updated(uri, may_read).await;
    }

    /// Tells connected clients that the list of resources changed.
    pub async fn notify_resource_list_changed(&self) {
        self.inner.sessions.list_changed(List::Resources).await;
    }

    /// Tells connected clients that the list of tools changed.
    pub async fn notify_tool_list_changed(&self) {
        self.inner.sessions.list_changed(List::Tools).await;
    }

    /// Tells connected clients that the list of prompts changed.
    pub async fn notify_prompt_list_changed(&self) {
        self.inner.sessions.list_changed(List::Prompts).await;
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}
