//! The kernel log: printk's ring buffer.
//!
//! Records keep their level and a timestamp (nanoseconds since the host
//! booted), as Linux's printk ring does; `dmesg` prints them as
//! `[%5lu.%06lu] text`.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub seq: u64,
    pub ts_nsec: u64,
    /// 0 (emerg) ..= 7 (debug).
    pub level: u8,
    pub text: String,
}

/// The default level of a printk without one (CONFIG_MESSAGE_LOGLEVEL_DEFAULT).
pub const DEFAULT_LEVEL: u8 = 4;
const CAPACITY: usize = 16384;

struct Ring {
    records: VecDeque<Record>,
    next_seq: u64,
    /// A line printed without a newline, waiting for KERN_CONT pieces.
    partial: Option<Record>,
}

static RING: Mutex<Ring> = Mutex::new(Ring { records: VecDeque::new(), next_seq: 0, partial: None });
static BOOT: OnceLock<Instant> = OnceLock::new();

/// Marks the boot time (the log's zero). Idempotent.
pub fn boot() {
    BOOT.get_or_init(Instant::now);
}

fn now_nsec() -> u64 {
    BOOT.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Appends text at a level. `cont` continues the previous unfinished line
/// (KERN_CONT); text ending without a newline stays open for continuation.
pub fn emit(level: u8, text: &[u8], cont: bool) {
    let mut r = RING.lock().unwrap_or_else(|e| e.into_inner());
    let s = escape(text);
    let mut pieces: Vec<&str> = s.split('\n').collect();
    let open_end = !s.ends_with('\n');
    if !open_end {
        pieces.pop();
    }
    let last = pieces.len().saturating_sub(1);
    for (i, p) in pieces.into_iter().enumerate() {
        let cont_here = i == 0 && cont;
        let rec = match (cont_here, r.partial.take()) {
            (true, Some(mut prev)) => {
                prev.text.push_str(p);
                prev
            }
            (_, prev) => {
                if let Some(prev) = prev {
                    push(&mut r, prev);
                }
                let seq = r.next_seq;
                r.next_seq += 1;
                Record { seq, ts_nsec: now_nsec(), level, text: p.to_string() }
            }
        };
        if i == last && open_end {
            r.partial = Some(rec);
        } else {
            push(&mut r, rec);
        }
    }
}

fn push(r: &mut Ring, rec: Record) {
    if r.records.len() == CAPACITY {
        r.records.pop_front();
    }
    r.records.push_back(rec);
}

/// Bytes as `/dev/kmsg` shows them: control characters (but newline),
/// bytes ≥ 127 and backslash as `\xNN`.
pub fn escape(text: &[u8]) -> String {
    let mut s = String::with_capacity(text.len());
    for &b in text {
        if b == b'\n' || ((0x20..0x7f).contains(&b) && b != b'\\') {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// All complete records (and the open line, if any), oldest first.
pub fn records() -> Vec<Record> {
    let r = RING.lock().unwrap_or_else(|e| e.into_inner());
    r.records.iter().cloned().chain(r.partial.clone()).collect()
}

/// Records with `seq >= from`.
pub fn records_since(from: u64) -> Vec<Record> {
    records().into_iter().filter(|r| r.seq >= from).collect()
}

/// The sequence number the next record will get.
pub fn next_seq() -> u64 {
    RING.lock().unwrap_or_else(|e| e.into_inner()).next_seq
}

/// Formats a record as util-linux `dmesg` does by default.
pub fn format_dmesg(r: &Record) -> String {
    format!("[{:5}.{:06}] {}", r.ts_nsec / 1_000_000_000, (r.ts_nsec % 1_000_000_000) / 1000, r.text)
}

/// Logs raw bytes from the host kernel (they are escaped like any printk text).
pub fn kernel_msg_bytes(level: u8, msg: &[u8]) {
    let mut v = msg.to_vec();
    v.push(b'\n');
    emit(level, &v, false);
}

/// Logs a message from the host kernel itself (like pr_info in kernel code).
pub fn kernel_msg(level: u8, msg: &str) {
    let mut s = msg.to_string();
    s.push('\n');
    emit(level, s.as_bytes(), false);
}
