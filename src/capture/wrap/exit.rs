//! How the command ended, as a run status, an exit event and our own exit status.

use crate::model::{JsonMap, Level, Status};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

#[derive(Clone, Debug, PartialEq)]
pub struct ExitOutcome {
    /// Completed on exit code 0, else failed.
    pub status: Status,
    /// What we exit with: the command's code, or 128 + the signal that killed it.
    pub exit_code: i32,
    pub level: Level,
    pub message: String,
    /// `exit_code`, or `signal` and `signal_number`: kept on the `process.exit` event.
    pub attributes: JsonMap,
}

pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGIO",
        30 => "SIGPWR",
        31 => "SIGSYS",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

pub fn exit_outcome(status: ExitStatus) -> ExitOutcome {
    let mut attributes = JsonMap::default();
    if let Some(sig) = status.signal() {
        let name = signal_name(sig);
        attributes.insert("signal", name.clone());
        attributes.insert("signal_number", sig as i64);
        return ExitOutcome {
            status: Status::Failed,
            exit_code: 128 + sig,
            level: Level::Error,
            message: format!(
                "killed by {name}{}",
                if status.core_dumped() {
                    " (core dumped)"
                } else {
                    ""
                }
            ),
            attributes,
        };
    }
    let code = status.code().unwrap_or(1);
    attributes.insert("exit_code", code as i64);
    ExitOutcome {
        status: if code == 0 {
            Status::Completed
        } else {
            Status::Failed
        },
        exit_code: code,
        level: if code == 0 { Level::Info } else { Level::Error },
        message: format!("exited with code {code}"),
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_signals_map_to_status_and_our_exit_code() {
        let ok = exit_outcome(ExitStatus::from_raw(0));
        assert_eq!((ok.status, ok.exit_code), (Status::Completed, 0));
        let three = exit_outcome(ExitStatus::from_raw(3 << 8));
        assert_eq!((three.status, three.exit_code), (Status::Failed, 3));
        assert_eq!(three.message, "exited with code 3");
        let killed = exit_outcome(ExitStatus::from_raw(9));
        assert_eq!((killed.status, killed.exit_code), (Status::Failed, 137));
        assert_eq!(killed.message, "killed by SIGKILL");
    }
}
