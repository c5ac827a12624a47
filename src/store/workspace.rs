//! Opening a workspace: the one place that builds a redb `Database` so every process uses the
//! same multi-process concurrency mode (storage.md: mixing modes fails with DatabaseAlreadyOpen).

use super::error::StoreError;
use super::names::NameCache;
use super::tables::*;
use redb::{
    Builder, ConcurrencyMode, Database, DatabaseError, ReadOnlyDatabase, ReadableDatabase,
    ReadableTable,
};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// Bumped when the stored layout changes; a newer workspace is refused, never misread.
/// 2: records in blocks (`block.rs`), numbered record refs in spans (`ref_index.rs`). A
/// schema-1 workspace is read as it is; the first writer marks it 2 and appends in blocks.
pub const SCHEMA_VERSION: u64 = 2;
pub const DB_FILE: &str = "contexta.redb";
pub const WORKSPACE_DIR: &str = ".contexta";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Writers: capture, ingest, demo. Creates the workspace if missing.
    Write,
    /// Readers: CLI queries and the explorer. Never modifies the file.
    Read,
}

pub(crate) enum Db {
    Write(Database),
    Read(ReadOnlyDatabase),
}

pub struct Workspace {
    root: PathBuf,
    pub(crate) db: Db,
    pub(crate) names: RwLock<NameCache>,
}

pub(super) fn builder(access: Access) -> Builder {
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::MultiWriter);
    // A reader's cache is dropped whenever it sees a new commit; keep it small (storage.md).
    b.set_cache_size(match access {
        Access::Write => 256 << 20,
        Access::Read => 64 << 20,
    });
    b
}

pub(super) fn map_open_error(path: &Path, e: DatabaseError) -> StoreError {
    match e {
        DatabaseError::RepairAborted => StoreError::NeedsRecovery(path.to_path_buf()),
        DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch => {
            StoreError::Locked {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        }
        DatabaseError::Storage(redb::StorageError::Io(io)) => StoreError::Io {
            path: path.to_path_buf(),
            source: io,
        },
        other => StoreError::Corrupt(format!("{}: {other}", path.display())),
    }
}

impl Workspace {
    /// Opens the workspace at `root` (the `.contexta` directory itself).
    pub fn open(root: &Path, access: Access) -> Result<Workspace, StoreError> {
        Self::open_with_cache(root, access, None)
    }

    /// Like `open`, with a page cache of `cache_bytes` instead of the default: a long-lived
    /// writer that only appends (`contexta run`) needs little, and the cache otherwise grows
    /// with what it wrote.
    pub fn open_with_cache(
        root: &Path,
        access: Access,
        cache_bytes: Option<usize>,
    ) -> Result<Workspace, StoreError> {
        let file = root.join(DB_FILE);
        if !file.exists() {
            // A restore killed between its renames leaves the workspace beside `root`: say so,
            // and never create an empty one in its place.
            match super::set_aside::no_workspace(root) {
                e @ StoreError::SetAside { .. } => return Err(e),
                e if access == Access::Read => return Err(e),
                _ => {}
            }
        }
        let db = match access {
            Access::Write => {
                for sub in [
                    "",
                    "artifacts/objects",
                    "artifacts/staging",
                    "reports",
                    "backups",
                ] {
                    let d = root.join(sub);
                    std::fs::create_dir_all(&d).map_err(|source| StoreError::Io {
                        path: d.clone(),
                        source,
                    })?;
                }
                let mut b = builder(access);
                if let Some(c) = cache_bytes {
                    b.set_cache_size(c);
                }
                let db = b.create(&file).map_err(|e| map_open_error(&file, e))?;
                init_tables(&db, root)?;
                Db::Write(db)
            }
            Access::Read => Db::Read(
                builder(access)
                    .open_read_only(&file)
                    .map_err(|e| map_open_error(&file, e))?,
            ),
        };
        let ws = Workspace {
            root: root.to_path_buf(),
            db,
            names: RwLock::new(NameCache::default()),
        };
        ws.check_schema()?;
        Ok(ws)
    }

    /// A workspace over a database opened elsewhere in the store (a backup image being checked):
    /// no folder of its own.
    pub(super) fn over(db: Database) -> Workspace {
        Workspace {
            root: PathBuf::new(),
            db: Db::Write(db),
            names: RwLock::new(NameCache::default()),
        }
    }

    /// Opens for reading; if a crashed writer left the file needing recovery, repairs it (by
    /// briefly opening as a writer, ~2 ms) and opens again. For readers that may write.
    pub fn open_read_recovering(root: &Path) -> Result<Workspace, StoreError> {
        match Workspace::open(root, Access::Read) {
            Err(StoreError::NeedsRecovery(_)) => {
                Workspace::recover(root)?;
                Workspace::open(root, Access::Read)
            }
            other => other,
        }
    }

    /// Opens as a writer just long enough to let redb repair a file a crashed writer left.
    pub fn recover(root: &Path) -> Result<(), StoreError> {
        let file = root.join(DB_FILE);
        let db = builder(Access::Write)
            .open(&file)
            .map_err(|e| map_open_error(&file, e))?;
        drop(db);
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join(DB_FILE)
    }

    pub fn artifacts_dir(&self) -> PathBuf {
        self.root.join("artifacts")
    }

    pub fn reports_dir(&self) -> PathBuf {
        self.root.join("reports")
    }

    pub fn backups_dir(&self) -> PathBuf {
        self.root.join("backups")
    }

    pub fn is_writer(&self) -> bool {
        matches!(self.db, Db::Write(_))
    }

    pub(crate) fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
        Ok(match &self.db {
            Db::Write(d) => d.begin_read()?,
            Db::Read(d) => d.begin_read()?,
        })
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let txn = self.begin_read()?;
        let meta = txn.open_table(META).map_err(|e| match e {
            redb::TableError::TableDoesNotExist(_) => StoreError::Corrupt(format!(
                "{} has no contexta tables",
                self.db_path().display()
            )),
            other => other.into(),
        })?;
        let found = meta.get("schema_version")?.map(|v| v.value()).unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: self.root.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }
}

/// Creates every table and the schema key in a new file, so readers never meet a missing table.
fn init_tables(db: &Database, root: &Path) -> Result<(), StoreError> {
    {
        let txn = db.begin_read()?;
        if let Ok(meta) = txn.open_table(META)
            && let Some(v) = meta.get("schema_version")?
        {
            let found = v.value();
            if found > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    path: root.to_path_buf(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found == SCHEMA_VERSION {
                return Ok(());
            }
        }
    }
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        let found = meta.get("schema_version")?.map(|v| v.value());
        match found {
            None => {
                meta.insert("schema_version", SCHEMA_VERSION)?;
                meta.insert("next_name_id", 1)?;
                meta.insert("generation", 0)?;
            }
            // Schema 1 rows stay as they are (every reader takes them); from now on this
            // workspace also holds blocks and ref spans, which a schema-1 build cannot read.
            Some(found) if found < SCHEMA_VERSION => {
                meta.insert("schema_version", SCHEMA_VERSION)?;
            }
            Some(_) => {}
        }
        txn.open_table(NAMES)?;
        txn.open_table(NAME_IDS)?;
        txn.open_table(PROJECTS)?;
        txn.open_table(RUNS)?;
        txn.open_table(RUNS_BY_PROJECT)?;
        txn.open_table(RUNS_BY_START)?;
        txn.open_table(RUN_STATS)?;
        txn.open_table(STAGES)?;
        txn.open_table(BATCHES)?;
        txn.open_table(SAMPLES)?;
        txn.open_table(OPERATIONS)?;
        txn.open_table(ENVIRONMENTS)?;
        txn.open_table(ARTIFACTS)?;
        txn.open_table(DEPLOYMENTS)?;
        txn.open_table(RELATIONS)?;
        txn.open_table(RELATIONS_OUT)?;
        txn.open_table(RELATIONS_IN)?;
        txn.open_table(PROVENANCE)?;
        txn.open_table(PROVENANCE_BY_RELATION)?;
        txn.open_table(RECORDS)?;
        txn.open_table(STAGE_SPANS)?;
        txn.open_table(TYPE_SPANS)?;
        txn.open_table(SERIES)?;
        txn.open_table(METRIC_KEYS)?;
        txn.open_table(RECORD_REFS)?;
        txn.open_table(RECORD_REF_SPANS)?;
        txn.open_table(DUPLICATES)?;
        txn.open_table(CONSOLE)?;
    }
    txn.commit()?;
    Ok(())
}

/// The workspace directory for a command: an explicit path, else `CONTEXTA_WORKSPACE`, else the
/// nearest `.contexta/` walking up from `start` (as git finds `.git`). An explicit path may name
/// the `.contexta` directory itself or the folder that holds it.
pub fn locate(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    let normalize = |p: &Path| -> PathBuf {
        if p.file_name().is_some_and(|n| n == WORKSPACE_DIR) || p.join(DB_FILE).exists() {
            p.to_path_buf()
        } else {
            p.join(WORKSPACE_DIR)
        }
    };
    if let Some(p) = explicit {
        return Some(normalize(p));
    }
    if let Ok(p) = std::env::var("CONTEXTA_WORKSPACE")
        && !p.is_empty()
    {
        return Some(normalize(Path::new(&p)));
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let cand = d.join(WORKSPACE_DIR);
        if cand.join(DB_FILE).exists() {
            return Some(cand);
        }
        dir = d.parent();
    }
    None
}
