//! Writing output to a path a user named (`--output PATH`, the explorer's `:report … PATH`),
//! without ever replacing something that is not an ordinary file:
//!
//! - `-` is standard output (where the caller allows it);
//! - an existing FIFO or character device is opened and written through: a pipe stays a pipe
//!   and `/dev/null` stays a device (a rename over it would replace it with a regular file);
//! - a symbolic link is refused unless the caller asked to follow it, and then its target is
//!   written as if it had been named (the link itself stays);
//! - a regular file, or a name not yet taken, is written beside as `.NAME.PID.partial` and renamed
//!   over the name when complete, so a reader never sees half a file and a failure leaves the
//!   old file as it was. The replacement keeps the old file's permissions.
//!
//! Types are read without following links (`symlink_metadata`, `O_NOFOLLOW`) and checked again
//! on the opened file, so a link or pipe swapped in between the check and the open is caught.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// What a caller allows; see the module comment for what each destination kind means.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Write to a symlink's target instead of refusing.
    pub follow_symlink: bool,
    /// Replace an existing regular file (or write to a block device); when false such a
    /// destination is refused. FIFOs and character devices consume a stream and hold nothing
    /// that could be replaced, so they are always written through.
    pub replace: bool,
    /// `-` means standard output; when false (the explorer owns the terminal) it is refused.
    pub allow_stdout: bool,
}

impl Options {
    /// What every `--output` of the CLI allows: stdout, replacing a file, links only if asked.
    pub fn cli(follow_symlink: bool) -> Options {
        Options {
            follow_symlink,
            replace: true,
            allow_stdout: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error(
        "{0} is a symbolic link; not writing through it (name its target, or pass --follow-symlink)"
    )]
    Symlink(PathBuf),
    #[error("{0} is a symbolic link to a path that does not exist")]
    DanglingSymlink(PathBuf),
    #[error("{0} is a directory")]
    Directory(PathBuf),
    #[error("{0} already exists (use --force to replace it)")]
    Exists(PathBuf),
    #[error("{path} is a {what}; it cannot be written to")]
    Unsupported { path: PathBuf, what: &'static str },
    #[error("{0} changed while it was being written (something replaced it); nothing renamed")]
    Changed(PathBuf),
    #[error("standard output (`-`) is not available here; name a file")]
    NoStdout,
    #[error("{0}: not a file name")]
    NoFileName(PathBuf),
    #[error("writing {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DestinationError + '_ {
    move |source| DestinationError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Standard output's reader went away (`| head`): carried inside the `BrokenPipe` error a
/// write to a stdout destination returns, so the CLI can end quietly instead of reporting it.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Whether `e` says standard output's reader went away (check each error of a chain).
pub fn is_stdout_closed(e: &(dyn std::error::Error + 'static)) -> bool {
    e.is::<StdoutClosed>()
        || e.downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<StdoutClosed>())
}

enum Sink {
    Stdout(io::Stdout),
    File(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf).map_err(stdout_error),
            Sink::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush().map_err(stdout_error),
            Sink::File(f) => f.flush(),
        }
    }
}

fn stdout_error(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        io::Error::new(io::ErrorKind::BrokenPipe, StdoutClosed)
    } else {
        e
    }
}

/// How the output reaches its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Standard output.
    Stdout,
    /// Written through into an existing FIFO or device.
    Stream,
    /// Written beside as `.NAME.PID.partial`, renamed over the name by `commit`.
    Atomic,
}

/// An open output. Write to it, then `commit`; dropped without `commit`, a partial file is
/// removed and the destination is left as it was (a stream has already received what was
/// written).
pub struct Destination {
    /// The name written (after following a link, when asked); `-` for stdout.
    path: PathBuf,
    kind: Kind,
    out: io::BufWriter<Sink>,
    /// `.NAME.PID.partial`, until it is renamed or removed.
    partial: Option<PathBuf>,
}

impl Destination {
    /// Opens `path` for writing as the module comment describes.
    pub fn open(path: &Path, opts: Options) -> Result<Destination, DestinationError> {
        if path == Path::new("-") {
            if !opts.allow_stdout {
                return Err(DestinationError::NoStdout);
            }
            return Ok(Destination {
                path: path.to_path_buf(),
                kind: Kind::Stdout,
                out: io::BufWriter::with_capacity(1 << 16, Sink::Stdout(io::stdout())),
                partial: None,
            });
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(path)(e)),
        };
        let Some(meta) = meta else {
            return Destination::atomic(path, None);
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            if !opts.follow_symlink {
                return Err(DestinationError::Symlink(path.to_path_buf()));
            }
            let target = std::fs::canonicalize(path).map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    DestinationError::DanglingSymlink(path.to_path_buf())
                } else {
                    io_err(path)(e)
                }
            })?;
            // The canonical path holds no links; following stops here.
            return Destination::open(
                &target,
                Options {
                    follow_symlink: false,
                    ..opts
                },
            );
        }
        if ft.is_dir() {
            return Err(DestinationError::Directory(path.to_path_buf()));
        }
        if ft.is_file() {
            if !opts.replace {
                return Err(DestinationError::Exists(path.to_path_buf()));
            }
            return Destination::atomic(path, Some(meta.permissions()));
        }
        if ft.is_socket() {
            return Err(DestinationError::Unsupported {
                path: path.to_path_buf(),
                what: "socket",
            });
        }
        if ft.is_block_device() && !opts.replace {
            return Err(DestinationError::Exists(path.to_path_buf()));
        }
        Destination::stream(path)
    }

    /// An existing FIFO or device, opened for writing without creating, truncating or
    /// following a link.
    fn stream(path: &Path) -> Result<Destination, DestinationError> {
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path)
            .map_err(io_err(path))?;
        // Swapped for a regular file (or anything else) between the check and the open:
        // writing without truncating would leave a mix of old and new bytes.
        let ft = file.metadata().map_err(io_err(path))?.file_type();
        if !(ft.is_fifo() || ft.is_char_device() || ft.is_block_device()) {
            return Err(DestinationError::Changed(path.to_path_buf()));
        }
        Ok(Destination {
            path: path.to_path_buf(),
            kind: Kind::Stream,
            out: io::BufWriter::with_capacity(1 << 16, Sink::File(file)),
            partial: None,
        })
    }

    /// `.NAME.PID.partial` beside `path`, created fresh (`O_EXCL` never follows a link planted
    /// under that name; a leftover of an earlier failed write is removed first).
    fn atomic(
        path: &Path,
        keep: Option<std::fs::Permissions>,
    ) -> Result<Destination, DestinationError> {
        let name = path
            .file_name()
            .ok_or_else(|| DestinationError::NoFileName(path.to_path_buf()))?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        tidy_dead_partials(dir);
        let mut partial_name = std::ffi::OsString::from(".");
        partial_name.push(name);
        partial_name.push(format!(".{}.partial", std::process::id()));
        let partial = dir.join(partial_name);
        let create = || {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial)
        };
        let file = match create() {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&partial).map_err(io_err(&partial))?;
                create()
            }
            other => other,
        }
        .map_err(io_err(&partial))?;
        let result = (|| {
            if let Some(p) = keep {
                file.set_permissions(p).map_err(io_err(&partial))?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        Ok(Destination {
            path: path.to_path_buf(),
            kind: Kind::Atomic,
            out: io::BufWriter::with_capacity(1 << 20, Sink::File(file)),
            partial: Some(partial),
        })
    }

    /// The name being written (the link's target when a link was followed).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name for messages: the path, or "standard output".
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Stdout => "standard output".into(),
            _ => self.path.display().to_string(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Flushes everything and, for a file, makes it durable and renames it over the name.
    pub fn commit(mut self) -> Result<(), DestinationError> {
        let shown = PathBuf::from(self.describe());
        self.out.flush().map_err(io_err(&shown))?;
        let Some(partial) = self.partial.clone() else {
            return Ok(());
        };
        if let Sink::File(f) = self.out.get_ref() {
            f.sync_all().map_err(io_err(&partial))?;
        }
        // A link or pipe put at the name while we wrote would be replaced by the rename.
        if let Ok(m) = std::fs::symlink_metadata(&self.path)
            && !m.file_type().is_file()
        {
            return Err(DestinationError::Changed(self.path.clone()));
        }
        std::fs::rename(&partial, &self.path).map_err(io_err(&self.path))?;
        self.partial = None;
        Ok(())
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if let Some(p) = self.partial.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Removes the partial files (`.NAME.PID.partial`) that writers which have since died left in
/// `dir`: a killed export or report must not leave its half file for ever. Only regular files
/// of processes that are gone are touched; a live writer's file is its own.
fn tidy_dead_partials(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".partial"))
            .and_then(|n| n.rsplit('.').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists();
        if gone && e.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(e.path()).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn write(path: &Path, opts: Options, text: &str) -> Result<(), DestinationError> {
        let mut d = Destination::open(path, opts)?;
        d.write_all(text.as_bytes()).map_err(io_err(path))?;
        d.commit()
    }

    #[test]
    fn a_regular_file_is_replaced_whole_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&p, Options::cli(false), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_without_commit_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        let mut d = Destination::open(&p, Options::cli(false)).unwrap();
        d.write_all(b"half").unwrap();
        drop(d);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_link_planted_at_the_partial_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".out.txt.partial")).unwrap();
        let p = dir.path().join("out.txt");
        write(&p, Options::cli(false), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn a_symlink_is_refused_unless_followed_and_then_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write(&link, Options::cli(false), "new").unwrap_err();
        assert!(matches!(e, DestinationError::Symlink(_)), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        write(&link, Options::cli(true), "new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_fifo_is_written_through_and_stays_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                File::open(&fifo).unwrap().read_to_string(&mut s).unwrap();
                s
            })
        };
        write(&fifo, Options::cli(false), "through").unwrap();
        assert_eq!(reader.join().unwrap(), "through");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }

    #[test]
    fn an_existing_file_is_refused_without_replace() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        std::fs::write(&p, "old").unwrap();
        let opts = Options {
            replace: false,
            ..Options::cli(false)
        };
        assert!(matches!(
            write(&p, opts, "new"),
            Err(DestinationError::Exists(_))
        ));
        assert!(matches!(
            write(dir.path(), opts, "new"),
            Err(DestinationError::Directory(_))
        ));
    }
}
