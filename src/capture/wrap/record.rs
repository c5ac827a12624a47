//! What a wrapped command's run records besides its console: where and how it was started
//! (provenance), and its host metrics while it runs.

use super::super::gpu::GpuInfo;
use super::super::provenance;
use super::super::session::{CaptureError, RunHandle, Session};
use super::super::system::SystemSampler;
use crate::model::{Ref, Timestamp};
use crate::store::WriteOp;
use std::ffi::OsString;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// One argument as a shell would need it typed.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The command line as one string a shell would run again.
pub fn command_line(argv: &[OsString]) -> String {
    argv.iter()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Host, OS, user, cwd, git state and the chosen environment variables, with the command that
/// ran (not ours) as `command`, our own command line as `wrapper`, and the GPUs it could see.
pub fn record_provenance(
    session: &Session,
    run: &Ref,
    argv: &[OsString],
    env_vars: &[&str],
    gpus: &[GpuInfo],
) -> Result<(), CaptureError> {
    let mut snap = provenance::snapshot(run, env_vars, Timestamp::now())?;
    if let Some(ext) = snap.extensions.first_mut() {
        let ours: Vec<OsString> = std::env::args_os().collect();
        ext.fields.insert("command", command_line(argv));
        ext.fields.insert("wrapper", command_line(&ours));
        if !gpus.is_empty() {
            let list: Vec<String> = gpus
                .iter()
                .map(|g| format!("{}: {} ({})", g.index, g.name, g.uuid))
                .collect();
            ext.fields.insert("gpus", list.join("; "));
        }
    }
    snap.validate()?;
    session.send(WriteOp::Environment(snap));
    Ok(())
}

/// Logs a sample every `interval` until `stop` is dropped or signalled. Each sample is also
/// the run's heartbeat: its commit moves the run's last-commit time, which the `stale_run`
/// diagnostic reads, so a wrapper killed outright leaves a run that goes stale.
pub fn sample_until(
    run: &RunHandle,
    mut sampler: SystemSampler,
    interval: Duration,
    stop: Receiver<()>,
) {
    loop {
        match stop.recv_timeout(interval) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        for (key, value) in sampler.sample() {
            let _ = run.metric(&key, value, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let argv: Vec<OsString> = ["python", "train.py", "--lr", "3e-4", "a b", "it's"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(
            command_line(&argv),
            "python train.py --lr 3e-4 'a b' 'it'\\''s'"
        );
    }
}
