//! fs/proc/generic.c: `proc_create*`, `proc_mkdir*`, `remove_proc_entry`,
//! `remove_proc_subtree`, `proc_remove`, `pde_data`.
//!
//! A `struct proc_dir_entry` is private to fs/proc (modules only hold the
//! pointer), so the host hands out its own objects: `/proc` itself
//! (`proc_root`), `/proc/net` (what `init_net.proc_net` points at) and one
//! per entry a module creates. The entries appear in
//! [`crate::fs::kernfs`]; a file's content would come from the module's
//! `proc_ops`/`seq_operations`/`show` (a `struct file`/`seq_file`), which the
//! host does not model, and the view file says so.
//!
//! The built-in names of Debian 6.1's `/proc` and `/proc/net` (captured
//! under QEMU, tests/modules/fsnet/debian-6.1-qemu.txt) are registered, so
//! `proc_mkdir("driver/x", NULL)` finds `driver` and a module creating an
//! existing name fails as on Linux. Linux reports these misuses with a
//! WARN(); the host logs the WARN's message line only (no report, no W
//! taint).

use std::collections::HashMap;
use std::sync::Mutex;

use super::hostobj::{cbytes, zalloc};
use super::kernfs;

const ENOENT: i32 = 2;
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IALLUGO: u32 = 0o7777;

/// Size of the host's proc_dir_entry objects (opaque to modules).
const PDE_SIZE: u64 = 192;

/// Debian 6.1's `/proc` at boot on QEMU (name, directory); numeric (pid)
/// entries and `self`/`thread-self`/`mounts`/`net` links aside.
const ROOT: &[(&str, bool)] = &[
    ("acpi", true),
    ("buddyinfo", false),
    ("bus", true),
    ("cgroups", false),
    ("cmdline", false),
    ("consoles", false),
    ("cpuinfo", false),
    ("crypto", false),
    ("devices", false),
    ("diskstats", false),
    ("dma", false),
    ("driver", true),
    ("dynamic_debug", true),
    ("execdomains", false),
    ("fb", false),
    ("filesystems", false),
    ("fs", true),
    ("interrupts", false),
    ("iomem", false),
    ("ioports", false),
    ("irq", true),
    ("kallsyms", false),
    ("kcore", false),
    ("key-users", false),
    ("keys", false),
    ("kmsg", false),
    ("kpagecgroup", false),
    ("kpagecount", false),
    ("kpageflags", false),
    ("loadavg", false),
    ("locks", false),
    ("meminfo", false),
    ("misc", false),
    ("modules", false),
    ("mounts", false),
    ("mtrr", false),
    ("pagetypeinfo", false),
    ("partitions", false),
    ("pressure", true),
    ("schedstat", false),
    ("self", false),
    ("slabinfo", false),
    ("softirqs", false),
    ("stat", false),
    ("swaps", false),
    ("sys", true),
    ("sysrq-trigger", false),
    ("sysvipc", true),
    ("thread-self", false),
    ("timer_list", false),
    ("tty", true),
    ("uptime", false),
    ("version", false),
    ("vmallocinfo", false),
    ("vmstat", false),
    ("zoneinfo", false),
];

/// Debian 6.1's `/proc/net` of init_net at boot on QEMU.
const NET: &[(&str, bool)] = &[
    ("anycast6", false),
    ("arp", false),
    ("connector", false),
    ("dev", false),
    ("dev_mcast", false),
    ("dev_snmp6", true),
    ("fib_trie", false),
    ("fib_triestat", false),
    ("icmp", false),
    ("icmp6", false),
    ("if_inet6", false),
    ("igmp", false),
    ("igmp6", false),
    ("ip6_flowlabel", false),
    ("ip6_mr_cache", false),
    ("ip6_mr_vif", false),
    ("ip_mr_cache", false),
    ("ip_mr_vif", false),
    ("ipv6_route", false),
    ("mcfilter", false),
    ("mcfilter6", false),
    ("netfilter", true),
    ("netlink", false),
    ("netstat", false),
    ("packet", false),
    ("protocols", false),
    ("psched", false),
    ("ptype", false),
    ("raw", false),
    ("raw6", false),
    ("route", false),
    ("rt6_stats", false),
    ("rt_acct", false),
    ("rt_cache", false),
    ("snmp", false),
    ("snmp6", false),
    ("sockstat", false),
    ("sockstat6", false),
    ("softnet_stat", false),
    ("stat", true),
    ("tcp", false),
    ("tcp6", false),
    ("udp", false),
    ("udp6", false),
    ("udplite", false),
    ("udplite6", false),
    ("unix", false),
    ("wireless", false),
    ("xfrm_stat", false),
];

struct Pde {
    path: String,
    name: String,
    parent: u64,
    dir: bool,
    data: u64,
    builtin: bool,
    /// `proc_set_size`/`proc_set_user` (kept; the views have no stat).
    size: i64,
    owner: (u32, u32),
    /// Module pointers (ops, data) whose freeing removes the entry.
    refs: Vec<u64>,
}

#[derive(Default)]
struct State {
    root: u64,
    net: u64,
    pdes: HashMap<u64, Pde>,
    by_path: HashMap<String, u64>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn add(s: &mut State, parent: u64, name: &str, dir: bool, builtin: bool, data: u64, refs: Vec<u64>) -> u64 {
    let ppath = s.pdes.get(&parent).map(|p| p.path.clone()).unwrap_or_else(|| "/proc".into());
    let path = format!("{ppath}/{name}");
    let pde = zalloc(PDE_SIZE);
    s.pdes.insert(
        pde,
        Pde {
            path: path.clone(),
            name: name.into(),
            parent,
            dir,
            data,
            builtin,
            size: 0,
            owner: (0, 0),
            refs,
        },
    );
    s.by_path.insert(path, pde);
    pde
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let s = g.get_or_insert_with(|| {
        let mut s = State::default();
        let root = zalloc(PDE_SIZE);
        s.root = root;
        s.pdes.insert(
            root,
            Pde {
                path: "/proc".into(),
                name: "/proc".into(),
                parent: root,
                dir: true,
                data: 0,
                builtin: true,
                size: 0,
                owner: (0, 0),
                refs: vec![],
            },
        );
        s.by_path.insert("/proc".into(), root);
        for &(n, d) in ROOT {
            add(&mut s, root, n, d, true, 0, vec![]);
        }
        let net = add(&mut s, root, "net", true, true, 0, vec![]);
        s.net = net;
        for &(n, d) in NET {
            add(&mut s, net, n, d, true, 0, vec![]);
        }
        for p in s.pdes.values() {
            if p.dir {
                kernfs::add_dir(&p.path);
            }
        }
        s
    });
    f(s)
}

/// `/proc/net`'s entry (init_net's `proc_net`).
pub fn proc_net() -> u64 {
    with(|s| s.net)
}

fn warn(msg: &str) {
    crate::log::kernel_msg(4, msg);
}

/// `xlate_proc_name` + `__proc_create` checks + `proc_register`: the new
/// entry, or 0.
fn create(name_p: u64, parent: u64, mode: u32, data: u64, refs: Vec<u64>) -> u64 {
    let full = String::from_utf8_lossy(&cbytes(name_p)).into_owned();
    with(|s| {
        let mut dir = if parent == 0 { s.root } else { parent };
        if !s.pdes.contains_key(&dir) {
            return 0;
        }
        let mut parts: Vec<&str> = full.split('/').collect();
        let last = parts.pop().unwrap_or("");
        for comp in parts {
            let path = format!("{}/{comp}", s.pdes[&dir].path);
            match s.by_path.get(&path) {
                Some(&d) => dir = d,
                None => {
                    warn(&format!("name '{full}'"));
                    return 0;
                }
            }
        }
        if last.is_empty() || last.len() >= 256 {
            warn(&format!("name len {}", last.len()));
            return 0;
        }
        if last == "." || last == ".." {
            warn(&format!("name '{last}'"));
            return 0;
        }
        if dir == s.root
            && last.bytes().all(|c| c.is_ascii_digit())
            && !(last.starts_with('0') && last.len() > 1)
            && last.parse::<u32>().is_ok_and(|v| v != u32::MAX)
        {
            warn(&format!("create '/proc/{last}' by hand"));
            return 0;
        }
        let path = format!("{}/{last}", s.pdes[&dir].path);
        if s.by_path.contains_key(&path) {
            let dname = s.pdes[&dir].name.clone();
            let dname = if dir == s.root { "/proc".to_string() } else { dname };
            warn(&format!("proc_dir_entry '{dname}/{last}' already registered"));
            return 0;
        }
        let is_dir = mode & S_IFMT == S_IFDIR;
        let pde = add(s, dir, last, is_dir, false, data, refs.clone());
        if is_dir {
            kernfs::add_dir(&path);
        } else {
            let owner = refs
                .first()
                .and_then(|&r| crate::symbolize(r))
                .and_then(|x| x.3)
                .unwrap_or_else(|| "the module".into());
            kernfs::add_text(
                &path,
                format!("modhost: reading this /proc file calls {owner}'s proc_ops/seq_file code, which the host kernel does not model\n"),
            );
        }
        pde
    })
}

fn reg_mode(mode: u32) -> Option<u32> {
    let mut m = mode;
    if m & S_IFMT == 0 {
        m |= S_IFREG;
    }
    if m & S_IALLUGO == 0 {
        m |= 0o444;
    }
    (m & S_IFMT == S_IFREG).then_some(m)
}

pub(crate) fn create_reg(name: u64, mode: u32, parent: u64, data: u64, ops: u64) -> u64 {
    let Some(m) = reg_mode(mode) else {
        warn("proc_create_reg: not a regular file mode");
        return 0;
    };
    let mut refs = vec![ops];
    if data != 0 {
        refs.push(data);
    }
    create(name, parent, m, data, refs)
}

crate::kfn! {
    /// `proc_create_data(name, mode, parent, proc_ops, data)`.
    fn proc_create_data(name: u64, mode: u32, parent: u64, ops: u64, data: u64) -> u64 {
        create_reg(name, mode, parent, data, ops)
    }
}

crate::kfn! {
    /// `proc_create(name, mode, parent, proc_ops)`.
    fn proc_create(name: u64, mode: u32, parent: u64, ops: u64) -> u64 {
        create_reg(name, mode, parent, 0, ops)
    }
}

crate::kfn! {
    /// `proc_create_seq_private(name, mode, parent, seq_ops, state_size, data)`.
    fn proc_create_seq_private(name: u64, mode: u32, parent: u64, ops: u64, state_size: u32, data: u64) -> u64 {
        let _ = state_size;
        create_reg(name, mode, parent, data, ops)
    }
}

crate::kfn! {
    /// `proc_create_single_data(name, mode, parent, show, data)`.
    fn proc_create_single_data(name: u64, mode: u32, parent: u64, show: u64, data: u64) -> u64 {
        create_reg(name, mode, parent, data, show)
    }
}

fn mkdir(name: u64, mode: u32, parent: u64, data: u64) -> u64 {
    let m = if mode == 0 { 0o555 } else { mode };
    create(name, parent, S_IFDIR | m, data, if data != 0 { vec![data] } else { vec![] })
}

crate::kfn! {
    /// `proc_mkdir(name, parent)`.
    fn proc_mkdir(name: u64, parent: u64) -> u64 {
        mkdir(name, 0, parent, 0)
    }
}
crate::kfn! {
    /// `proc_mkdir_mode(name, mode, parent)`.
    fn proc_mkdir_mode(name: u64, mode: u32, parent: u64) -> u64 {
        mkdir(name, mode, parent, 0)
    }
}
crate::kfn! {
    /// `proc_mkdir_data(name, mode, parent, data)`.
    fn proc_mkdir_data(name: u64, mode: u32, parent: u64, data: u64) -> u64 {
        mkdir(name, mode, parent, data)
    }
}

crate::kfn! {
    /// `_proc_mkdir(name, mode, parent, data, force_lookup)` (what
    /// `proc_net_mkdir` inlines); `force_lookup` only changes how Linux
    /// caches lookups.
    fn _proc_mkdir(name: u64, mode: u32, parent: u64, data: u64, force_lookup: bool) -> u64 {
        let _ = force_lookup;
        mkdir(name, mode, parent, data)
    }
}

crate::kfn! {
    /// `proc_set_size(de, size)`: the size `stat` reports (views have none).
    fn proc_set_size(de: u64, size: i64) {
        with(|s| {
            if let Some(p) = s.pdes.get_mut(&de) {
                p.size = size;
            }
        });
    }
}

crate::kfn! {
    /// `proc_set_user(de, uid, gid)`: the owner `stat` reports.
    fn proc_set_user(de: u64, uid: u32, gid: u32) {
        with(|s| {
            if let Some(p) = s.pdes.get_mut(&de) {
                p.owner = (uid, gid);
            }
        });
    }
}

fn remove_tree(s: &mut State, pde: u64) {
    let Some(p) = s.pdes.get(&pde) else { return };
    let path = p.path.clone();
    let prefix = format!("{path}/");
    kernfs::remove(&path);
    let gone: Vec<String> = s
        .by_path
        .keys()
        .filter(|k| **k == path || k.starts_with(&prefix))
        .cloned()
        .collect();
    for k in gone {
        if let Some(a) = s.by_path.remove(&k) {
            s.pdes.remove(&a);
        }
    }
}

/// Finds `name` (which may hold `/`) under `parent`.
fn lookup(s: &State, name: &str, parent: u64) -> Option<u64> {
    let dir = if parent == 0 { s.root } else { parent };
    let base = &s.pdes.get(&dir)?.path;
    s.by_path.get(&format!("{base}/{name}")).copied()
}

crate::kfn! {
    /// `remove_proc_entry(name, parent)`.
    fn remove_proc_entry(name: u64, parent: u64) {
        let n = String::from_utf8_lossy(&cbytes(name)).into_owned();
        with(|s| {
            let Some(pde) = lookup(s, &n, parent) else {
                warn(&format!("name '{n}'"));
                return;
            };
            let p = &s.pdes[&pde];
            if p.dir {
                let prefix = format!("{}/", p.path);
                let mut kids: Vec<&String> = s.by_path.keys().filter(|k| k.starts_with(&prefix) && !k[prefix.len()..].contains('/')).collect();
                kids.sort();
                if let Some(first) = kids.first() {
                    let pname = s.pdes.get(&p.parent).map(|x| x.name.clone()).unwrap_or_default();
                    warn(&format!(
                        "remove_proc_entry: removing non-empty directory '{pname}/{}', leaking at least '{}'",
                        p.name,
                        &first[prefix.len()..]
                    ));
                }
            }
            remove_tree(s, pde);
        });
    }
}

crate::kfn! {
    /// `remove_proc_subtree(name, parent)`: 0 or -ENOENT.
    fn remove_proc_subtree(name: u64, parent: u64) -> i32 {
        let n = String::from_utf8_lossy(&cbytes(name)).into_owned();
        with(|s| match lookup(s, &n, parent) {
            Some(pde) => {
                remove_tree(s, pde);
                0
            }
            None => -ENOENT,
        })
    }
}

crate::kfn! {
    /// `proc_remove(de)`: removes the entry and everything under it.
    fn proc_remove(de: u64) {
        if de == 0 {
            return;
        }
        with(|s| {
            if s.pdes.get(&de).is_some_and(|p| !p.builtin) {
                remove_tree(s, de);
            }
        });
    }
}

/// The view path of a live entry (tests).
pub fn pde_path(de: u64) -> Option<String> {
    with(|s| s.pdes.get(&de).map(|p| p.path.clone()))
}

/// The `data` of an entry (what `pde_data(inode)` gives on Linux).
pub fn pde_data_of(de: u64) -> Option<u64> {
    with(|s| s.pdes.get(&de).map(|p| p.data))
}

fn purge(start: u64, end: u64) {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(s) = g.as_mut() else { return };
    let gone: Vec<u64> = s
        .pdes
        .iter()
        .filter(|(_, p)| p.refs.iter().any(|&r| r >= start && r < end))
        .map(|(&a, _)| a)
        .collect();
    for a in gone {
        remove_tree(s, a);
    }
}
crate::purge_on_module_free!(purge);

crate::kfn! {
    /// `struct proc_dir_entry *proc_symlink(name, parent, dest)`: a link
    /// (S_IFLNK 0777) whose target is a copy of `dest`; NULL on a bad name
    /// or a name in use (with proc_register's warning).
    fn proc_symlink(name: u64, parent: u64, dest: u64) -> u64 {
        if dest == 0 {
            return 0;
        }
        let target = String::from_utf8_lossy(&cbytes(dest)).into_owned();
        let pde = create(name, parent, S_IFLNK | 0o777, 0, Vec::new());
        if pde != 0 {
            if let Some(path) = pde_path(pde) {
                kernfs::remove(&path);
                kernfs::add_link(&path, &target);
            }
        }
        pde
    }
}
