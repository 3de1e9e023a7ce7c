//! [`State<T>`]: application state shared by every call, one value per type.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use schemars::{Schema, SchemaGenerator};

use super::call::Call;
use super::param::{Param, ParamKind};
use crate::error::ToolError;

/// Shared application state given to `Server::builder().state(…)`. Derefs to `T`.
pub struct State<T>(Arc<T>);

impl<T> State<T> {
    /// The shared pointer, e.g. to move into a spawned task.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Send + Sync + 'static> Param for State<T> {
    const KIND: ParamKind = ParamKind::Injected;

    fn schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        call.state.get::<T>().map(State).ok_or_else(|| {
            ToolError::internal(format!(
                "no state of type `{}`: give it to Server::builder().state(…)",
                type_name::<T>()
            ))
        })
    }
}

/// Values of any type, one per type, shared by all calls.
#[doc(hidden)]
#[derive(Default)]
pub struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.0.insert(TypeId::of::<T>(), value);
    }

    pub(crate) fn get_ref<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0.get(&TypeId::of::<T>())?.clone().downcast().ok()
    }
}
