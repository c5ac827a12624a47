//! The backup archive format: a tar file (optionally gzip-compressed) holding `contexta.redb`
//! (a consistent database snapshot), `artifacts/objects/…` (the artifact bodies) and, last,
//! `MANIFEST.json` with every other member's size and SHA-256 and the counts the database must
//! show. This module reads archives defensively: it never follows a member path out of the
//! target, and it never accepts links, devices, members the manifest does not list, or an
//! object whose body does not hash to the SHA-256 in its own name.

use super::{RecoveryError, io};
use crate::store::objects::object_path_sha256;
use crate::store::{SCHEMA_VERSION, WorkspaceCounts};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::{Component, Path};

pub const FORMAT: &str = "contexta-backup/1";
pub const MANIFEST_NAME: &str = "MANIFEST.json";
pub const DB_MEMBER: &str = crate::store::DB_FILE;
pub const OBJECTS_PREFIX: &str = "artifacts/objects/";

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub created_at: String,
    pub label: Option<String>,
    /// The workspace the backup was taken from (informational).
    pub source: String,
    /// The database generation the snapshot was taken at.
    pub generation: u64,
    pub schema_version: u64,
    pub counts: WorkspaceCounts,
    pub members: Vec<Member>,
    /// What the page check found wrong with the database when the backup was taken anyway
    /// (`backup create --allow-damaged`); empty for a database that passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub damage: Vec<String>,
}

impl BackupManifest {
    pub fn bytes(&self) -> u64 {
        self.members.iter().map(|m| m.size).sum()
    }
}

/// A member path as a safe relative path: only plain components (a leading `./` is allowed),
/// and only where a backup puts things. Anything else is refused with the reason.
pub fn safe_member_path(raw: &Path) -> Result<String, String> {
    let p = plain_path(raw)?;
    if p == DB_MEMBER || p == MANIFEST_NAME || p.starts_with(OBJECTS_PREFIX) {
        Ok(p)
    } else {
        Err("is not a database, artifact object or manifest member".into())
    }
}

/// The path joined with `/` if it has only plain components (a leading `./` is allowed).
fn plain_path(raw: &Path) -> Result<String, String> {
    let mut parts = Vec::new();
    for c in raw.components() {
        match c {
            Component::Normal(s) => match s.to_str() {
                Some(s) => parts.push(s.to_string()),
                None => return Err("is not valid UTF-8".into()),
            },
            Component::CurDir => {}
            Component::ParentDir => return Err("contains `..`".into()),
            Component::RootDir | Component::Prefix(_) => return Err("is absolute".into()),
        }
    }
    if parts.is_empty() {
        return Err("is empty".into());
    }
    Ok(parts.join("/"))
}

/// Counts and hashes what passes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    pub bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    pub fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Counts the bytes read from the archive file itself, for progress.
pub struct CountingReader<R> {
    inner: R,
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// A decoded archive stream, the file's size, and a counter of file bytes read so far.
pub type OpenArchive = (
    Box<dyn Read>,
    u64,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
);

/// Opens an archive for reading, gunzipping it when it starts with the gzip magic.
/// Returns the reader, the file size, and a counter of file bytes read so far.
pub fn open_archive(path: &Path) -> Result<OpenArchive, RecoveryError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let size = f.metadata().map_err(io(path))?.len();
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(io(path))?;
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(0)).map_err(io(path))?;
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = CountingReader {
        inner: BufReader::with_capacity(1 << 20, f),
        count: count.clone(),
    };
    let r: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(counted))
    } else {
        Box::new(counted)
    };
    Ok((r, size, count))
}

/// Walks every member of an archive, refusing unsafe ones, and hands each regular member's
/// safe path, declared size and body to `visit`. Returns the parsed manifest (which must be the
/// last member) and the members seen, in order.
/// `read(file_bytes_read, file_size)` is called after each member.
pub fn walk(
    archive: &Path,
    mut visit: impl FnMut(&str, u64, &mut dyn Read) -> Result<Member, RecoveryError>,
    read: &mut dyn FnMut(u64, u64),
) -> Result<(BackupManifest, BTreeMap<String, Member>), RecoveryError> {
    let bad = |reason: String| RecoveryError::BadArchive {
        archive: archive.to_path_buf(),
        reason,
    };
    let (reader, file_size, counter) = open_archive(archive)?;
    let mut tar = tar::Archive::new(reader);
    let mut seen: BTreeMap<String, Member> = BTreeMap::new();
    let mut manifest: Option<BackupManifest> = None;
    let entries = tar
        .entries()
        .map_err(|e| bad(format!("not a readable tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("damaged or truncated: {e}")))?;
        let raw = entry
            .path()
            .map_err(|e| bad(format!("a member has an unreadable path: {e}")))?
            .into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            plain_path(&raw).map_err(|why| bad(format!("member `{}` {why}", raw.display())))?;
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            let what = if kind.is_symlink() {
                "a symbolic link"
            } else if kind.is_hard_link() {
                "a hard link"
            } else {
                "a device, fifo or other special file"
            };
            return Err(bad(format!(
                "member `{}` is {what}; only regular files are restored",
                raw.display()
            )));
        }
        let path = safe_member_path(&raw)
            .map_err(|why| bad(format!("member `{}` {why}", raw.display())))?;
        if manifest.is_some() {
            return Err(bad(format!("member `{path}` follows the manifest")));
        }
        if seen.contains_key(&path) {
            return Err(bad(format!("member `{path}` appears twice")));
        }
        let size = entry
            .header()
            .size()
            .map_err(|e| bad(format!("`{path}`: {e}")))?;
        if path == MANIFEST_NAME {
            let mut text = String::new();
            entry
                .take(16 << 20)
                .read_to_string(&mut text)
                .map_err(|e| bad(format!("manifest unreadable: {e}")))?;
            let m: BackupManifest = serde_json::from_str(&text)
                .map_err(|e| bad(format!("manifest is not valid: {e}")))?;
            if m.format != FORMAT {
                return Err(bad(format!(
                    "format `{}` is not {FORMAT}; this build cannot restore it",
                    m.format
                )));
            }
            if m.schema_version == 0 || m.schema_version > SCHEMA_VERSION {
                return Err(bad(format!(
                    "the manifest's schema version {} is not one this build reads (1 to {SCHEMA_VERSION}); a newer contexta wrote it: upgrade to restore it",
                    m.schema_version
                )));
            }
            manifest = Some(m);
            continue;
        }
        let member = visit(&path, size, &mut entry)?;
        if member.size != size {
            return Err(bad(format!(
                "`{path}` is truncated ({} of {size} bytes)",
                member.size
            )));
        }
        if path != DB_MEMBER {
            check_object(&path, &member.sha256).map_err(bad)?;
        }
        seen.insert(path, member);
        read(
            counter.load(std::sync::atomic::Ordering::Relaxed),
            file_size,
        );
    }
    let manifest = manifest.ok_or_else(|| {
        bad("no manifest: the archive is truncated or was not written by `contexta backup`".into())
    })?;
    Ok((manifest, seen))
}

/// An object is named by its content: the SHA-256 in its path must be the body's. A manifest
/// recomputed over altered bodies still cannot change what the names promise.
fn check_object(path: &str, sha256: &str) -> Result<(), String> {
    match object_path_sha256(path) {
        None => Err(format!(
            "member `{path}` is not named as an artifact object (artifacts/objects/<sha256[..2]>/<sha256><suffix>)"
        )),
        Some(named) if named != sha256 => Err(format!(
            "`{path}`: SHA-256 differs from the one its name promises (tampered or damaged; the body hashes to {sha256})"
        )),
        Some(_) => Ok(()),
    }
}

/// Checks the members seen against the manifest: same set, sizes and hashes.
pub fn compare(
    archive: &Path,
    manifest: &BackupManifest,
    seen: &BTreeMap<String, Member>,
) -> Result<(), RecoveryError> {
    let bad = |reason: String| RecoveryError::BadArchive {
        archive: archive.to_path_buf(),
        reason,
    };
    let mut listed: BTreeMap<&str, &Member> = BTreeMap::new();
    for m in &manifest.members {
        if listed.insert(m.path.as_str(), m).is_some() {
            return Err(bad(format!("the manifest lists `{}` twice", m.path)));
        }
    }
    if !listed.contains_key(DB_MEMBER) {
        return Err(bad("the manifest lists no database".into()));
    }
    for (path, want) in &listed {
        match seen.get(*path) {
            None => {
                return Err(bad(format!(
                    "`{path}` is listed in the manifest but missing"
                )));
            }
            Some(got) if got.size != want.size => {
                return Err(bad(format!(
                    "`{path}`: {} bytes, manifest says {}",
                    got.size, want.size
                )));
            }
            Some(got) if got.sha256 != want.sha256 => {
                return Err(bad(format!(
                    "`{path}`: SHA-256 differs from the manifest (tampered or damaged)"
                )));
            }
            Some(_) => {}
        }
    }
    for path in seen.keys() {
        if !listed.contains_key(path.as_str()) {
            return Err(bad(format!("`{path}` is not listed in the manifest")));
        }
    }
    Ok(())
}

/// Copies a member body to `sink` (if any) while hashing it. Read errors mean a damaged
/// archive; write errors name `target`.
pub fn copy_member(
    archive: &Path,
    path: &str,
    body: &mut dyn Read,
    mut sink: Option<(&Path, &mut dyn std::io::Write)>,
) -> Result<Member, RecoveryError> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = body.read(&mut buf).map_err(|e| RecoveryError::BadArchive {
            archive: archive.to_path_buf(),
            reason: format!("`{path}` is damaged or truncated: {e}"),
        })?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        if let Some((target, w)) = sink.as_mut() {
            w.write_all(&buf[..k]).map_err(io(target))?;
        }
        n += k as u64;
    }
    Ok(Member {
        path: path.to_string(),
        size: n,
        sha256: hex::encode(h.finalize()),
    })
}
