//! Standard output buffered the way glibc's stdio buffers it.
//!
//! kmod's tools print with `printf` and report errors on unbuffered stderr.
//! When both streams go to one place (`2>&1`), where the error lines land
//! among the output is decided by when stdio flushes stdout: on a terminal
//! after each line, otherwise exactly at every multiple of the buffer size
//! (the file's `st_blksize`, e.g. 4096 for a pipe) and at exit. This writer
//! flushes at the same points, so merged output is byte-identical too.

use std::io::{self, Write};
use std::os::fd::AsFd;

pub struct StdioOut {
    buf: Vec<u8>,
    cap: usize,
    line: bool,
    out: io::Stdout,
}

impl StdioOut {
    pub fn new() -> Self {
        let out = io::stdout();
        let fd = out.as_fd();
        let line = rustix::termios::isatty(fd);
        let cap = rustix::fs::fstat(fd).map(|st| st.st_blksize as usize).ok().filter(|&n| n > 0).unwrap_or(8192);
        StdioOut { buf: Vec::with_capacity(cap), cap, line, out }
    }

    fn drain(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let mut lock = self.out.lock();
            lock.write_all(&self.buf)?;
            lock.flush()?;
            self.buf.clear();
        }
        Ok(())
    }
}

impl Write for StdioOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            let room = self.cap - self.buf.len();
            let n = room.min(rest.len());
            self.buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if self.buf.len() == self.cap {
                self.drain()?;
            }
        }
        if self.line && data.contains(&b'\n') {
            self.drain()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()
    }
}

impl Drop for StdioOut {
    fn drop(&mut self) {
        let _ = self.drain();
    }
}
