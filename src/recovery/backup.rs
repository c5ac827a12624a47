//! `backup create`: one archive with a consistent image of the database (streamed under a
//! read transaction while writers keep writing, see `store::FileSnapshot`), every artifact
//! object, and a manifest of sizes and SHA-256 hashes. The image's pages are checked while it
//! is archived; a damaged database is refused (or, when asked, archived as it is with the
//! damage in the manifest), never copied into a healthy-looking archive. The archive is written
//! under a temporary name and renamed when complete, so a failed backup (a full disk, a kill)
//! never leaves an archive that looks whole, and the next backup removes what a killed one
//! left. Earlier backups (`backups/`) are never included: only the database and
//! `artifacts/objects/` are.

use super::archive::{BackupManifest, DB_MEMBER, FORMAT, MANIFEST_NAME, Member};
use super::background_writer::BackgroundWriter;
use super::hash_thread::HashThread;
use super::{Progress, RecoveryError, file_stamp, in_progress, io, sync_dir, tidy_in_progress};
use crate::store::{FileSnapshot, SCHEMA_VERSION, SnapshotCheck, StoreError, Workspace};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct BackupOptions {
    pub label: Option<String>,
    /// A file, or an existing directory to put the archive in. Default: the workspace's
    /// `backups/` folder.
    pub output: Option<PathBuf>,
    /// gzip the archive (also chosen by an output name ending in `.gz` or `.tgz`).
    pub gzip: bool,
    /// Archive a database that fails the page check as it is, the damage in the manifest.
    pub allow_damaged: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub archive_bytes: u64,
    pub manifest: BackupManifest,
    /// What was tidied before it ran: files killed backups left.
    pub notes: Vec<String>,
}

fn label_slug(label: &str) -> String {
    let s = crate::model::slug(label);
    if s.is_empty() { "backup".into() } else { s }
}

/// Every regular file under `artifacts/objects/`, as (relative path, absolute path, size).
/// Hidden files are half-written objects (`.incoming-*`) and are skipped.
fn objects(root: &Path) -> Result<Vec<(String, PathBuf, u64)>, RecoveryError> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("artifacts/objects")];
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir)(e)),
        };
        for e in rd {
            let e = e.map_err(io(&dir))?;
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).map_err(io(&p))?;
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                let rel = p
                    .strip_prefix(root)
                    .map_err(|_| {
                        RecoveryError::Invalid(format!("{} is outside the workspace", p.display()))
                    })?
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, p, meta.len()));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mtime(crate::model::Timestamp::now().0.max(0) as u64 / 1_000_000);
    h
}

/// What the refusal of a damaged database says: what failed, and what to do.
fn damaged(detail: &str) -> RecoveryError {
    RecoveryError::Refused(format!(
        "the workspace database failed its page check ({detail}); nothing was backed up. \
         Run `contexta doctor` to see the damage, restore an earlier backup, or back it up as \
         it is with `backup create --allow-damaged` (the damage is recorded in the manifest)"
    ))
}

/// Writes a backup of `ws` and returns where it went.
pub fn create_backup(
    ws: &Workspace,
    opts: &BackupOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<BackupReport, RecoveryError> {
    let root = ws.root();
    let stamp = file_stamp();
    let label = opts.label.as_deref().map(label_slug);
    let by_name = |p: &Path| {
        let n = p.to_string_lossy();
        n.ends_with(".gz") || n.ends_with(".tgz")
    };
    let gzip = opts.gzip || opts.output.as_deref().is_some_and(by_name);
    let file_name = format!(
        "{}-{stamp}.tar{}",
        label.as_deref().unwrap_or("backup"),
        if gzip { ".gz" } else { "" }
    );
    let output = match &opts.output {
        Some(p) if p.is_dir() => p.join(&file_name),
        Some(p) => p.clone(),
        None => ws.backups_dir().join(&file_name),
    };
    if output.exists() {
        return Err(RecoveryError::Refused(format!(
            "{} already exists",
            output.display()
        )));
    }
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let notes = tidy_in_progress(&dir, "backup")?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = in_progress(&dir, "backup", &name);

    // Damage `doctor` found (the page check here does not decode values) is refused too.
    let known = super::health::known_damage(root);
    if let Some(k) = known.as_ref().filter(|_| !opts.allow_damaged) {
        return Err(RecoveryError::Refused(format!(
            "`{}` found this workspace's database damaged ({}); nothing was backed up. Run \
             `contexta doctor` to see it and what can be repaired, or back it up as it is with \
             `backup create --allow-damaged` (the damage is recorded in the manifest)",
            k.by,
            k.findings.first().map(String::as_str).unwrap_or("")
        )));
    }
    // 1. The database image, pinned; 2. objects listed after it: every object it refers to was
    //    stored before the manifest that names it was committed, so none can be missing.
    let snap = ws.file_snapshot()?;
    let objs = objects(root)?;
    let total: u64 = snap.len() + objs.iter().map(|o| o.2).sum::<u64>();

    // The page check reads the image on a second core while this one archives it.
    let (written, checked) = std::thread::scope(|s| {
        let check = s.spawn(|| snap.check());
        let written = write_archive(&partial, gzip, &snap, &objs, total, progress);
        let checked = check.join().unwrap_or_else(|_| {
            Err(StoreError::Corrupt(
                "the page check stopped on a damaged page".into(),
            ))
        });
        (written, checked)
    });
    let known = known.map(|k| k.findings).unwrap_or_default();
    let result = finish_manifest(ws, opts, known, written, checked).and_then(|(tar, manifest)| {
        append_manifest(tar, &manifest, &partial)?;
        Ok(manifest)
    });
    drop(snap);
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &output).map_err(io(&output))?;
    sync_dir(&dir);
    let archive_bytes = std::fs::metadata(&output).map_err(io(&output))?.len();
    Ok(BackupReport {
        path: output,
        archive_bytes,
        manifest,
        notes,
    })
}

/// The manifest for what was written (`known`: damage `doctor` recorded, archived anyway), or
/// the refusal of a damaged database.
fn finish_manifest(
    ws: &Workspace,
    opts: &BackupOptions,
    known: Vec<String>,
    written: Result<(tar::Builder<Sink>, Vec<Member>), RecoveryError>,
    checked: Result<SnapshotCheck, StoreError>,
) -> Result<(tar::Builder<Sink>, BackupManifest), RecoveryError> {
    if let (Err(StoreError::Corrupt(detail)), true) = (&checked, known.is_empty()) {
        // Remembered so plain reads warn (what doctor recorded is kept); a workspace that
        // cannot take the note still gets the refusal below, which is what matters.
        super::health::record_damage(ws.root(), "backup create", vec![detail.clone()]).ok();
    }
    let (check, mut damage) = match checked {
        Ok(c) => (c, vec![]),
        Err(StoreError::Corrupt(detail)) if opts.allow_damaged => {
            // What the damaged image holds cannot be read from it; the live view is the best
            // account there is.
            let read = ws.read()?;
            let c = SnapshotCheck {
                generation: read.generation().unwrap_or(0),
                schema_version: read.schema_version().unwrap_or(SCHEMA_VERSION),
                counts: read.counts().unwrap_or_default(),
            };
            (c, vec![detail])
        }
        Err(StoreError::Corrupt(detail)) => return Err(damaged(&detail)),
        Err(e) => return Err(e.into()),
    };
    damage.extend(known);
    let (tar, members) = written?;
    Ok((
        tar,
        BackupManifest {
            format: FORMAT.into(),
            created_at: crate::model::Timestamp::now().to_string(),
            label: opts.label.clone(),
            source: ws.root().display().to_string(),
            generation: check.generation,
            schema_version: check.schema_version,
            counts: check.counts,
            members,
            damage,
        },
    ))
}

/// Every member but the manifest: the database image first, then the objects.
fn write_archive(
    partial: &Path,
    gzip: bool,
    snap: &FileSnapshot,
    objs: &[(String, PathBuf, u64)],
    total: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(tar::Builder<Sink>, Vec<Member>), RecoveryError> {
    let file = std::fs::File::create(partial).map_err(io(partial))?;
    let buf = BackgroundWriter::new(file);
    let sink = if gzip {
        Sink::Gz(flate2::write::GzEncoder::new(
            buf,
            flate2::Compression::fast(),
        ))
    } else {
        Sink::Plain(buf)
    };
    let mut tar = tar::Builder::new(sink);
    let mut members = Vec::with_capacity(objs.len() + 1);
    let mut done = 0u64;
    let hasher = HashThread::start();
    let mut add = |tar: &mut tar::Builder<Sink>,
                   rel: &str,
                   data: &mut dyn Read,
                   what: &Path,
                   size: u64|
     -> Result<(), RecoveryError> {
        let mut r = BufReader::with_capacity(1 << 20, hasher.tee(data.take(size)));
        tar.append_data(&mut header(size), rel, &mut r)
            .map_err(io(partial))?;
        let (sha, n) = hasher.finish_member().map_err(io(partial))?;
        if n != size {
            return Err(RecoveryError::Invalid(format!(
                "{} changed size while it was read",
                what.display()
            )));
        }
        members.push(Member {
            path: rel.to_string(),
            size,
            sha256: sha,
        });
        done += size;
        progress(&Progress {
            phase: "archive",
            done,
            total,
        });
        Ok(())
    };
    add(
        &mut tar,
        DB_MEMBER,
        &mut snap.reader(),
        Path::new(DB_MEMBER),
        snap.len(),
    )?;
    for (rel, path, size) in objs {
        let mut f = std::fs::File::open(path).map_err(io(path))?;
        add(&mut tar, rel, &mut f, path, *size)?;
    }
    Ok((tar, members))
}

/// The manifest, last, and every byte of the archive on disk.
fn append_manifest(
    mut tar: tar::Builder<Sink>,
    manifest: &BackupManifest,
    partial: &Path,
) -> Result<(), RecoveryError> {
    let text =
        serde_json::to_vec_pretty(manifest).map_err(|e| RecoveryError::Invalid(e.to_string()))?;
    tar.append_data(
        &mut header(text.len() as u64),
        MANIFEST_NAME,
        text.as_slice(),
    )
    .map_err(io(partial))?;
    let sink = tar.into_inner().map_err(io(partial))?;
    sink.finish().map_err(io(partial))
}

/// The archive file, gzip-compressed or not; `finish` writes every last byte (the gzip
/// trailer included, with its errors reported) and fsyncs.
enum Sink {
    Plain(BackgroundWriter),
    Gz(flate2::write::GzEncoder<BackgroundWriter>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gz(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gz(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.finish(),
            Sink::Gz(w) => w.finish()?.finish(),
        }
    }
}
