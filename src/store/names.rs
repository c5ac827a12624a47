//! Interned names: every ref, key and producer string gets a u32 id once, in `NAMES` and
//! `NAME_IDS`. Ids never change after commit, so each process caches them freely.

use super::error::StoreError;
use redb::{ReadableTable, Table};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct NameCache {
    by_id: HashMap<u32, Arc<str>>,
    by_name: HashMap<Arc<str>, u32>,
}

impl NameCache {
    pub fn get_name(&self, id: u32) -> Option<Arc<str>> {
        self.by_id.get(&id).cloned()
    }
    pub fn get_id(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
    pub fn insert(&mut self, id: u32, name: Arc<str>) {
        self.by_name.insert(name.clone(), id);
        self.by_id.insert(id, name);
    }
}

/// Names allocated inside one write transaction; merged into the cache only after commit.
pub(crate) struct Interner<'t> {
    pub names: Table<'t, u32, &'static str>,
    pub ids: Table<'t, &'static str, u32>,
    pub meta: Table<'t, &'static str, u64>,
    pub fresh: HashMap<String, u32>,
    next: Option<u32>,
}

impl<'t> Interner<'t> {
    pub fn new(
        names: Table<'t, u32, &'static str>,
        ids: Table<'t, &'static str, u32>,
        meta: Table<'t, &'static str, u64>,
    ) -> Self {
        Interner {
            names,
            ids,
            meta,
            fresh: HashMap::default(),
            next: None,
        }
    }

    pub fn intern(&mut self, cache: &NameCache, name: &str) -> Result<u32, StoreError> {
        if let Some(id) = cache.get_id(name) {
            return Ok(id);
        }
        if let Some(id) = self.fresh.get(name) {
            return Ok(*id);
        }
        if let Some(id) = self.ids.get(name)? {
            let id = id.value();
            self.fresh.insert(name.to_string(), id);
            return Ok(id);
        }
        let id = match self.next {
            Some(n) => n,
            None => self
                .meta
                .get("next_name_id")?
                .map(|v| v.value() as u32)
                .unwrap_or(1),
        };
        self.next = Some(id + 1);
        self.names.insert(id, name)?;
        self.ids.insert(name, id)?;
        self.fresh.insert(name.to_string(), id);
        Ok(id)
    }

    pub fn finish(&mut self) -> Result<(), StoreError> {
        if let Some(n) = self.next {
            self.meta.insert("next_name_id", n as u64)?;
        }
        Ok(())
    }
}

/// Looks a name up through the cache, falling back to the transaction's `NAMES` table.
pub(crate) fn lookup_name(
    cache: &std::sync::RwLock<NameCache>,
    table: &impl ReadableTable<u32, &'static str>,
    id: u32,
) -> Result<Arc<str>, StoreError> {
    if let Some(n) = cache.read().ok().and_then(|c| c.get_name(id)) {
        return Ok(n);
    }
    let Some(v) = table.get(id)? else {
        return Err(StoreError::Corrupt(format!(
            "name id {id} is not in the name table"
        )));
    };
    let name: Arc<str> = Arc::from(v.value());
    if let Ok(mut c) = cache.write() {
        c.insert(id, name.clone());
    }
    Ok(name)
}

pub(crate) fn lookup_id(
    cache: &std::sync::RwLock<NameCache>,
    table: &impl ReadableTable<&'static str, u32>,
    name: &str,
) -> Result<Option<u32>, StoreError> {
    if let Some(id) = cache.read().ok().and_then(|c| c.get_id(name)) {
        return Ok(Some(id));
    }
    let Some(v) = table.get(name)? else {
        return Ok(None);
    };
    let id = v.value();
    if let Ok(mut c) = cache.write() {
        c.insert(id, Arc::from(name));
    }
    Ok(Some(id))
}
