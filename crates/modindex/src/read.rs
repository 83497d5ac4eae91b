//! Reading `.bin` indexes: exact and wildcard lookups and the `modprobe -c` dump.
//!
//! Everything works in place over the file's bytes. Every read is
//! bounds-checked and malformed input gives an [`Error`] naming the offset;
//! traversals that enumerate subtrees (wildcard collection, dump) carry a node
//! budget and a key-length limit, so a trie whose references loop back or are
//! shared cannot make them run away.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fnmatch::{fnmatch, until_nul};
use crate::format::{
    HEADER_LEN, MAGIC, MAX_KEY_LEN, NODE_CHILDS, NODE_OFFSET_MASK, NODE_PREFIX, NODE_VALUES,
    VERSION_MAJOR,
};

/// Which of libkmod's two index readers to imitate when a node holds several
/// values of equal priority.
///
/// The two readers agree on everything else; the difference only shows for
/// keys with several values of the same priority (in practice
/// `modules.builtin.alias.bin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueOrder {
    /// libkmod's mmap reader: a node's values are taken in stored order. It is
    /// used by `modprobe` once `kmod_load_resources` has opened the indexes.
    Mmap,
    /// libkmod's stdio reader: a node's values are first re-inserted into a
    /// priority-ordered list (each before any equal priority), which reverses
    /// equal priorities. It is used by `modinfo` always, and by `modprobe` when
    /// an index other than `modules.builtin.alias.bin` failed to open.
    Stdio,
}

/// One value stored under a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value<'a> {
    /// The priority: lower sorts first.
    pub priority: u32,
    /// The value string, without its terminating NUL.
    pub value: &'a [u8],
}

/// A validated view of an index file held in memory.
///
/// Lookups borrow from the underlying bytes, so results live as long as the
/// buffer, not the `Index`.
///
/// ```
/// # fn main() -> Result<(), modindex::Error> {
/// // The empty index depmod writes when there is nothing to store.
/// let bytes = [0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0, 0, 0, 12];
/// let index = modindex::Index::new(&bytes)?;
/// assert_eq!(index.lookup_exact(b"ext4")?, None);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Index<'a> {
    data: &'a [u8],
    version: u32,
    root: u32,
}

/// An index file read into memory, for callers that do not map it themselves.
#[derive(Clone)]
pub struct IndexFile {
    data: Vec<u8>,
    version: u32,
    root: u32,
}

impl std::fmt::Debug for IndexFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexFile")
            .field("len", &self.data.len())
            .field("version", &self.version)
            .field("root", &self.root)
            .finish()
    }
}

impl IndexFile {
    /// Read the file at `path` and check its header.
    pub fn open(path: impl AsRef<Path>) -> Result<IndexFile> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        IndexFile::from_vec(data)
    }

    /// Take ownership of an index already in memory, checking its header.
    pub fn from_vec(data: Vec<u8>) -> Result<IndexFile> {
        let Index { version, root, .. } = Index::new(&data)?;
        Ok(IndexFile {
            data,
            version,
            root,
        })
    }

    /// A view for lookups.
    pub fn index(&self) -> Index<'_> {
        Index {
            data: &self.data,
            version: self.version,
            root: self.root,
        }
    }
}

/// A parsed node record; all parts borrow from the file.
#[derive(Clone, Copy)]
struct Node<'a> {
    /// File offset of the record (for error messages).
    offset: usize,
    prefix: &'a [u8],
    /// Character of the first child slot.
    first: u8,
    /// The child table: 4 bytes per slot, `first` onwards.
    children: &'a [u8],
    value_count: u32,
    /// File offset of the first value entry (after the count).
    values_at: usize,
}

impl<'a> Node<'a> {
    fn slots(&self) -> usize {
        self.children.len() / 4
    }

    fn slot_ref(&self, slot: usize) -> u32 {
        let b = &self.children[slot * 4..slot * 4 + 4];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The reference of the child for key byte `c`, or 0.
    #[inline]
    fn child_ref(&self, c: u8) -> u32 {
        // libkmod passes key bytes as (signed) `char`, so bytes >= 0x80 are
        // never found among the children.
        if c >= 0x80 || c < self.first {
            return 0;
        }
        let slot = usize::from(c - self.first);
        if slot < self.slots() {
            self.slot_ref(slot)
        } else {
            0
        }
    }
}

/// Iterator over a node's values in stored order.
struct Values<'a> {
    data: &'a [u8],
    pos: usize,
    remaining: u32,
}

impl<'a> Iterator for Values<'a> {
    type Item = Result<Value<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let item = (|| {
            let priority =
                be32(self.data, self.pos).ok_or(Error::ValuesOutOfBounds { offset: self.pos })?;
            let value = cstr(self.data, self.pos + 4)?;
            self.pos += 4 + value.len() + 1;
            Ok(Value { priority, value })
        })();
        if item.is_err() {
            self.remaining = 0;
        }
        Some(item)
    }
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The NUL-terminated string starting at `at`, without the NUL.
fn cstr(data: &[u8], at: usize) -> Result<&[u8]> {
    let tail = data
        .get(at..)
        .ok_or(Error::UnterminatedString { offset: at })?;
    // CStr's search is std's word-at-a-time memchr.
    match std::ffi::CStr::from_bytes_until_nul(tail) {
        Ok(s) => Ok(s.to_bytes()),
        Err(_) => Err(Error::UnterminatedString { offset: at }),
    }
}

/// Insert `v` into a priority-sorted list before any equal priorities, as
/// libkmod's value lists do.
fn insert_by_priority<'a>(list: &mut Vec<Value<'a>>, v: Value<'a>) {
    let at = list.partition_point(|x| x.priority < v.priority);
    list.insert(at, v);
}

/// Caps the number of node visits of one subtree traversal. A genuine trie
/// holds at most one node per 4-byte child slot (plus the root), so exceeding
/// that means references are shared or cyclic.
struct Budget(usize);

impl Budget {
    fn for_len(len: usize) -> Budget {
        Budget(len / 4 + 2)
    }

    fn spend(&mut self, reference: u32) -> Result<()> {
        if self.0 == 0 {
            return Err(Error::NotATree {
                offset: (reference & NODE_OFFSET_MASK) as usize,
            });
        }
        self.0 -= 1;
        Ok(())
    }
}

/// One level of an explicit depth-first traversal.
struct Frame<'a> {
    node: Node<'a>,
    /// Next child slot to visit.
    next: usize,
    /// Length of the key buffer before this node's part was appended.
    base: usize,
}

/// Scratch buffers reused across the subtree walks of one wildcard lookup.
struct Wild<'a> {
    order: ValueOrder,
    pattern: Vec<u8>,
    stack: Vec<Frame<'a>>,
    scratch: Vec<Value<'a>>,
    out: Vec<Value<'a>>,
}

impl<'a> Index<'a> {
    /// Check the header of `data` and wrap it for lookups.
    ///
    /// Accepts any minor version with major version 2, as libkmod does. Node
    /// records are only checked when a lookup reaches them.
    pub fn new(data: &'a [u8]) -> Result<Index<'a>> {
        if data.len() < HEADER_LEN {
            return Err(Error::TooShort { len: data.len() });
        }
        let word = |at| be32(data, at).unwrap_or_default();
        let magic = word(0);
        if magic != MAGIC {
            return Err(Error::BadMagic { found: magic });
        }
        let version = word(4);
        if version >> 16 != VERSION_MAJOR {
            return Err(Error::BadVersion { found: version });
        }
        Ok(Index {
            data,
            version,
            root: word(8),
        })
    }

    /// The version word of the header (`0x00020001` for kmod 30).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The whole file.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// Read the node record `reference` points at; `None` for offset 0.
    fn node(&self, reference: u32) -> Result<Option<Node<'a>>> {
        let offset = (reference & NODE_OFFSET_MASK) as usize;
        if offset == 0 {
            return Ok(None);
        }
        let data = self.data;
        if offset > data.len() {
            return Err(Error::NodeOutOfBounds {
                reference,
                len: data.len(),
            });
        }
        let mut pos = offset;
        let mut prefix: &[u8] = &[];
        if reference & NODE_PREFIX != 0 {
            prefix = cstr(data, pos)?;
            pos += prefix.len() + 1;
        }
        let mut first = 0;
        let mut children: &[u8] = &[];
        if reference & NODE_CHILDS != 0 {
            let (Some(&f), Some(&l)) = (data.get(pos), data.get(pos + 1)) else {
                return Err(Error::ChildTableOutOfBounds { offset: pos });
            };
            if f > l {
                return Err(Error::BadChildRange {
                    offset: pos,
                    first: f,
                    last: l,
                });
            }
            let len = (usize::from(l - f) + 1) * 4;
            children = data
                .get(pos + 2..pos + 2 + len)
                .ok_or(Error::ChildTableOutOfBounds { offset: pos })?;
            first = f;
            pos += 2 + len;
        }
        let mut value_count = 0;
        if reference & NODE_VALUES != 0 {
            value_count = be32(data, pos).ok_or(Error::ValuesOutOfBounds { offset: pos })?;
            pos += 4;
        }
        Ok(Some(Node {
            offset,
            prefix,
            first,
            children,
            value_count,
            values_at: pos,
        }))
    }

    fn values(&self, node: &Node<'a>) -> Values<'a> {
        Values {
            data: self.data,
            pos: node.values_at,
            remaining: node.value_count,
        }
    }

    /// Walk from the root along `key`; the node whose key is exactly `key`.
    fn find(&self, key: &[u8]) -> Result<Option<Node<'a>>> {
        let key = until_nul(key);
        let mut reference = self.root;
        let mut i = 0;
        // Each step consumes at least one key byte, so this ends even on a
        // cyclic file.
        while let Some(node) = self.node(reference)? {
            let rest = &key[i..];
            if !rest.starts_with(node.prefix) {
                return Ok(None);
            }
            i += node.prefix.len();
            let Some(&c) = key.get(i) else {
                return Ok(Some(node));
            };
            reference = node.child_ref(c);
            i += 1;
        }
        Ok(None)
    }

    /// Exact search, as used for `modules.dep.bin` and `modules.builtin.bin`:
    /// the first stored value of the node for `key`, or `None`.
    ///
    /// This is the mmap reader's answer (what `modprobe` sees). For the stdio
    /// reader's (`modinfo`) use [`lookup_exact_ordered`](Self::lookup_exact_ordered);
    /// they differ only when the key has several values. The key ends at its
    /// first NUL byte, if any. No allocation.
    pub fn lookup_exact(&self, key: &[u8]) -> Result<Option<&'a [u8]>> {
        match self.find(key)? {
            Some(node) => match self.values(&node).next() {
                Some(v) => Ok(Some(v?.value)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Exact search returning the value each libkmod reader would pick: with
    /// [`ValueOrder::Mmap`] the first stored value; with [`ValueOrder::Stdio`]
    /// the lowest priority, and of equal lowest priorities the last stored.
    pub fn lookup_exact_ordered(&self, key: &[u8], order: ValueOrder) -> Result<Option<Value<'a>>> {
        let Some(node) = self.find(key)? else {
            return Ok(None);
        };
        let mut best: Option<Value<'a>> = None;
        for v in self.values(&node) {
            let v = v?;
            match order {
                ValueOrder::Mmap => return Ok(Some(v)),
                ValueOrder::Stdio => {
                    let better = match best {
                        Some(b) => v.priority <= b.priority,
                        None => true,
                    };
                    if better {
                        best = Some(v);
                    }
                }
            }
        }
        Ok(best)
    }

    /// Wildcard search, as used for `modules.alias.bin`, `modules.symbols.bin`
    /// and `modules.builtin.alias.bin`, whose stored keys may be `fnmatch`
    /// patterns (`*`, `?`, `[...]`).
    ///
    /// Walks the trie along `key`. Where a node's prefix reaches a `*`, `?` or
    /// `[`, or at each node end through its `*`, `?` and `[` children (in that
    /// order), the whole subtree below is enumerated (children in increasing
    /// byte order, a node's values after its children) and every stored key
    /// whose pattern — from its first wildcard on — [`fnmatch`]es the rest of
    /// `key` contributes all its values. If `key` ends at a node, that node's
    /// values are added too.
    ///
    /// The result is ordered by ascending priority; each value is inserted
    /// before those of equal priority already collected, exactly like
    /// libkmod's list. `order` selects how values inside one node are fed in
    /// (see [`ValueOrder`]). The key ends at its first NUL byte, if any.
    pub fn lookup_wildcard(&self, key: &[u8], order: ValueOrder) -> Result<Vec<Value<'a>>> {
        let key = until_nul(key);
        let mut w = Wild {
            order,
            pattern: Vec::new(),
            stack: Vec::new(),
            scratch: Vec::new(),
            out: Vec::new(),
        };
        let mut reference = self.root;
        let mut i = 0;
        while let Some(node) = self.node(reference)? {
            for (j, &ch) in node.prefix.iter().enumerate() {
                if matches!(ch, b'*' | b'?' | b'[') {
                    // key[..i + j] matched so far, so this slice is in range.
                    self.collect(&mut w, node, j, &key[i + j..])?;
                    return Ok(w.out);
                }
                if key.get(i + j) != Some(&ch) {
                    return Ok(w.out);
                }
            }
            i += node.prefix.len();
            for wc in [b'*', b'?', b'['] {
                if let Some(child) = self.node(node.child_ref(wc))? {
                    w.pattern.push(wc);
                    self.collect(&mut w, child, 0, &key[i..])?;
                    w.pattern.pop();
                }
            }
            let Some(&c) = key.get(i) else {
                self.add_values(&mut w, &node)?;
                return Ok(w.out);
            };
            reference = node.child_ref(c);
            i += 1;
        }
        Ok(w.out)
    }

    /// Enumerate the subtree of `start` (whose prefix contributes from byte
    /// `skip` on), testing each node with values against `subkey`.
    fn collect(&self, w: &mut Wild<'a>, start: Node<'a>, skip: usize, subkey: &[u8]) -> Result<()> {
        let mut budget = Budget::for_len(self.data.len());
        let base = w.pattern.len();
        w.pattern.extend_from_slice(&start.prefix[skip..]);
        check_key_len(&w.pattern, &start)?;
        w.stack.clear();
        w.stack.push(Frame {
            node: start,
            next: 0,
            base,
        });
        while let Some(top) = w.stack.last_mut() {
            if top.next < top.node.slots() {
                let slot = top.next;
                top.next += 1;
                let ch = top.node.first.wrapping_add(slot as u8);
                let reference = top.node.slot_ref(slot);
                let Some(child) = self.node(reference)? else {
                    continue;
                };
                budget.spend(reference)?;
                let base = w.pattern.len();
                w.pattern.push(ch);
                w.pattern.extend_from_slice(child.prefix);
                check_key_len(&w.pattern, &child)?;
                w.stack.push(Frame {
                    node: child,
                    next: 0,
                    base,
                });
            } else {
                let Some(Frame { node, base, .. }) = w.stack.pop() else {
                    break;
                };
                if node.value_count > 0 && fnmatch(&w.pattern, subkey) {
                    self.add_values(w, &node)?;
                }
                w.pattern.truncate(base);
            }
        }
        Ok(())
    }

    /// Add all values of a matching node to the result list.
    fn add_values(&self, w: &mut Wild<'a>, node: &Node<'a>) -> Result<()> {
        match w.order {
            ValueOrder::Mmap => {
                for v in self.values(node) {
                    insert_by_priority(&mut w.out, v?);
                }
            }
            ValueOrder::Stdio => {
                self.stdio_values(node, &mut w.scratch)?;
                for &v in &w.scratch {
                    insert_by_priority(&mut w.out, v);
                }
            }
        }
        Ok(())
    }

    /// A node's values as the stdio reader holds them: re-inserted one by one
    /// into a priority list.
    fn stdio_values(&self, node: &Node<'a>, list: &mut Vec<Value<'a>>) -> Result<()> {
        list.clear();
        for v in self.values(node) {
            insert_by_priority(list, v?);
        }
        Ok(())
    }

    /// Call `f(key, value)` for every stored value, in `modprobe -c` order:
    /// depth first, a node's values (in the reader's order, see
    /// [`ValueOrder`]) before its children, children in increasing byte order.
    /// For tries written by depmod this yields keys in ascending byte order.
    ///
    /// `modprobe -c` prints each pair as `alias <key> <value>`.
    pub fn dump<F>(&self, order: ValueOrder, mut f: F) -> Result<()>
    where
        F: FnMut(&[u8], Value<'a>),
    {
        let Some(root) = self.node(self.root)? else {
            return Ok(());
        };
        let mut budget = Budget::for_len(self.data.len());
        let mut key = Vec::new();
        let mut scratch = Vec::new();
        let mut emit = |key: &[u8], node: &Node<'a>, scratch: &mut Vec<Value<'a>>| -> Result<()> {
            if node.value_count == 0 {
                return Ok(());
            }
            match order {
                ValueOrder::Mmap => {
                    for v in self.values(node) {
                        f(key, v?);
                    }
                }
                ValueOrder::Stdio => {
                    self.stdio_values(node, scratch)?;
                    for &v in scratch.iter() {
                        f(key, v);
                    }
                }
            }
            Ok(())
        };
        key.extend_from_slice(root.prefix);
        emit(&key, &root, &mut scratch)?;
        let mut stack = vec![Frame {
            node: root,
            next: 0,
            base: 0,
        }];
        while let Some(top) = stack.last_mut() {
            if top.next < top.node.slots() {
                let slot = top.next;
                top.next += 1;
                let ch = top.node.first.wrapping_add(slot as u8);
                let reference = top.node.slot_ref(slot);
                let Some(child) = self.node(reference)? else {
                    continue;
                };
                budget.spend(reference)?;
                let base = key.len();
                key.push(ch);
                key.extend_from_slice(child.prefix);
                check_key_len(&key, &child)?;
                emit(&key, &child, &mut scratch)?;
                stack.push(Frame {
                    node: child,
                    next: 0,
                    base,
                });
            } else {
                let Some(frame) = stack.pop() else { break };
                key.truncate(frame.base);
            }
        }
        Ok(())
    }
}

fn check_key_len(key: &[u8], node: &Node<'_>) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(Error::KeyTooLong {
            offset: node.offset,
            max: MAX_KEY_LEN,
        });
    }
    Ok(())
}
