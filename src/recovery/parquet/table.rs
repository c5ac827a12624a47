//! Rows into Parquet files, one open file per partition (family, project, day). Rows gather in
//! arrow builders and go to the file every `BATCH_ROWS`; a file is closed at `FILE_ROWS` and
//! the next one started. Each file is written as a hidden `.NAME.partial` (Spark, DuckDB and
//! Polars skip dot files) and renamed into place when complete, so a reader never sees half a
//! file and a failed export leaves no file that looks whole.

use super::schema::{Family, Kind, SCHEMA_VERSION};
use crate::recovery::{RecoveryError, io};
use arrow_array::builder::{
    Float64Builder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BATCH_ROWS: usize = 64 * 1024;
const FILE_ROWS: u64 = 4_000_000;

/// One cell of a row, borrowed where it can be.
pub enum V<'a> {
    S(Option<&'a str>),
    I(Option<i64>),
    R(Option<i32>),
    F(Option<f64>),
    T(Option<i64>),
}

enum Col {
    S(StringBuilder),
    I(Int64Builder),
    R(Int32Builder),
    F(Float64Builder),
    T(TimestampMicrosecondBuilder),
}

impl Col {
    fn new(k: Kind) -> Col {
        match k {
            Kind::Str => Col::S(StringBuilder::new()),
            Kind::I64 => Col::I(Int64Builder::new()),
            Kind::I32 => Col::R(Int32Builder::new()),
            Kind::F64 => Col::F(Float64Builder::new()),
            Kind::Time => Col::T(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
        }
    }
    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::S(b) => Arc::new(b.finish()),
            Col::I(b) => Arc::new(b.finish()),
            Col::R(b) => Arc::new(b.finish()),
            Col::F(b) => Arc::new(b.finish()),
            Col::T(b) => Arc::new(b.finish()),
        }
    }
}

struct Partition {
    family: &'static Family,
    dir: PathBuf,
    cols: Vec<Col>,
    pending: usize,
    file: Option<(ArrowWriter<File>, PathBuf, PathBuf)>,
    file_rows: u64,
}

/// Where an export's files go, and what it wrote.
pub struct Tables {
    root: PathBuf,
    export_id: String,
    parts: BTreeMap<(&'static str, String, Option<String>), Partition>,
    next_file: u64,
    pub rows: BTreeMap<&'static str, u64>,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

impl Tables {
    pub fn new(root: &Path, export_id: &str) -> Tables {
        Tables {
            root: root.to_path_buf(),
            export_id: export_id.to_string(),
            parts: BTreeMap::new(),
            next_file: 0,
            rows: BTreeMap::new(),
            files: vec![],
            bytes: 0,
        }
    }

    /// Adds a row to `family` under `project` (and `day` for record families).
    pub fn push(
        &mut self,
        family: &'static Family,
        project: &str,
        day: Option<&str>,
        row: &[V<'_>],
    ) -> Result<(), RecoveryError> {
        debug_assert_eq!(row.len(), family.columns.len());
        let key = (family.name, project.to_string(), day.map(str::to_string));
        let part = match self.parts.get_mut(&key) {
            Some(p) => p,
            None => {
                let mut dir = self
                    .root
                    .join(family.name)
                    .join(format!("project={project}"));
                if let Some(d) = day {
                    dir = dir.join(format!("day={d}"));
                }
                let p = Partition {
                    family,
                    dir,
                    cols: family.columns.iter().map(|c| Col::new(c.1)).collect(),
                    pending: 0,
                    file: None,
                    file_rows: 0,
                };
                self.parts.entry(key).or_insert(p)
            }
        };
        for (col, v) in part.cols.iter_mut().zip(row) {
            match (col, v) {
                (Col::S(b), V::S(x)) => b.append_option(*x),
                (Col::I(b), V::I(x)) => b.append_option(*x),
                (Col::R(b), V::R(x)) => b.append_option(*x),
                (Col::F(b), V::F(x)) => b.append_option(*x),
                (Col::T(b), V::T(x)) => b.append_option(*x),
                _ => {
                    return Err(RecoveryError::Invalid(format!(
                        "internal: a {} row does not match its columns",
                        family.name
                    )));
                }
            }
        }
        part.pending += 1;
        *self.rows.entry(family.name).or_default() += 1;
        if part.pending >= BATCH_ROWS {
            let id = &self.export_id;
            let n = &mut self.next_file;
            flush(part, id, n)?;
            if part.file_rows >= FILE_ROWS {
                close(part, &mut self.files, &mut self.bytes)?;
            }
        }
        Ok(())
    }

    /// Writes what is buffered and renames every file into place.
    pub fn finish(mut self) -> Result<Tables, RecoveryError> {
        let parts = std::mem::take(&mut self.parts);
        for (_, mut part) in parts {
            flush(&mut part, &self.export_id, &mut self.next_file)?;
            close(&mut part, &mut self.files, &mut self.bytes)?;
        }
        Ok(self)
    }
}

/// A failed export leaves no partial file behind.
impl Drop for Tables {
    fn drop(&mut self) {
        for part in self.parts.values_mut() {
            if let Some((_, partial, _)) = part.file.take() {
                let _ = std::fs::remove_file(partial);
            }
        }
    }
}

fn flush(part: &mut Partition, export_id: &str, next_file: &mut u64) -> Result<(), RecoveryError> {
    if part.pending == 0 {
        return Ok(());
    }
    let schema = part.family.arrow_schema();
    let arrays: Vec<ArrayRef> = part.cols.iter_mut().map(Col::finish).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| RecoveryError::Invalid(format!("{}: {e}", part.family.name)))?;
    if part.file.is_none() {
        std::fs::create_dir_all(&part.dir).map_err(io(&part.dir))?;
        let name = format!("part-{export_id}-{:04}.parquet", *next_file);
        *next_file += 1;
        let final_path = part.dir.join(&name);
        let partial = part.dir.join(format!(".{name}.partial"));
        let f = File::create(&partial).map_err(io(&partial))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_key_value_metadata(Some(vec![
                KeyValue::new("contexta.schema_version".into(), SCHEMA_VERSION.to_string()),
                KeyValue::new("contexta.family".into(), part.family.name.to_string()),
                KeyValue::new("contexta.export_id".into(), export_id.to_string()),
            ]))
            .build();
        let w =
            ArrowWriter::try_new(f, schema, Some(props)).map_err(|e| parquet_err(&partial, e))?;
        part.file = Some((w, partial, final_path));
        part.file_rows = 0;
    }
    if let Some((w, partial, _)) = part.file.as_mut() {
        w.write(&batch).map_err(|e| parquet_err(partial, e))?;
    }
    part.file_rows += part.pending as u64;
    part.pending = 0;
    Ok(())
}

fn close(
    part: &mut Partition,
    files: &mut Vec<PathBuf>,
    bytes: &mut u64,
) -> Result<(), RecoveryError> {
    let Some((w, partial, final_path)) = part.file.take() else {
        return Ok(());
    };
    let f = w.into_inner().map_err(|e| parquet_err(&partial, e))?;
    f.sync_all().map_err(io(&partial))?;
    *bytes += f.metadata().map_err(io(&partial))?.len();
    std::fs::rename(&partial, &final_path).map_err(io(&final_path))?;
    files.push(final_path);
    Ok(())
}

fn parquet_err(path: &Path, e: parquet::errors::ParquetError) -> RecoveryError {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(source) => RecoveryError::Io {
                    path: path.to_path_buf(),
                    source: *source,
                },
                Err(other) => RecoveryError::Invalid(format!("{}: {other}", path.display())),
            }
        }
        other => RecoveryError::Invalid(format!("{}: {other}", path.display())),
    }
}
