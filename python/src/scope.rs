//! The open runs and stages of each thread, so that `ctx.metric(...)` inside
//! `with ctx.run(...):` writes into the innermost one, as the reference runtime's
//! `Contexta.metric/event/span/register_artifact` do (it keeps them in context variables).

use crate::run::Run;
use crate::stage::Stage;
use pyo3::prelude::*;
use std::cell::RefCell;

pub enum Scope {
    Run(Py<Run>),
    Stage(Py<Stage>),
}

impl Scope {
    fn ptr(&self) -> usize {
        match self {
            Scope::Run(r) => r.as_ptr() as usize,
            Scope::Stage(s) => s.as_ptr() as usize,
        }
    }

    fn session(&self) -> usize {
        match self {
            Scope::Run(r) => r.get().session_id(),
            Scope::Stage(s) => s.get().run.get().session_id(),
        }
    }

    pub fn object<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match self {
            Scope::Run(r) => r.bind(py).clone().into_any(),
            Scope::Stage(s) => s.bind(py).clone().into_any(),
        }
    }
}

thread_local! {
    static OPEN: RefCell<Vec<Scope>> = const { RefCell::new(Vec::new()) };
}

/// A run or stage entered with `with` on this thread.
pub fn enter(scope: Scope) {
    OPEN.with(|open| open.borrow_mut().push(scope));
}

/// Its `with` block ended.
pub fn leave(ptr: usize) {
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        if let Some(i) = open.iter().rposition(|s| s.ptr() == ptr) {
            open.remove(i);
        }
    });
}

/// The innermost open scope of `session` on this thread: with `runs_only`, its innermost run.
pub fn innermost<'py>(
    py: Python<'py>,
    session: usize,
    runs_only: bool,
) -> Option<Bound<'py, PyAny>> {
    OPEN.with(|open| {
        open.borrow()
            .iter()
            .rev()
            .filter(|s| s.session() == session)
            .find(|s| !runs_only || matches!(s, Scope::Run(_)))
            .map(|s| s.object(py))
    })
}
