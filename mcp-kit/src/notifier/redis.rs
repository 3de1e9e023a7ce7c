//! Announcements shared between replicas through Redis pub/sub (feature `redis`): each
//! replica delivers its own announcements at once and publishes them; every replica delivers
//! what the others published to the listeners connected to it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use super::List;
use super::{Announcement, Notifier};

const CHANNEL: &str = "mcp-kit:announcements";

/// The longest wait between two attempts to reach Redis again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What travels on the channel.
#[derive(Serialize, Deserialize)]
struct Message {
    /// The replica that published it, which has delivered it already.
    origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
}

/// A replica's link to the others.
pub(super) struct Relay {
    client: redis::Client,
    publisher: OnceCell<ConnectionManager>,
    origin: String,
}

impl Relay {
    /// A relay through the Redis at `url`; connects on first use.
    pub(super) fn new(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("notify_redis_url: `{url}` is not a Redis URL: {e}"))?;
        let origin = format!("{:016x}", rand_u64());
        Ok(Self {
            client,
            publisher: OnceCell::new(),
            origin,
        })
    }

    /// Tells the other replicas. A Redis that is down costs them this announcement, not
    /// this replica's own listeners, who have it already.
    pub(super) async fn publish(&self, announcement: &Announcement) {
        let message = Message {
            origin: self.origin.clone(),
            list: match announcement {
                Announcement::ListChanged(list) => Some(list_name(*list).into()),
                Announcement::ResourceUpdated(_) => None,
            },
            updated: match announcement {
                Announcement::ResourceUpdated(uri) => Some(uri.clone()),
                Announcement::ListChanged(_) => None,
            },
        };
        let payload = serde_json::to_string(&message).expect("a message serializes");
        let published = async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_response_timeout(Some(Duration::from_secs(2)));
            let connection = self
                .publisher
                .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
                .await?;
            redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(payload)
                .query_async::<i64>(&mut connection.clone())
                .await
        };
        if let Err(error) = published.await {
            tracing::warn!(%error, "an announcement did not reach the other replicas");
        }
    }

    /// Delivers what other replicas publish to `notifier`'s listeners until `shutdown`,
    /// subscribing again, with growing pauses, whenever Redis goes away.
    pub(super) async fn deliver_to(
        self: Arc<Self>,
        notifier: Notifier,
        shutdown: CancellationToken,
    ) {
        let mut backoff = Duration::from_millis(100);
        loop {
            let subscribed = tokio::select! {
                () = shutdown.cancelled() => return,
                subscribed = self.subscribe() => subscribed,
            };
            match subscribed {
                Ok(mut messages) => {
                    backoff = Duration::from_millis(100);
                    loop {
                        let message = tokio::select! {
                            () = shutdown.cancelled() => return,
                            message = messages.next() => message,
                        };
                        let Some(message) = message else { break };
                        if let Some(announcement) = self.read(&message) {
                            notifier.deliver(&announcement).await;
                        }
                    }
                    tracing::warn!("lost the Redis channel of announcements; subscribing again");
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot subscribe to announcements in Redis; trying again");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn subscribe(&self) -> redis::RedisResult<redis::aio::PubSubStream> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(CHANNEL).await?;
        Ok(pubsub.into_on_message())
    }

    /// Another replica's announcement in `message`; `None` for our own or a malformed one.
    fn read(&self, message: &redis::Msg) -> Option<Announcement> {
        let payload: String = message.get_payload().ok()?;
        let message: Message = serde_json::from_str(&payload).ok()?;
        if message.origin == self.origin {
            return None;
        }
        match (message.list.as_deref(), message.updated) {
            (Some("tools"), None) => Some(Announcement::ListChanged(List::Tools)),
            (Some("prompts"), None) => Some(Announcement::ListChanged(List::Prompts)),
            (Some("resources"), None) => Some(Announcement::ListChanged(List::Resources)),
            (None, Some(uri)) => Some(Announcement::ResourceUpdated(uri)),
            _ => None,
        }
    }
}

fn list_name(list: List) -> &'static str {
    match list {
        List::Tools => "tools",
        List::Prompts => "prompts",
        List::Resources => "resources",
    }
}

/// A random id for this replica.
fn rand_u64() -> u64 {
    u64::from_le_bytes(crate::sealed::random_bytes())
}
