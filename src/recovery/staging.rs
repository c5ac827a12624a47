//! Where a restore extracts: a fresh folder with an unpredictable name, made by one `mkdir` that
//! fails rather than reuse anything already there (so a link planted in a shared folder such as
//! `$TMPDIR` is never followed), private to this user, and filled without following links: each
//! folder inside is made one level at a time and must be a real folder, and each file is created
//! new (`O_CREAT|O_EXCL`, which refuses a link in its place).

use super::{RecoveryError, TempDir, io};
use std::path::{Path, PathBuf};

/// A new, empty folder in `parent` named `PREFIX<random>`, readable only by this user; removed
/// when dropped unless kept.
pub(crate) fn fresh_dir(parent: &Path, prefix: &str) -> Result<TempDir, RecoveryError> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix).rand_bytes(12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = b.tempdir_in(parent).map_err(io(parent))?;
    Ok(TempDir {
        path: Some(dir.keep()),
    })
}

/// Makes `base/rel` (a relative path of plain `/`-separated components) a folder, one level at a
/// time, refusing any level that exists as something other than a real folder (a link above all).
pub(crate) fn create_dirs(base: &Path, rel: &str) -> Result<PathBuf, RecoveryError> {
    let mut at = base.to_path_buf();
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        at.push(part);
        match std::fs::create_dir(&at) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let meta = std::fs::symlink_metadata(&at).map_err(io(&at))?;
                if !meta.file_type().is_dir() {
                    return Err(RecoveryError::Refused(format!(
                        "{} is {} where a folder was being made; refusing to write through it",
                        at.display(),
                        if meta.file_type().is_symlink() {
                            "a symbolic link"
                        } else {
                            "not a folder"
                        }
                    )));
                }
            }
            Err(e) => return Err(io(&at)(e)),
        }
    }
    Ok(at)
}

/// Creates the new file `base/rel`, its folders as `create_dirs` makes them. A file, or a link,
/// already at that name is refused: `create_new` opens with `O_EXCL`, which never follows one.
pub(crate) fn create_file(
    base: &Path,
    rel: &str,
) -> Result<(PathBuf, std::fs::File), RecoveryError> {
    let (dir, name) = match rel.rsplit_once('/') {
        Some((dir, name)) => (create_dirs(base, dir)?, name),
        None => (base.to_path_buf(), rel),
    };
    let path = dir.join(name);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(&path))?;
    Ok((path, f))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    #[test]
    fn a_fresh_dir_is_new_private_and_unpredictable() {
        let d = tempfile::tempdir().unwrap();
        let a = fresh_dir(d.path(), "contexta-verify-").unwrap();
        let b = fresh_dir(d.path(), "contexta-verify-").unwrap();
        assert_ne!(a.path(), b.path());
        let mode = std::fs::metadata(a.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("contexta-verify-") && name.len() >= 16 + 12,
            "{name}"
        );
        let gone = a.path().to_path_buf();
        drop(a);
        assert!(!gone.exists());
    }

    #[test]
    fn links_inside_are_never_followed() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base");
        let victim = d.path().join("victim");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(&victim).unwrap();
        // A link where a folder goes.
        symlink(&victim, base.join("artifacts")).unwrap();
        let e = create_file(&base, "artifacts/objects/ab/body").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        // A link where the file goes, pointing at an existing file and at a missing one.
        std::fs::write(victim.join("existing"), b"keep").unwrap();
        symlink(victim.join("existing"), base.join("db")).unwrap();
        assert!(create_file(&base, "db").is_err());
        symlink(victim.join("missing"), base.join("db2")).unwrap();
        assert!(create_file(&base, "db2").is_err());
        assert_eq!(std::fs::read(victim.join("existing")).unwrap(), b"keep");
        let names: Vec<_> = std::fs::read_dir(&victim)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("existing")]);
        // Real folders are made and reused.
        let (p, _) = create_file(&base, "x/y/z").unwrap();
        assert!(p.is_file());
        let (q, _) = create_file(&base, "x/y/w").unwrap();
        assert!(q.is_file());
    }
}
