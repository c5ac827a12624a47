//! Whether a workspace found by walking up from the current directory may be used. Like git's
//! `safe.directory`: a `.contexta/` someone else can write (another user's, or one left
//! world-writable in a shared folder such as /tmp) would receive this user's parameters and
//! secrets, and could feed them crafted data. Such a workspace is refused unless the user names
//! it (`--workspace`, `CONTEXTA_WORKSPACE`); one named explicitly is taken as trusted.

use super::error::StoreError;
use super::workspace::DB_FILE;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Why `path` (a directory or file of the workspace) may be written by someone else, if so.
fn writable_by_others(path: &Path) -> Result<Option<String>, StoreError> {
    let meta = std::fs::metadata(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let me = rustix::process::geteuid().as_raw();
    let my_group = rustix::process::getegid().as_raw();
    let mode = meta.mode() & 0o7777;
    Ok(if meta.uid() != me {
        Some(format!(
            "{} is owned by uid {}, not by you (uid {me})",
            path.display(),
            meta.uid()
        ))
    } else if mode & 0o002 != 0 {
        Some(format!(
            "{} is writable by every user (mode {mode:04o})",
            path.display()
        ))
    } else if mode & 0o020 != 0 && meta.gid() != my_group {
        // Group-writable by the user's own group is the usual umask 002 / user-private-group
        // setup (a group of one); by any other group, its members could write.
        Some(format!(
            "{} is writable by group {} (mode {mode:04o})",
            path.display(),
            meta.gid()
        ))
    } else {
        None
    })
}

/// Refuses a discovered workspace (`root` is the `.contexta` directory) that another user
/// owns or can write: the folder itself and its database file are checked.
pub fn check_discovered(root: &Path) -> Result<(), StoreError> {
    for path in [root.to_path_buf(), root.join(DB_FILE)] {
        if let Some(why) = writable_by_others(&path)? {
            return Err(StoreError::Untrusted {
                path: root.to_path_buf(),
                why,
            });
        }
    }
    Ok(())
}
