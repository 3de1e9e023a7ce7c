//! A server's items while the servers it mounts change theirs: its own, and each mount's as
//! last listed, put together again into a new registry when a mount's lists change.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::dispatch::Dispatcher;
use crate::lock::lock;
use crate::notifier::{List, Notifier};
use crate::registry::{Items, Registry, RegistryError};

/// Where a mount finds the registrar of the server it is served by, once that is built.
pub(crate) type Slot = Arc<OnceLock<Weak<Registrar>>>;

/// A mount's items, as the builder holds them.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct Mounted {
    pub(crate) prefix: String,
    pub(crate) items: Items,
    pub(crate) slot: Slot,
}

pub(crate) struct Registrar {
    own: Items,
    /// Each mount's items, by prefix.
    mounted: Mutex<Vec<(String, Items)>>,
    serving: OnceLock<(Weak<Dispatcher>, Notifier)>,
}

impl Registrar {
    /// The server's own items beside its mounts', each mount told where to find this.
    pub(crate) fn new(own: Items, mounts: Vec<Mounted>) -> Arc<Self> {
        let (mounted, slots): (Vec<_>, Vec<_>) = mounts
            .into_iter()
            .map(|mount| ((mount.prefix, mount.items), mount.slot))
            .unzip();
        let registrar = Arc::new(Self {
            own,
            mounted: Mutex::new(mounted),
            serving: OnceLock::new(),
        });
        for slot in slots {
            let _ = slot.set(Arc::downgrade(&registrar));
        }
        registrar
    }

    /// All the items, in one registry.
    pub(crate) fn registry(&self) -> Result<Registry, RegistryError> {
        self.assemble(&lock(&self.mounted))
    }

    fn assemble(&self, mounted: &[(String, Items)]) -> Result<Registry, RegistryError> {
        let mut items = self.own.clone();
        for (_, served) in mounted {
            items.extend(served.clone());
        }
        Registry::from_items(items)
    }

    /// Where the registry is served, and who to tell when it changes. When there are
    /// mounts, the dispatcher keeps this registrar for as long as it serves.
    pub(crate) fn serve(self: Arc<Self>, dispatcher: &Arc<Dispatcher>, notifier: &Notifier) {
        if lock(&self.mounted).is_empty() {
            return;
        }
        let _ = (self.serving).set((Arc::downgrade(dispatcher), notifier.clone()));
        dispatcher.keep(self);
    }

    /// Serves `items` as the `lists` of the mount at `prefix`, and tells the clients. A new
    /// list whose items would clash with others (two tools of one name) is refused, and the
    /// old one kept.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) async fn replace(&self, prefix: &str, lists: &[List], items: Items) {
        let Some((dispatcher, notifier)) = self.serving.get() else {
            return;
        };
        let Some(dispatcher) = dispatcher.upgrade() else {
            return;
        };
        let Items {
            mut tools,
            mut resources,
            mut prompts,
        } = items;
        {
            // One change at a time, from assembling to serving, so that two mounts' changes
            // cannot interleave.
            let mut mounted = lock(&self.mounted);
            let Some(at) = mounted.iter().position(|(p, _)| p == prefix) else {
                return;
            };
            let mut next = mounted[at].1.clone();
            for list in lists {
                match list {
                    List::Tools => next.tools = std::mem::take(&mut tools),
                    List::Resources => next.resources = std::mem::take(&mut resources),
                    List::Prompts => next.prompts = std::mem::take(&mut prompts),
                }
            }
            let before = std::mem::replace(&mut mounted[at].1, next);
            match self.assemble(&mounted) {
                Ok(registry) => dispatcher.replace_registry(registry),
                Err(error) => {
                    mounted[at].1 = before;
                    tracing::warn!(upstream = prefix, %error, "the mounted server's new lists are not served");
                    return;
                }
            }
        }
        tracing::info!(
            upstream = prefix,
            ?lists,
            "the mounted server's lists changed"
        );
        for list in lists {
            notifier.list_changed(*list).await;
        }
    }
}
