//! Running a command as a run (`contexta run -- CMD`): starting it in a pseudo-terminal (or on
//! pipes), pumping its output to our terminal and through console capture into the run, and
//! turning how it ended into the run's status. The CLI owns our terminal (raw mode, signals);
//! this module owns the child and what is stored about it.

mod exit;
mod program;
mod pump;
mod record;
mod spawn;

pub use exit::{ExitOutcome, exit_outcome, signal_name};
pub use program::{ProgramError, find_program};
pub use pump::{ConsoleSink, PumpControl, pump_pipe, pump_pty};
pub use record::{command_line, record_provenance, sample_until};
pub use spawn::{ChildIo, Spawned, spawn};
