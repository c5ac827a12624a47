//! Errors as Python exceptions, and fork safety.
//!
//! A forked child inherits its parent's session objects but not the committer thread behind
//! them: writing through them would buffer forever, and dropping them would wait forever for a
//! thread that does not exist. Every object remembers the fork generation it was made in (a
//! counter a `pthread_atfork` child handler bumps); a call from another generation raises, and a
//! drop there leaks instead of flushing.

use contexta::capture::CaptureError;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

pyo3::create_exception!(
    contexta,
    ContextaError,
    PyRuntimeError,
    "A workspace or commit problem (the message says which), or a session used from a forked child."
);

/// A capture error as the exception a Python caller expects: bad names and values are
/// `ValueError`, a missing or unreadable file `OSError`, the workspace `ContextaError`.
pub fn py_err(e: CaptureError) -> PyErr {
    match e {
        CaptureError::Invalid(_) | CaptureError::Ref(_) => PyValueError::new_err(e.to_string()),
        CaptureError::Artifact(_) => PyOSError::new_err(e.to_string()),
        CaptureError::Store(_) | CaptureError::Commit(_) => ContextaError::new_err(e.to_string()),
    }
}

static GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn after_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Installs the fork handler once per process (module import).
pub fn install_fork_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a plain function that only bumps an atomic (async-signal-safe).
        unsafe {
            libc::pthread_atfork(None, None, Some(after_fork_in_child));
        }
    });
}

/// Where an object was made: its process, and the fork generation of that process.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    generation: u64,
    pid: u32,
}

impl Origin {
    pub fn here() -> Origin {
        Origin {
            generation: GENERATION.load(Ordering::Relaxed),
            pid: std::process::id(),
        }
    }

    pub fn forked(&self) -> bool {
        GENERATION.load(Ordering::Relaxed) != self.generation
    }

    /// Refuses a call from a forked child.
    pub fn check(&self) -> PyResult<()> {
        if self.forked() {
            return Err(ContextaError::new_err(format!(
                "this contexta session was opened in process {}, and process {} is a fork of it: \
                 a fork does not inherit the session's committer, so nothing would be written. \
                 Open a session in the child instead: contexta.Contexta() (each process its own)",
                self.pid,
                std::process::id()
            )));
        }
        Ok(())
    }
}

/// A Rust handle owned by a Python object: dropped normally in the process that made it,
/// leaked in a forked child (its drop would wait on the parent's committer thread).
pub struct Owned<T> {
    value: ManuallyDrop<T>,
    origin: Origin,
}

impl<T> Owned<T> {
    pub fn new(value: T) -> Self {
        Owned {
            value: ManuallyDrop::new(value),
            origin: Origin::here(),
        }
    }

    /// The handle, after refusing a forked child.
    pub fn get(&self) -> PyResult<&T> {
        self.origin.check()?;
        Ok(&self.value)
    }

    pub fn get_mut(&mut self) -> PyResult<&mut T> {
        self.origin.check()?;
        Ok(&mut self.value)
    }
}

impl<T> Deref for Owned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.origin.forked() {
            // SAFETY: dropped exactly once, here.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}
