//! Content-addressed artifact bodies: `artifacts/objects/<sha256[..2]>/<sha256><suffix>`.
//! Bodies are hashed while they are copied, written to a temporary name and renamed into place,
//! so a crash never leaves a half-written object under its final name.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestMode {
    /// Copy the file in; the source stays.
    Copy,
    /// Rename the file in (copy and delete across filesystems).
    Move,
    /// The file is already inside `artifacts/staging/`; move it into place.
    Adopt,
}

impl IngestMode {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "copy" => IngestMode::Copy,
            "move" => IngestMode::Move,
            "adopt" => IngestMode::Adopt,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    pub sha256: String,
    pub size: u64,
    /// Relative to the workspace root, e.g. `artifacts/objects/ab/ab12….pt`.
    pub path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: adopt needs a file inside the workspace's artifacts/staging/ folder")]
    NotStaged(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The stored object's path, if the manifest names one inside `artifacts/objects/`: a manifest
/// is data (it may come from an ingested line), so a path that climbs out is never followed.
pub fn object_path(root: &Path, m: &crate::model::ArtifactManifest) -> Option<(String, PathBuf)> {
    use std::path::Component;
    let rel = m.attributes.0.get("object_path")?.as_str()?.to_string();
    let p = Path::new(&rel);
    let inside = p.starts_with("artifacts/objects")
        && p.components().all(|c| matches!(c, Component::Normal(_)));
    inside.then(|| (rel.clone(), root.join(&rel)))
}

/// Streams a file through SHA-256 (1 MiB chunks); returns (hex digest, size).
pub fn hash_file(path: &Path) -> Result<(String, u64), ArtifactError> {
    let f = File::open(path).map_err(io(path))?;
    hash_reader(f).map_err(io(path))
}

/// Streams a reader through SHA-256 (1 MiB chunks); returns (hex digest, size).
pub fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(h.finalize()), size))
}

/// A stored object, opened for reading.
#[derive(Debug)]
pub enum StoredBody {
    /// A regular file inside the object store, and its size.
    Open(File, u64),
    Missing,
    /// A link, pipe, device or folder where the object should be, or a link among the
    /// folders leading to it: never read (it could hand out any file as the artifact).
    NotRegular,
}

/// Opens the object at `rel` (a path `object_path` accepted) without following any link:
/// each folder from `root` down must be a real folder, and the object is opened with
/// `O_NOFOLLOW` (and `O_NONBLOCK`, so a pipe swapped in cannot hang the reader) and must be a
/// regular file by the opened file's own metadata.
pub fn open_object(root: &Path, rel: &str) -> std::io::Result<StoredBody> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut path = root.to_path_buf();
    let mut parts = Path::new(rel).components().peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoredBody::Missing),
            Err(e) => return Err(e),
        };
        let last = parts.peek().is_none();
        let expected = if last {
            meta.file_type().is_file()
        } else {
            meta.file_type().is_dir()
        };
        if !expected {
            return Ok(StoredBody::NotRegular);
        }
    }
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoredBody::Missing),
        // ELOOP: a link was put there after the check.
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Ok(StoredBody::NotRegular);
        }
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(StoredBody::NotRegular);
    }
    Ok(StoredBody::Open(file, meta.len()))
}

fn suffix_of(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name.find('.') {
        Some(i) if i > 0 => name[i..]
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect(),
        _ => String::new(),
    }
}

/// The SHA-256 an object's path promises, if the path has the layout `put_object` writes:
/// `artifacts/objects/<sha[..2]>/<sha><suffix>`, the hash in lowercase hex and the suffix empty
/// or a dot followed by ASCII letters, digits and dots. A restore checks each body against it.
pub fn object_path_sha256(rel: &str) -> Option<&str> {
    let rest = rel.strip_prefix("artifacts/objects/")?;
    let (dir, name) = rest.split_once('/')?;
    let sha = name.get(..64)?;
    let suffix = &name[64..];
    let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let suffix_ok = suffix.is_empty()
        || (suffix.starts_with('.')
            && suffix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.'));
    (hex(sha) && dir == &sha[..2] && suffix_ok).then_some(sha)
}

/// Puts `src` into the workspace at `root` (the `.contexta` directory).
pub fn put_object(
    root: &Path,
    src: &Path,
    mode: IngestMode,
) -> Result<StoredObject, ArtifactError> {
    if mode == IngestMode::Adopt {
        let staging = root.join("artifacts/staging");
        let canon = src.canonicalize().map_err(io(src))?;
        let staging = staging.canonicalize().map_err(io(&staging))?;
        if !canon.starts_with(&staging) {
            return Err(ArtifactError::NotStaged(src.to_path_buf()));
        }
    }
    let objects = root.join("artifacts/objects");
    std::fs::create_dir_all(&objects).map_err(io(&objects))?;
    // Copy while hashing into a temporary file beside the objects, then rename into place.
    let tmp = objects.join(format!(
        ".incoming-{}-{}",
        std::process::id(),
        crate::model::Timestamp::now().0
    ));
    let (sha, size) = {
        let mut input = File::open(src).map_err(io(src))?;
        let mut out = File::create(&tmp).map_err(io(&tmp))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf).map_err(io(src))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io(&tmp))?;
            size += n as u64;
        }
        out.sync_all().map_err(io(&tmp))?;
        (hex::encode(h.finalize()), size)
    };
    let rel = format!("artifacts/objects/{}/{}{}", &sha[..2], sha, suffix_of(src));
    debug_assert_eq!(object_path_sha256(&rel), Some(sha.as_str()));
    let dest = root.join(&rel);
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    if dest.exists() {
        // Same content already stored: content addressing makes this a no-op.
        let _ = std::fs::remove_file(&tmp);
    } else {
        std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
    }
    if matches!(mode, IngestMode::Move | IngestMode::Adopt) {
        std::fs::remove_file(src).map_err(io(src))?;
    }
    Ok(StoredObject {
        sha256: sha,
        size,
        path: rel,
    })
}

#[cfg(test)]
mod tests {
    use super::object_path_sha256;

    #[test]
    fn object_paths_name_their_hash() {
        let sha = "ab".repeat(32);
        let ok = format!("artifacts/objects/ab/{sha}");
        assert_eq!(object_path_sha256(&ok), Some(sha.as_str()));
        let with_suffix = format!("artifacts/objects/ab/{sha}.tar.gz");
        assert_eq!(object_path_sha256(&with_suffix), Some(sha.as_str()));
        for bad in [
            format!("artifacts/objects/cd/{sha}"),
            format!("artifacts/objects/ab/{sha}x"),
            format!("artifacts/objects/ab/{sha}.sh;rm"),
            format!("artifacts/objects/ab/{}", sha.to_uppercase()),
            format!("artifacts/objects/ab/{}", &sha[..63]),
            format!("artifacts/objects/ab/x/{sha}"),
            "artifacts/objects/zz/evil.sh".to_string(),
        ] {
            assert_eq!(object_path_sha256(&bad), None, "{bad}");
        }
    }
}
