//! What `/healthz` reports beside the server itself: the state of what it depends on, such as
//! the servers it mounts.

use std::sync::Arc;

use serde_json::{Map, Value};

/// Something the server depends on, reporting its state on `/healthz`.
pub(crate) trait Probe: Send + Sync {
    /// The name it is reported under.
    fn name(&self) -> &str;
    /// Its state, in a word (`"up"`, `"down"`, …).
    fn state(&self) -> &'static str;
}

/// The probes of one server.
#[derive(Clone, Default)]
pub(crate) struct Probes(Vec<Arc<dyn Probe>>);

impl Probes {
    #[cfg(feature = "client")]
    pub(crate) fn add(&mut self, probe: Arc<dyn Probe>) {
        self.0.push(probe);
    }

    /// Whether a probe is named `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|probe| probe.name() == name)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each probe's state, by name.
    pub(crate) fn report(&self) -> Value {
        let states: Map<String, Value> = self
            .0
            .iter()
            .map(|probe| (probe.name().to_owned(), probe.state().into()))
            .collect();
        Value::Object(states)
    }
}
