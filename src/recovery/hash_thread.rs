//! SHA-256 of archive members on a thread of its own: the reading thread hands each block it
//! reads to the hasher and goes on framing and writing, so hashing, the slowest step of a
//! backup, no longer adds to the rest. The hash is of exactly the bytes archived.

use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Blocks that may wait for the hasher before the reader blocks.
const QUEUE: usize = 8;

enum Msg {
    Block(Vec<u8>),
    /// End of a member: send back its hash and length.
    End(SyncSender<(String, u64)>),
}

pub(crate) struct HashThread {
    tx: Option<SyncSender<Msg>>,
    /// Blocks the hasher is done with, to be filled again: fresh ones would cost the kernel a
    /// page fault and a zeroed page for every 4 KiB.
    spent: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl HashThread {
    pub fn start() -> HashThread {
        let (tx, rx) = sync_channel(QUEUE);
        let (back, spent) = channel();
        HashThread {
            tx: Some(tx),
            spent,
            thread: Some(std::thread::spawn(move || hash_all(rx, back))),
        }
    }

    /// `inner`, with every byte read from it hashed on the hasher thread.
    pub fn tee<R: Read>(&self, inner: R) -> Tee<'_, R> {
        Tee {
            hasher: self,
            inner,
        }
    }

    fn send(&self, msg: Msg) -> io::Result<()> {
        match &self.tx {
            Some(tx) if tx.send(msg).is_ok() => Ok(()),
            _ => Err(io::Error::other("the hashing thread stopped")),
        }
    }

    /// The SHA-256 (hex) and length of everything read through `tee` since the last call.
    pub fn finish_member(&self) -> io::Result<(String, u64)> {
        let (tx, rx) = sync_channel(1);
        self.send(Msg::End(tx))?;
        rx.recv()
            .map_err(|_| io::Error::other("the hashing thread stopped"))
    }
}

impl Drop for HashThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

fn hash_all(rx: Receiver<Msg>, back: Sender<Vec<u8>>) {
    let (mut h, mut n) = (Sha256::new(), 0u64);
    for msg in rx {
        match msg {
            Msg::Block(b) => {
                h.update(&b);
                n += b.len() as u64;
                back.send(b).ok();
            }
            Msg::End(reply) => {
                let done = std::mem::replace(&mut h, Sha256::new());
                reply.send((hex::encode(done.finalize()), n)).ok();
                n = 0;
            }
        }
    }
}

/// A reader whose bytes also go to the hasher; read it in large blocks (through a
/// `BufReader`), since each read is one message.
pub(crate) struct Tee<'a, R> {
    hasher: &'a HashThread,
    inner: R,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            let mut block = self.hasher.spent.try_recv().unwrap_or_default();
            block.clear();
            block.extend_from_slice(&buf[..n]);
            self.hasher.send(Msg::Block(block))?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_member_gets_the_hash_of_its_own_bytes() {
        let h = HashThread::start();
        for data in [&b"first member"[..], b"", &[7u8; 3 << 20]] {
            let mut r = std::io::BufReader::with_capacity(1 << 20, h.tee(data));
            std::io::copy(&mut r, &mut std::io::sink()).unwrap();
            let (sha, n) = h.finish_member().unwrap();
            assert_eq!(n, data.len() as u64);
            assert_eq!(sha, hex::encode(Sha256::digest(data)));
        }
    }
}
