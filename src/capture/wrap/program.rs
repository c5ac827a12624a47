//! Finding the program before anything is started, so a typo gives a clear error and leaves no
//! run behind (the shell's convention: 127 not found, 126 found but not executable).

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("command not found: {0}")]
    NotFound(String),
    #[error("{0}: permission denied (not an executable file)")]
    NotExecutable(String),
}

impl ProgramError {
    /// The exit status a shell gives for this.
    pub fn exit_code(&self) -> i32 {
        match self {
            ProgramError::NotFound(_) => 127,
            ProgramError::NotExecutable(_) => 126,
        }
    }
}

fn executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The file `program` names: a path (with a `/`) as given, else the first match on `PATH`.
pub fn find_program(program: &OsStr, path_var: Option<&OsStr>) -> Result<PathBuf, ProgramError> {
    let shown = program.to_string_lossy().into_owned();
    if program.is_empty() {
        return Err(ProgramError::NotFound("''".into()));
    }
    let as_path = Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') {
        return if executable(as_path) {
            Ok(as_path.to_path_buf())
        } else if as_path.exists() {
            Err(ProgramError::NotExecutable(shown))
        } else {
            Err(ProgramError::NotFound(shown))
        };
    }
    let mut found_unexecutable = false;
    for dir in std::env::split_paths(path_var.unwrap_or_default()) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let cand = dir.join(program);
        if executable(&cand) {
            return Ok(cand);
        }
        found_unexecutable |= cand.is_file();
    }
    Err(if found_unexecutable {
        ProgramError::NotExecutable(shown)
    } else {
        ProgramError::NotFound(shown)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_on_path_and_reports_missing_or_unexecutable() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("tool");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("data");
        std::fs::write(&plain, "x").unwrap();
        let path = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(find_program(OsStr::new("tool"), Some(&path)).unwrap(), exe);
        let e = find_program(OsStr::new("no-such-tool"), Some(&path)).unwrap_err();
        assert_eq!(
            (e.exit_code(), e.to_string().as_str()),
            (127, "command not found: no-such-tool")
        );
        let e = find_program(OsStr::new("data"), Some(&path)).unwrap_err();
        assert_eq!(e.exit_code(), 126);
        let e = find_program(plain.as_os_str(), None).unwrap_err();
        assert_eq!(e.exit_code(), 126);
        assert!(find_program(exe.as_os_str(), None).is_ok());
    }
}
