//! The host's pseudo file systems (`/proc`, `/sys`, debugfs) as a tree of
//! views: what modules register (a bus, a driver, a class, a filesystem
//! type, a debugfs file, ...) appears here, and the host kernel's
//! `read_view`/`list_view` serve it alongside `/proc/modules` and
//! `/sys/module`. Paths are absolute (`/sys/bus/pci/drivers/e1000`);
//! parents are created as needed and removing a directory removes what is
//! under it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A file's contents, made when it is read.
pub type Content = Arc<dyn Fn() -> Vec<u8> + Send + Sync>;

#[derive(Clone)]
enum Node {
    Dir,
    File(Content),
    Link(String),
}

static TREE: Mutex<BTreeMap<String, Node>> = Mutex::new(BTreeMap::new());

fn tree() -> std::sync::MutexGuard<'static, BTreeMap<String, Node>> {
    TREE.lock().unwrap_or_else(|e| e.into_inner())
}

fn norm(path: &str) -> String {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        p.to_string()
    }
}

fn make_parents(t: &mut BTreeMap<String, Node>, path: &str) {
    let mut at = 0;
    while let Some(i) = path[at + 1..].find('/') {
        let parent = &path[..at + 1 + i];
        t.entry(parent.to_string()).or_insert(Node::Dir);
        at += 1 + i;
    }
}

/// The skeleton every kernel has: `/`, `/proc`, `/sys` with its `bus`,
/// `class`, `devices`, `kernel/debug` (debugfs's mount point).
pub(crate) fn init() {
    let mut t = tree();
    for d in ["/", "/proc", "/sys", "/sys/bus", "/sys/class", "/sys/devices", "/sys/kernel", "/sys/kernel/debug"] {
        t.entry(d.to_string()).or_insert(Node::Dir);
    }
}

/// Creates a directory (and its parents).
pub fn add_dir(path: &str) {
    let p = norm(path);
    let mut t = tree();
    make_parents(&mut t, &p);
    t.insert(p, Node::Dir);
}

/// Creates (or replaces) a file whose contents `f` makes on each read.
pub fn add_file(path: &str, f: impl Fn() -> Vec<u8> + Send + Sync + 'static) {
    let p = norm(path);
    let mut t = tree();
    make_parents(&mut t, &p);
    t.insert(p, Node::File(Arc::new(f)));
}

/// Creates (or replaces) a file with fixed contents.
pub fn add_text(path: &str, text: impl Into<Vec<u8>>) {
    let text = text.into();
    add_file(path, move || text.clone());
}

/// Creates a symbolic link (`/sys/bus/pci/drivers/x/module` → `../../../../module/x`).
pub fn add_link(path: &str, target: &str) {
    let p = norm(path);
    let mut t = tree();
    make_parents(&mut t, &p);
    t.insert(p, Node::Link(target.to_string()));
}

/// Removes a node and everything under it. Returns whether it existed.
pub fn remove(path: &str) -> bool {
    let p = norm(path);
    let mut t = tree();
    let existed = t.remove(&p).is_some();
    let prefix = format!("{p}/");
    let under: Vec<String> = t.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
    for k in under {
        t.remove(&k);
    }
    existed
}

/// Whether a node exists.
pub fn exists(path: &str) -> bool {
    tree().contains_key(&norm(path))
}

/// Reads a file (a link reads as its target's path). None: no such file
/// or a directory.
pub fn read(path: &str) -> Option<Vec<u8>> {
    let node = tree().get(&norm(path)).cloned()?;
    match node {
        // the generator runs without the tree's lock: it may look at the tree
        Node::File(f) => Some(f()),
        Node::Link(t) => Some(t.into_bytes()),
        Node::Dir => None,
    }
}

/// Whether a path is a directory of the views.
pub fn is_dir(path: &str) -> bool {
    matches!(tree().get(&norm(path)), Some(Node::Dir))
}

/// The entries of a directory, sorted. None: not a directory.
pub fn list(path: &str) -> Option<Vec<String>> {
    let p = norm(path);
    let t = tree();
    if !matches!(t.get(&p), Some(Node::Dir)) {
        return None;
    }
    let prefix = if p == "/" { "/".to_string() } else { format!("{p}/") };
    Some(
        t.range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| &k[prefix.len()..])
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_operations() {
        add_text("/test-kernfs/a/b/file", "hello\n");
        add_dir("/test-kernfs/a/empty");
        add_link("/test-kernfs/a/link", "../x");
        assert_eq!(list("/test-kernfs/a").unwrap(), ["b", "empty", "link"]);
        assert_eq!(read("/test-kernfs/a/b/file").unwrap(), b"hello\n");
        assert!(read("/test-kernfs/a/b").is_none());
        assert!(is_dir("/test-kernfs/a/b"));
        assert_eq!(list("/test-kernfs/a/empty").unwrap(), Vec::<String>::new());
        assert!(remove("/test-kernfs/a/b"));
        assert!(!exists("/test-kernfs/a/b/file"));
        assert_eq!(list("/test-kernfs/a").unwrap(), ["empty", "link"]);
        remove("/test-kernfs");
        assert!(list("/test-kernfs").is_none());
    }
}
