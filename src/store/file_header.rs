//! The one piece of redb's file format (v3, redb 4.6, pinned in Cargo.toml) a file snapshot
//! needs: the super-header at the start of the file, with two commit slots. A snapshot keeps
//! the published commit's user tree and drops its system tree, because redb frees a system
//! tree's pages as soon as the next commit is made — a held read transaction pins only user
//! pages — so a byte copy of a live file holds an intact user tree but maybe a torn system
//! tree. The rewritten header names the user tree alone and asks for recovery, so the first
//! writer to open the copy rebuilds the allocator state from that tree, as after a crash.
//! Every byte offset below is redb's (`tree_store/page_store/header.rs`).

use super::error::StoreError;

pub(super) const PAGE_SIZE: usize = 4096;
const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];
const GOD_BYTE: usize = 9;
const PAGE_SIZE_AT: usize = 12;
const PRIMARY_BIT: u8 = 1;
const RECOVERY_REQUIRED: u8 = 2;
const TWO_PHASE_COMMIT: u8 = 4;
const PRIMARY_UNFLUSHED: u8 = 8;
const SLOT_SIZE: usize = 128;
const SLOTS_AT: [usize; 2] = [64, 64 + SLOT_SIZE];
const FORMAT_V3: u8 = 3;
// Within a slot: version, user-root flag, system-root flag, then the roots (32 bytes each:
// page number, checksum, length), the transaction id, and the slot's xxh3-128 checksum.
const SYSTEM_ROOT_FLAG: usize = 2;
const SYSTEM_ROOT_AT: usize = 8 + 32;
const CHECKSUM_AT: usize = SLOT_SIZE - 16;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("database header: {what}"))
}

fn checksum(slot: &[u8]) -> [u8; 16] {
    xxhash_rust::xxh3::xxh3_128(&slot[..CHECKSUM_AT]).to_le_bytes()
}

/// Whether a header read raced a commit's write of it (a slot's checksum does not match): the
/// caller reads it again. Anything else wrong is damage.
pub(super) enum Rewrite {
    Done(Vec<u8>),
    Torn,
}

/// The first page of a snapshot made from `page`, the source's first page read after the
/// snapshot's read transaction began: the commit other processes are served (the primary,
/// or the previous one while the primary is marked unflushed) in both slots, without its
/// system tree, marked for recovery.
pub(super) fn snapshot_header(page: &[u8]) -> Result<Rewrite, StoreError> {
    if page.len() < PAGE_SIZE || page[..MAGIC.len()] != MAGIC {
        return Err(corrupt("not a redb file"));
    }
    let size = u32::from_le_bytes(
        page[PAGE_SIZE_AT..PAGE_SIZE_AT + 4]
            .try_into()
            .unwrap_or_default(),
    );
    if size as usize != PAGE_SIZE {
        return Err(corrupt(&format!("page size {size}")));
    }
    let god = page[GOD_BYTE];
    let primary = usize::from(god & PRIMARY_BIT != 0);
    let served = if god & PRIMARY_UNFLUSHED != 0 {
        primary ^ 1
    } else {
        primary
    };
    let at = SLOTS_AT[served];
    let mut slot = page[at..at + SLOT_SIZE].to_vec();
    if slot[0] != FORMAT_V3 {
        return Err(corrupt(&format!("file format version {}", slot[0])));
    }
    if checksum(&slot) != slot[CHECKSUM_AT..] {
        return Ok(Rewrite::Torn);
    }
    slot[SYSTEM_ROOT_FLAG] = 0;
    slot[SYSTEM_ROOT_AT..SYSTEM_ROOT_AT + 32].fill(0);
    let sum = checksum(&slot);
    slot[CHECKSUM_AT..].copy_from_slice(&sum);
    let mut out = page[..PAGE_SIZE].to_vec();
    out[GOD_BYTE] = RECOVERY_REQUIRED | TWO_PHASE_COMMIT;
    for at in SLOTS_AT {
        out[at..at + SLOT_SIZE].copy_from_slice(&slot);
    }
    Ok(Rewrite::Done(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_slot_is_told_apart_from_damage() {
        let mut page = vec![0u8; PAGE_SIZE];
        page[..9].copy_from_slice(&MAGIC);
        page[PAGE_SIZE_AT..PAGE_SIZE_AT + 4].copy_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
        page[64] = FORMAT_V3;
        page[64 + 104] = 7;
        let sum = checksum(&page[64..192]);
        page[64 + CHECKSUM_AT..192].copy_from_slice(&sum);
        let Rewrite::Done(out) = snapshot_header(&page).unwrap() else {
            panic!("a valid slot reads as torn");
        };
        assert_eq!(out[GOD_BYTE], RECOVERY_REQUIRED | TWO_PHASE_COMMIT);
        assert_eq!(out[64..192], out[192..320]);
        assert_eq!(out[64 + 104], 7);
        page[64 + 104] = 8;
        assert!(matches!(snapshot_header(&page), Ok(Rewrite::Torn)));
        page[0] = b'x';
        assert!(snapshot_header(&page).is_err());
    }
}
