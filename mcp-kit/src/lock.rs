//! Locking a mutex whose last holder panicked. Every value guarded here is whole between
//! statements, so the poison is passed over rather than spread to every later caller.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
