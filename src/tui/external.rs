//! Programs run outside the explorer for `o`: a pager (`$PAGER`, else `less`) given text on
//! its stdin while it owns the terminal, and a browser (`$BROWSER`, else `xdg-open`) given a
//! written report's path, left running on its own.
//!
//! `$PAGER` and `$BROWSER` are the user's own settings, run through `sh -c` as git and man do
//! (so `less -R` works); the path goes as a separate argument, never spliced into the command.
//! The runtime suspends the screen around `pager` and restores it whatever the pager does.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Runs the pager on `text` and waits for it. The error says what failed.
pub fn pager(text: &str) -> Result<(), String> {
    let cmd = setting("PAGER").unwrap_or_else(|| "less".to_string());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("pager `{cmd}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit before reading everything closes the pipe: that is not a failure.
        let _ = stdin.write_all(text.as_bytes());
    }
    let status = child.wait().map_err(|e| format!("pager `{cmd}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("pager `{cmd}` ended with {status}"))
    }
}

/// Starts the browser on `path` without waiting for it (a thread reaps it). `$BROWSER` may be
/// a `:`-separated list (the first entry is used) and may say where the path goes with `%s`.
pub fn browser(path: &Path) -> Result<String, String> {
    let (program, mut command) = match setting("BROWSER") {
        Some(list) => {
            let first = list.split(':').next().unwrap_or(&list).to_string();
            let script = if first.contains("%s") {
                first.replace("%s", "\"$1\"")
            } else {
                format!("{first} \"$1\"")
            };
            let mut c = Command::new("sh");
            c.arg("-c").arg(script).arg("sh").arg(path);
            (first, c)
        }
        None => {
            let mut c = Command::new("xdg-open");
            c.arg(path);
            ("xdg-open".to_string(), c)
        }
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    let _ = std::thread::Builder::new()
        .name("contexta-browser".into())
        .spawn(move || child.wait());
    Ok(program)
}
