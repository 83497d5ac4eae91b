//! Test helpers: a small in-memory trie that serialises to the index format
//! (following spec §2.2, post-order like kmod 30), and a recursive reference
//! implementation of libkmod's lookups over it.
#![allow(dead_code)]

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::path::PathBuf;

use modindex::ValueOrder;

#[derive(Default, Debug, Clone)]
pub struct Trie {
    pub prefix: Vec<u8>,
    pub children: BTreeMap<u8, Trie>,
    /// Stored order: ascending priority, newer before equal priorities.
    pub values: Vec<(u32, Vec<u8>)>,
}

impl Trie {
    pub fn new() -> Trie {
        Trie::default()
    }

    pub fn insert(&mut self, key: &[u8], value: &[u8], priority: u32) {
        let mut node = self;
        let mut i = 0;
        loop {
            let j = node
                .prefix
                .iter()
                .zip(&key[i..])
                .take_while(|(a, b)| a == b)
                .count();
            if j < node.prefix.len() {
                let split_char = node.prefix[j];
                let child = Trie {
                    prefix: node.prefix[j + 1..].to_vec(),
                    children: std::mem::take(&mut node.children),
                    values: std::mem::take(&mut node.values),
                };
                node.prefix.truncate(j);
                node.children.insert(split_char, child);
            }
            i += node.prefix.len();
            if i == key.len() {
                let at = node.values.partition_point(|(p, _)| *p < priority);
                node.values.insert(at, (priority, value.to_vec()));
                return;
            }
            match node.children.entry(key[i]) {
                Entry::Vacant(e) => {
                    e.insert(Trie {
                        prefix: key[i + 1..].to_vec(),
                        children: BTreeMap::new(),
                        values: vec![(priority, value.to_vec())],
                    });
                    return;
                }
                Entry::Occupied(e) => node = e.into_mut(),
            }
            i += 1;
        }
    }

    /// Serialise: header, children subtrees first (post-order), root last.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&modindex::MAGIC.to_be_bytes());
        out.extend_from_slice(&modindex::VERSION.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
        let root = self.write(&mut out);
        out[8..12].copy_from_slice(&root.to_be_bytes());
        out
    }

    fn write(&self, out: &mut Vec<u8>) -> u32 {
        let child_refs: BTreeMap<u8, u32> = self
            .children
            .iter()
            .map(|(&c, t)| (c, t.write(out)))
            .collect();
        let offset = out.len() as u32;
        let mut flags = 0;
        if !self.prefix.is_empty() {
            flags |= modindex::NODE_PREFIX;
            out.extend_from_slice(&self.prefix);
            out.push(0);
        }
        if let (Some((&first, _)), Some((&last, _))) =
            (child_refs.first_key_value(), child_refs.last_key_value())
        {
            flags |= modindex::NODE_CHILDS;
            out.push(first);
            out.push(last);
            for c in first..=last {
                out.extend_from_slice(&child_refs.get(&c).copied().unwrap_or(0).to_be_bytes());
            }
        }
        if !self.values.is_empty() {
            flags |= modindex::NODE_VALUES;
            out.extend_from_slice(&(self.values.len() as u32).to_be_bytes());
            for (p, v) in &self.values {
                out.extend_from_slice(&p.to_be_bytes());
                out.extend_from_slice(v);
                out.push(0);
            }
        }
        offset | flags
    }

    fn node_values(&self, order: ValueOrder) -> Vec<(u32, Vec<u8>)> {
        match order {
            ValueOrder::Mmap => self.values.clone(),
            ValueOrder::Stdio => {
                let mut list = Vec::new();
                for v in &self.values {
                    let at = list.partition_point(|(p, _): &(u32, Vec<u8>)| *p < v.0);
                    list.insert(at, v.clone());
                }
                list
            }
        }
    }

    /// Reference wildcard search, written recursively straight from spec §2.4.
    pub fn ref_wildcard(&self, key: &[u8], order: ValueOrder) -> Vec<(u32, Vec<u8>)> {
        let mut out = Vec::new();
        self.ref_walk(key, order, &mut out);
        out
    }

    fn ref_walk(&self, key: &[u8], order: ValueOrder, out: &mut Vec<(u32, Vec<u8>)>) {
        for (j, &ch) in self.prefix.iter().enumerate() {
            if b"*?[".contains(&ch) {
                let mut pattern = self.prefix[j..].to_vec();
                self.ref_all(&mut pattern, &key[j..], order, out);
                return;
            }
            if key.get(j) != Some(&ch) {
                return;
            }
        }
        let rest = &key[self.prefix.len()..];
        for wc in [b'*', b'?', b'['] {
            if let Some(child) = self.children.get(&wc) {
                let mut pattern = vec![wc];
                pattern.extend_from_slice(&child.prefix);
                child.ref_all(&mut pattern, rest, order, out);
            }
        }
        match rest.first() {
            None => add_all(out, self.node_values(order)),
            Some(c) if *c < 0x80 => {
                if let Some(child) = self.children.get(c) {
                    child.ref_walk(&rest[1..], order, out);
                }
            }
            Some(_) => {}
        }
    }

    /// `pattern` already holds this node's part.
    fn ref_all(
        &self,
        pattern: &mut Vec<u8>,
        subkey: &[u8],
        order: ValueOrder,
        out: &mut Vec<(u32, Vec<u8>)>,
    ) {
        for (&c, child) in &self.children {
            let len = pattern.len();
            pattern.push(c);
            pattern.extend_from_slice(&child.prefix);
            child.ref_all(pattern, subkey, order, out);
            pattern.truncate(len);
        }
        if !self.values.is_empty() && modindex::fnmatch(pattern, subkey) {
            add_all(out, self.node_values(order));
        }
    }

    /// Reference dump: (key, value) in modprobe -c order.
    pub fn ref_dump(&self, order: ValueOrder) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        let mut key = Vec::new();
        self.ref_dump_into(&mut key, order, &mut out);
        out
    }

    fn ref_dump_into(
        &self,
        key: &mut Vec<u8>,
        order: ValueOrder,
        out: &mut Vec<(Vec<u8>, Vec<u8>)>,
    ) {
        let len = key.len();
        key.extend_from_slice(&self.prefix);
        for (_, v) in self.node_values(order) {
            out.push((key.clone(), v));
        }
        for (&c, child) in &self.children {
            key.push(c);
            child.ref_dump_into(key, order, out);
            key.pop();
        }
        key.truncate(len);
    }
}

fn add_all(out: &mut Vec<(u32, Vec<u8>)>, values: Vec<(u32, Vec<u8>)>) {
    for v in values {
        let at = out.partition_point(|(p, _)| *p < v.0);
        out.insert(at, v);
    }
}

/// Small deterministic PRNG (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The real kmod tool at `/sbin/<name>` (or `/usr/sbin/<name>`), if installed.
pub fn kmod_tool(name: &str) -> Option<PathBuf> {
    ["/sbin", "/usr/sbin", "/usr/bin", "/bin"]
        .iter()
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.exists())
}

/// The real amd64 fixture tree: (root, release). From `AMD64_ROOT` and
/// `RELEASE` in the environment, else from the fixture env file (see `testkit`).
pub fn amd64_fixture() -> Option<(PathBuf, String)> {
    let from_env = (std::env::var("AMD64_ROOT"), std::env::var("RELEASE"));
    let (root, release) = if let (Ok(root), Ok(release)) = from_env {
        (PathBuf::from(root), release)
    } else {
        testkit::fixtures()?.tree("amd64")?
    };
    testkit::moddir(&root, &release)
        .join("modules.dep.bin")
        .exists()
        .then_some((root, release))
}
