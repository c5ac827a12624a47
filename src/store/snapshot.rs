//! Consistent copies of the database for backups, at the speed of a file copy, while writers
//! keep writing. A snapshot holds one read transaction for its whole life: redb then reuses no
//! page of that commit or of any later one, in any process, so the user tree of the commit the
//! file header publishes right after stays byte-for-byte in place while the file is streamed.
//! Pages outside that tree may change under the copy; nothing in the copy refers to them once
//! its first page is rewritten (`file_header`), and the first writer to open the copy rebuilds
//! the allocator from the tree, as it does after a crash.
//!
//! `check` runs redb's page check on exactly the bytes `reader` streams — every page checksum
//! up from the header's root — without writing anything to disk: the few pages the check's own
//! repair writes stay in memory. So a damaged source is caught, never copied into a fresh,
//! healthy-looking file the way a row-by-row rewrite would (it reads through page checksums).
//! This module never writes to the source workspace.

use super::error::StoreError;
use super::file_header::{PAGE_SIZE, Rewrite, snapshot_header};
use super::lookup::WorkspaceCounts;
use super::workspace::Workspace;
use redb::StorageBackend;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// How often a header read that raced a commit is retried before giving up.
const HEADER_TRIES: usize = 100;

/// A consistent image of the workspace database, pinned until dropped.
pub struct FileSnapshot {
    /// Keeps the copied commit's pages from being reused by any process.
    _pin: redb::ReadTransaction,
    image: Arc<Image>,
}

/// The bytes of the image: the rewritten first page, then the file as it is.
#[derive(Debug)]
struct Image {
    file: File,
    first_page: Vec<u8>,
    len: u64,
}

/// What the page check of a snapshot found it to hold.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotCheck {
    /// The workspace generation the copy was taken at.
    pub generation: u64,
    /// The schema the copied file holds, which a manifest must name (not this build's).
    pub schema_version: u64,
    pub counts: WorkspaceCounts,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads `out.len()` bytes at `offset`; bytes past the end of the file read as zeros (a writer
/// may shrink the file's free tail while a snapshot streams it).
fn read_padded(file: &File, mut offset: u64, mut out: &mut [u8]) -> std::io::Result<()> {
    while !out.is_empty() {
        match file.read_at(out, offset) {
            Ok(0) => {
                out.fill(0);
                return Ok(());
            }
            Ok(n) => {
                offset += n as u64;
                out = &mut out[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Workspace {
    /// Pins the current commit and prepares a byte image of it; nothing is copied yet.
    pub fn file_snapshot(&self) -> Result<FileSnapshot, StoreError> {
        let path = self.db_path();
        // The transaction first: the header read after it names its commit or a later one.
        let pin = self.begin_read()?;
        let file = File::open(&path).map_err(io_err(&path))?;
        let mut page = vec![0u8; PAGE_SIZE];
        for _ in 0..HEADER_TRIES {
            read_padded(&file, 0, &mut page).map_err(io_err(&path))?;
            let first_page = match snapshot_header(&page)? {
                Rewrite::Done(p) => p,
                Rewrite::Torn => {
                    std::thread::yield_now();
                    continue;
                }
            };
            // Read after the header: the file is at least as long as the commit it names, and
            // redb only ever sizes it to a whole layout.
            let len = file.metadata().map_err(io_err(&path))?.len();
            return Ok(FileSnapshot {
                _pin: pin,
                image: Arc::new(Image {
                    file,
                    first_page,
                    len,
                }),
            });
        }
        Err(StoreError::Corrupt(format!(
            "{}: the header's commit slot never verified",
            path.display()
        )))
    }
}

impl FileSnapshot {
    /// Size of the image in bytes.
    pub fn len(&self) -> u64 {
        self.image.len
    }

    pub fn is_empty(&self) -> bool {
        self.image.len == 0
    }

    /// The image, from its first byte to its last.
    pub fn reader(&self) -> SnapshotReader<'_> {
        SnapshotReader {
            image: &self.image,
            pos: 0,
        }
    }

    /// redb's page check of the image (every page checksum of the tree, the allocator rebuilt
    /// from it), then the generation and counts it holds. `Err(Corrupt)` when a page fails.
    pub fn check(&self) -> Result<SnapshotCheck, StoreError> {
        let backend = ImageBackend {
            image: self.image.clone(),
            state: Mutex::new(Overlay {
                len: self.image.len,
                base_len: self.image.len,
                pages: BTreeMap::new(),
            }),
        };
        let mut b = redb::Builder::new();
        b.set_check_integrity_on_open(true);
        b.set_cache_size(16 << 20);
        let db = b.create_with_backend(backend).map_err(|e| match e {
            redb::DatabaseError::Storage(redb::StorageError::Corrupted(m)) => {
                StoreError::Corrupt(m)
            }
            other => StoreError::Corrupt(other.to_string()),
        })?;
        let ws = Workspace::over(db);
        let read = ws.read()?;
        Ok(SnapshotCheck {
            generation: read.generation()?,
            schema_version: read.schema_version()?,
            counts: read.counts()?,
        })
    }
}

impl Image {
    fn read_at(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
        let head = self.first_page.len() as u64;
        if offset < head {
            let start = offset as usize;
            let n = out.len().min(self.first_page.len() - start);
            out[..n].copy_from_slice(&self.first_page[start..start + n]);
            return read_padded(&self.file, head, &mut out[n..]);
        }
        read_padded(&self.file, offset, out)
    }
}

/// Streams a snapshot's image.
pub struct SnapshotReader<'a> {
    image: &'a Image,
    pos: u64,
}

impl Read for SnapshotReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.image.len - self.pos).min(buf.len() as u64) as usize;
        self.image.read_at(self.pos, &mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Pages the check's repair wrote, over the image; the image itself is never written.
#[derive(Debug)]
struct Overlay {
    len: u64,
    /// Bytes of the image still visible: a shrink hides the image's tail for good.
    base_len: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

/// The image as a redb storage backend: reads see the image under the overlay, writes land in
/// the overlay. Locks are unsupported, so only an exclusive open works — nothing else can see it.
#[derive(Debug)]
struct ImageBackend {
    image: Arc<Image>,
    state: Mutex<Overlay>,
}

impl ImageBackend {
    fn base_page(&self, o: &Overlay, page: u64, out: &mut [u8]) -> std::io::Result<()> {
        let start = page * PAGE_SIZE as u64;
        let visible = o.base_len.saturating_sub(start).min(PAGE_SIZE as u64) as usize;
        self.image.read_at(start, &mut out[..visible])?;
        out[visible..].fill(0);
        Ok(())
    }
}

fn lock(m: &Mutex<Overlay>) -> std::sync::MutexGuard<'_, Overlay> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn out_of_range() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "read past the end")
}

impl StorageBackend for ImageBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(lock(&self.state).len)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let o = lock(&self.state);
        if offset + out.len() as u64 > o.len {
            return Err(out_of_range());
        }
        let ps = PAGE_SIZE as u64;
        let end = offset + out.len() as u64;
        // Nearly every read: image bytes only, in one call.
        if end <= o.base_len
            && o.pages
                .range(offset / ps..end.div_ceil(ps))
                .next()
                .is_none()
        {
            return self.image.read_at(offset, out);
        }
        let mut done = 0usize;
        let mut scratch = vec![0u8; PAGE_SIZE];
        while done < out.len() {
            let at = offset + done as u64;
            let (page, within) = (at / ps, (at % ps) as usize);
            let n = (PAGE_SIZE - within).min(out.len() - done);
            match o.pages.get(&page) {
                Some(p) => out[done..done + n].copy_from_slice(&p[within..within + n]),
                None if within == 0 && n == PAGE_SIZE => {
                    self.base_page(&o, page, &mut out[done..done + n])?
                }
                None => {
                    self.base_page(&o, page, &mut scratch)?;
                    out[done..done + n].copy_from_slice(&scratch[within..within + n]);
                }
            }
            done += n;
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut o = lock(&self.state);
        let ps = PAGE_SIZE as u64;
        if len < o.len {
            o.base_len = o.base_len.min(len);
            o.pages.retain(|p, _| p * ps < len);
            // The page holding the new end keeps only what lies before it.
            let last = len / ps;
            let within = (len % ps) as usize;
            if within != 0 {
                let mut page = vec![0u8; PAGE_SIZE].into_boxed_slice();
                match o.pages.get(&last) {
                    Some(p) => page[..within].copy_from_slice(&p[..within]),
                    None => {
                        let mut full = vec![0u8; PAGE_SIZE];
                        self.base_page(&o, last, &mut full)?;
                        page[..within].copy_from_slice(&full[..within]);
                    }
                }
                o.pages.insert(last, page);
            }
        }
        o.len = len;
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut o = lock(&self.state);
        let ps = PAGE_SIZE as u64;
        let mut done = 0usize;
        while done < data.len() {
            let at = offset + done as u64;
            let (page, within) = (at / ps, (at % ps) as usize);
            let n = (PAGE_SIZE - within).min(data.len() - done);
            if !o.pages.contains_key(&page) {
                let mut p = vec![0u8; PAGE_SIZE].into_boxed_slice();
                if n != PAGE_SIZE {
                    self.base_page(&o, page, &mut p)?;
                }
                o.pages.insert(page, p);
            }
            if let Some(p) = o.pages.get_mut(&page) {
                p[within..within + n].copy_from_slice(&data[done..done + n]);
            }
            done += n;
        }
        o.len = o.len.max(offset + data.len() as u64);
        Ok(())
    }
}
