//! Writes a file from a second thread, so that the thread producing the bytes (reading,
//! hashing, compressing) never waits on a `write` call, and puts what is written on disk as
//! it goes, so the closing fsync has little left to wait for.
//! A write error (a full disk, a size limit) comes back from the next `write` or `finish`.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Bytes handed to the writing thread at a time.
const CHUNK: usize = 1 << 20;
/// Chunks that may wait for the writing thread before the producer blocks.
const QUEUE: usize = 8;
/// Written bytes between two syncs from the writing thread.
const WRITEBACK_EVERY: u64 = 32 << 20;

pub(crate) struct BackgroundWriter {
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    /// Chunks written out, to be filled again (fresh memory costs a page fault per 4 KiB).
    spent: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<File>>>,
}

impl BackgroundWriter {
    pub fn new(file: File) -> BackgroundWriter {
        let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE);
        let (back, spent) = channel();
        let thread = std::thread::spawn(move || write_all(file, rx, back));
        BackgroundWriter {
            buf: Vec::with_capacity(CHUNK),
            tx: Some(tx),
            spent,
            thread: Some(thread),
        }
    }

    /// The writing thread's error, once it has stopped on one.
    fn failure(&mut self) -> io::Error {
        self.tx = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            _ => io::Error::other("the archive writer stopped"),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut next = self
            .spent
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        next.clear();
        let chunk = std::mem::replace(&mut self.buf, next);
        match &self.tx {
            Some(tx) if tx.send(chunk).is_ok() => Ok(()),
            _ => Err(self.failure()),
        }
    }

    /// Writes what is left, waits for every byte to reach the disk, and closes the file.
    pub fn finish(mut self) -> io::Result<()> {
        self.send()?;
        self.tx = None;
        let file = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r?,
            _ => return Err(io::Error::other("the archive writer stopped")),
        };
        file.sync_all()
    }
}

impl Write for BackgroundWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    /// Hands over what is buffered; it reaches the disk in `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for BackgroundWriter {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

fn write_all(mut file: File, rx: Receiver<Vec<u8>>, back: Sender<Vec<u8>>) -> io::Result<File> {
    let (mut written, mut started) = (0u64, 0u64);
    for chunk in rx {
        file.write_all(&chunk)?;
        written += chunk.len() as u64;
        back.send(chunk).ok();
        if written - started >= WRITEBACK_EVERY {
            start_writeback(&file)?;
            started = written;
        }
    }
    Ok(file)
}

/// Puts what is written so far on disk from this thread, so the producer keeps going and the
/// closing fsync has little left to wait for. An error here is the same one `sync_all` would
/// report at the end, so it is reported now.
fn start_writeback(file: &File) -> io::Result<()> {
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_arrives_in_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out");
        let mut w = BackgroundWriter::new(File::create(&p).unwrap());
        let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(7919) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), data);
    }
}
