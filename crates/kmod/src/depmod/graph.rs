//! Dependency order and cycle reporting (depmod's
//! `depmod_calculate_dependencies` and `depmod_report_cycles`).
//!
//! Modules are numbered by their index in the module array; `deps[m]` lists
//! the modules `m` uses, in the order they were found.

use std::collections::HashSet;

/// Kahn's algorithm as depmod runs it: modules without users are pushed in
/// array order on a stack, popped LIFO, and numbered in pop order. Returns
/// each module's number, or (on a cycle) the user counts that are left.
pub fn topo_sort(deps: &[Vec<usize>], users: &[u32]) -> Result<Vec<usize>, Vec<u32>> {
    let n = deps.len();
    let mut left = users.to_vec();
    let mut stack: Vec<usize> = (0..n).filter(|&i| left[i] == 0).collect();
    let mut topo = vec![usize::MAX; n];
    let mut k = 0;
    while let Some(m) = stack.pop() {
        topo[m] = k;
        k += 1;
        for &d in &deps[m] {
            left[d] -= 1;
            if left[d] == 0 {
                stack.push(d);
            }
        }
    }
    if k < n {
        Err(left)
    } else {
        Ok(topo)
    }
}

/// How many DFS steps the faithful cycle report may take before it is
/// considered runaway (kmod would explore an exponentially large tree).
const STEP_BUDGET: usize = 4_000_000;

/// The cycle report: the lines depmod prints (without the `depmod: ERROR: `
/// prefix, each ending in a newline), `Found N modules in dependency
/// cycles!` last.
///
/// The report reproduces kmod 30's algorithm exactly as long as kmod's
/// would terminate normally. kmod 30 loops forever when the search from one
/// cycle reaches another cycle that does not pass through its start, and
/// aborts on an assertion when its fixed-size stack overflows; at that
/// point this report stops imitating it and completes the report from the
/// strongly connected components instead: for every module in a cycle that
/// has not been named yet, a shortest cycle through it is printed. The
/// count is then the number of modules on all printed cycles.
pub fn report_cycles(deps: &[Vec<usize>], left: &[u32], names: &[&[u8]]) -> Vec<Vec<u8>> {
    let n = deps.len();
    let mut roots: Vec<usize> = (0..n).filter(|&i| left[i] > 0).collect();
    let stack_size = roots.len();

    let mut visited = vec![false; n];
    let mut in_loop: HashSet<usize> = HashSet::new();
    let mut lines = Vec::new();
    let mut steps = 0usize;
    let mut runaway = false;

    // kmod_list_remove_data() returns the node *after* the removed one as
    // the list's new head: removing from the middle of the (circular)
    // list rotates it.
    let remove = |roots: &mut Vec<usize>, m: usize| {
        if let Some(p) = roots.iter().position(|&r| r == m) {
            roots.remove(p);
            if !roots.is_empty() {
                let p = p % roots.len();
                roots.rotate_left(p);
            }
        }
    };

    'roots: while !roots.is_empty() {
        let root = roots.remove(0);
        // Vertices: (module, parent vertex).
        let mut vertices: Vec<(usize, usize)> = vec![(root, usize::MAX)];
        let mut stack = vec![0usize];
        while let Some(v) = stack.pop() {
            steps += 1;
            let m = vertices[v].0;
            if visited[m] && m == root {
                // Report the chain root -> ... -> parent -> root.
                let mut chain = Vec::new();
                let mut p = vertices[v].1;
                while p != usize::MAX {
                    chain.push(vertices[p].0);
                    p = vertices[p].1;
                }
                chain.reverse();
                lines.push(cycle_line(&chain, m, names, &mut in_loop));
                for &c in &chain {
                    remove(&mut roots, c);
                }
                continue;
            }
            // A module repeated on the path (other than the root): kmod
            // would never leave this subtree.
            if m != root {
                let mut p = vertices[v].1;
                while p != usize::MAX {
                    if vertices[p].0 == m {
                        runaway = true;
                        break 'roots;
                    }
                    p = vertices[p].1;
                }
            }
            visited[m] = true;
            if deps[m].is_empty() {
                remove(&mut roots, m);
                continue;
            }
            if stack.len() + deps[m].len() > stack_size || steps > STEP_BUDGET {
                runaway = true;
                break 'roots;
            }
            for &d in &deps[m] {
                vertices.push((d, v));
                stack.push(vertices.len() - 1);
            }
        }
    }

    if runaway {
        complete_from_sccs(deps, names, &mut in_loop, &mut lines);
    }
    lines.push(format!("Found {} modules in dependency cycles!\n", in_loop.len()).into_bytes());
    lines
}

/// `Cycle detected: <chain> -> <back>`; the chain's modules are now known
/// to be in a loop.
fn cycle_line(chain: &[usize], back: usize, names: &[&[u8]], in_loop: &mut HashSet<usize>) -> Vec<u8> {
    let mut line = b"Cycle detected: ".to_vec();
    for &c in chain {
        in_loop.insert(c);
        line.extend_from_slice(names[c]);
        line.extend_from_slice(b" -> ");
    }
    line.extend_from_slice(names[back]);
    line.push(b'\n');
    line
}

/// Names every module that lies on a cycle: for each such module not yet
/// in `in_loop` (array order), prints a shortest cycle through it.
fn complete_from_sccs(deps: &[Vec<usize>], names: &[&[u8]], in_loop: &mut HashSet<usize>, lines: &mut Vec<Vec<u8>>) {
    let comp = sccs(deps);
    let n = deps.len();
    let mut size = vec![0usize; n];
    for &c in &comp {
        size[c] += 1;
    }
    for m in 0..n {
        let cyclic = size[comp[m]] > 1 || deps[m].contains(&m);
        if !cyclic || in_loop.contains(&m) {
            continue;
        }
        // Breadth-first search from m back to m inside its component. m is
        // never marked as visited: reaching it again is what ends the search.
        let mut prev = vec![usize::MAX; n];
        let mut queue = std::collections::VecDeque::from([m]);
        let mut found = None;
        while found.is_none() {
            let Some(u) = queue.pop_front() else { break };
            for &d in &deps[u] {
                if comp[d] != comp[m] {
                    continue;
                }
                if d == m {
                    found = Some(u);
                    break;
                }
                if prev[d] == usize::MAX {
                    prev[d] = u;
                    queue.push_back(d);
                }
            }
        }
        let Some(last) = found else { continue };
        let mut chain = vec![];
        let mut u = last;
        while u != m {
            chain.push(u);
            u = prev[u];
        }
        chain.push(m);
        chain.reverse();
        lines.push(cycle_line(&chain, m, names, in_loop));
    }
}

/// Strongly connected components (iterative Tarjan): a component id per
/// module.
fn sccs(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut ncomp = 0;
    for s in 0..n {
        if index[s] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(s, 0)];
        index[s] = next;
        low[s] = next;
        next += 1;
        stack.push(s);
        on_stack[s] = true;
        while let Some(&mut (v, ref mut i)) = call.last_mut() {
            if *i < deps[v].len() {
                let w = deps[v][*i];
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = ncomp;
                        if w == v {
                            break;
                        }
                    }
                    ncomp += 1;
                }
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)]) -> (Vec<Vec<usize>>, Vec<u32>) {
        let mut deps = vec![Vec::new(); n];
        let mut users = vec![0; n];
        for &(a, b) in edges {
            deps[a].push(b);
            users[b] += 1;
        }
        (deps, users)
    }

    fn report(n: usize, edges: &[(usize, usize)]) -> Vec<String> {
        let (deps, users) = graph(n, edges);
        let left = topo_sort(&deps, &users).unwrap_err();
        let names: Vec<Vec<u8>> = (0..n).map(|i| format!("m{i}").into_bytes()).collect();
        let names: Vec<&[u8]> = names.iter().map(|v| &v[..]).collect();
        report_cycles(&deps, &left, &names).into_iter().map(|l| String::from_utf8(l).unwrap()).collect()
    }

    #[test]
    fn topo_is_lifo() {
        // 0 -> 1, 2 -> 1: roots 0 and 2; 2 popped first.
        let (deps, users) = graph(3, &[(0, 1), (2, 1)]);
        assert_eq!(topo_sort(&deps, &users).unwrap(), vec![1, 2, 0]);
    }

    #[test]
    fn simple_cycles() {
        assert_eq!(report(2, &[(0, 1), (1, 0)]), vec!["Cycle detected: m0 -> m1 -> m0\n", "Found 2 modules in dependency cycles!\n"]);
        assert_eq!(report(1, &[(0, 0)]), vec!["Cycle detected: m0 -> m0\n", "Found 1 modules in dependency cycles!\n"]);
    }

    #[test]
    fn runaway_terminates() {
        // x <-> y, y -> z, z <-> w: kmod 30 hangs; all four are named.
        let r = report(4, &[(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)]);
        assert_eq!(r.last().unwrap(), "Found 4 modules in dependency cycles!\n");
        assert!(r.iter().any(|l| l.contains("m2 -> m3 -> m2") || l.contains("m3 -> m2 -> m3")), "{r:?}");
    }
}
