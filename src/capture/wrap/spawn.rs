//! Starting the command: in a new pseudo-terminal (pty-process: the child is a session leader
//! with the pty as its controlling terminal, so it behaves as on a terminal), or with its
//! stdout and stderr on two pipes (`--pipe`) in its own process group. Either way signals we
//! forward reach its whole group, as a terminal's would.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

pub enum ChildIo {
    /// The pty's controller side: the child's output to read, its keyboard to write.
    Pty(pty_process::blocking::Pty),
    Pipes {
        stdout: ChildStdout,
        stderr: ChildStderr,
    },
}

pub struct Spawned {
    pub child: Child,
    pub io: ChildIo,
}

/// Starts `program` with `args` and the extra `env`; `size` is the pty's (cols, rows).
pub fn spawn(
    program: &Path,
    args: &[OsString],
    env: &[(OsString, OsString)],
    pipe: bool,
    size: (u16, u16),
) -> std::io::Result<Spawned> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    if pipe {
        use std::os::unix::process::CommandExt;
        cmd.stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group: a Ctrl-C on our terminal reaches it once, through us.
            .process_group(0);
        let mut child = cmd.spawn()?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("child pipes missing"));
        };
        return Ok(Spawned {
            child,
            io: ChildIo::Pipes { stdout, stderr },
        });
    }
    let (pty, pts) = pty_process::blocking::open().map_err(std::io::Error::other)?;
    pty.resize(pty_process::Size::new(size.1.max(1), size.0.max(1)))
        .map_err(std::io::Error::other)?;
    // `spawn` consumes the terminal side, so our copy is closed and the controller side reads
    // end-of-file (EIO) once every process that holds it has gone.
    let child = pty_process::blocking::Command::from(cmd)
        .spawn(pts)
        .map_err(|e| match e {
            pty_process::Error::Io(io) => io,
            other => std::io::Error::other(other),
        })?;
    Ok(Spawned {
        child,
        io: ChildIo::Pty(pty),
    })
}
