//! Completions (`completion/complete`): suggestions for a prompt argument or a resource
//! template variable, from a function the item names.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

/// The most values one answer carries (the protocol's limit).
pub const MAX_COMPLETIONS: usize = 100;

/// The signature of a generated completion function.
#[doc(hidden)]
pub type CompleteFn = fn(String) -> BoxFuture<'static, Vec<String>>;

type DynComplete = dyn Fn(String) -> BoxFuture<'static, Vec<String>> + Send + Sync;

/// A completion function for one argument.
#[derive(Clone)]
pub(crate) struct Completer {
    pub(crate) argument: Cow<'static, str>,
    complete: Arc<DynComplete>,
}

impl Completer {
    pub(crate) fn from_def(argument: &'static str, complete: CompleteFn) -> Self {
        Self {
            argument: Cow::Borrowed(argument),
            complete: Arc::new(complete),
        }
    }

    pub(crate) fn new<F, Fut, I, S>(argument: impl Into<Cow<'static, str>>, complete: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = I> + Send + 'static,
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            argument: argument.into(),
            complete: Arc::new(move |value| boxed(complete(value))),
        }
    }

    pub(crate) fn complete(&self, value: String) -> BoxFuture<'static, Vec<String>> {
        (self.complete)(value)
    }
}

/// Boxes a completion function's future, collecting its values as strings.
#[doc(hidden)]
pub fn boxed<Fut, I, S>(future: Fut) -> BoxFuture<'static, Vec<String>>
where
    Fut: Future<Output = I> + Send + 'static,
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    future
        .map(|values| values.into_iter().map(Into::into).collect())
        .boxed()
}

/// What `completion/complete` answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Up to 100 values, the protocol's limit.
    pub values: Vec<String>,
    /// How many values there are in all.
    pub total: usize,
    /// Whether values were left out.
    pub has_more: bool,
}

impl Completion {
    pub(crate) fn from_values(mut values: Vec<String>) -> Self {
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        Self {
            has_more: total > values.len(),
            values,
            total,
        }
    }
}
