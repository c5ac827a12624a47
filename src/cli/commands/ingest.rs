//! `contexta ingest [FILE|-] [--follow] [--tolerant]`.

use super::super::Ctx;
use super::super::args::IngestArgs;
use crate::capture::ingest::{IngestError, IngestOptions, Progress, ingest};
use crate::store::{Access, Workspace};
use anyhow::Context;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Reads a file like `tail -F`: at end of file it reports EOF (the ingest loop waits and asks
/// again); if the file is truncated or replaced, it reopens it from the start.
struct FollowFile {
    path: PathBuf,
    file: std::fs::File,
    pos: u64,
    inode: u64,
}

fn inode(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.ino()
}

impl FollowFile {
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let inode = inode(&file.metadata()?);
        Ok(FollowFile {
            path: path.to_path_buf(),
            file,
            pos: 0,
            inode,
        })
    }
}

impl Read for FollowFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        if n > 0 {
            self.pos += n as u64;
            return Ok(n);
        }
        // At EOF: was the file rotated or truncated?
        if let Ok(meta) = std::fs::metadata(&self.path)
            && (inode(&meta) != self.inode || meta.len() < self.pos)
            && let Ok(f) = std::fs::File::open(&self.path)
        {
            self.inode = inode(&meta);
            self.file = f;
            self.pos = 0;
            let n = self.file.read(buf)?;
            self.pos += n as u64;
            return Ok(n);
        }
        Ok(0)
    }
}

pub fn run(ctx: &Ctx, a: &IngestArgs) -> anyhow::Result<i32> {
    let root = ctx.root_or_here()?;
    let ws = Workspace::open(&root, Access::Write)?;
    let opts = IngestOptions {
        tolerant: a.tolerant,
        follow: a.follow,
        max_line_bytes: a.max_line_bytes,
        map_keys: a.map_keys,
    };
    let show_progress = !ctx.quiet && std::io::stderr().is_terminal();
    let mut progress = |p: &Progress| {
        if show_progress {
            let secs = p.elapsed.as_secs_f64().max(1e-9);
            eprint!(
                "\r{} records  {:.1} MB  {:.0} records/s   ",
                p.records,
                p.bytes as f64 / 1e6,
                p.records as f64 / secs
            );
            let _ = std::io::stderr().flush();
        }
    };
    let (name, result) = if a.file == "-" {
        let stdin = std::io::stdin();
        (
            "<stdin>".to_string(),
            ingest(&ws, "<stdin>", stdin.lock(), opts, &mut progress),
        )
    } else {
        let path = Path::new(&a.file);
        let reader: Box<dyn Read> = if a.follow {
            Box::new(FollowFile::open(path).with_context(|| format!("opening {}", a.file))?)
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", a.file))?)
        };
        let r = BufReader::with_capacity(1 << 20, reader);
        (a.file.clone(), ingest(&ws, &a.file, r, opts, &mut progress))
    };
    if show_progress {
        eprint!("\r{:60}\r", "");
    }
    let report = match result {
        Ok(r) => r,
        Err(IngestError::Line(e)) => {
            anyhow::bail!("{e} (nothing was stored; --tolerant stores the good lines)")
        }
        Err(e) => return Err(e.into()),
    };
    for bad in &report.rejected {
        eprintln!("rejected {}", crate::sanitize::sanitize(&bad.to_string()));
    }
    if ctx.json() {
        super::super::output::json(&serde_json::json!({
            "file": name,
            "lines": report.lines,
            "records": report.records,
            "entities": report.entities,
            "duplicates": report.duplicates,
            "rejected": report.rejected.iter().map(|e| serde_json::json!({
                "line": e.line, "field": e.field, "reason": e.reason})).collect::<Vec<_>>(),
        }));
    } else if !ctx.quiet {
        let mut msg = format!(
            "ingested {} records and {} entities from {} ({} lines)",
            report.records, report.entities, name, report.lines
        );
        if report.duplicates > 0 {
            msg.push_str(&format!(
                "; {} duplicate record refs kept and reported",
                report.duplicates
            ));
        }
        if !report.rejected.is_empty() {
            msg.push_str(&format!(
                "; {} lines rejected and recorded as import_loss markers",
                report.rejected.len()
            ));
        }
        super::super::output::line(&msg);
    }
    Ok(0)
}
