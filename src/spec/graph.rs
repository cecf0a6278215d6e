//! Dependency ordering with cycle detection, for locals, objects, modules and outputs.
//!
//! Iterative depth-first search (no recursion, so deep chains cannot overflow the stack),
//! O(nodes + edges). Produces an order in which every node comes after the nodes it depends
//! on (except along cycles), and every cycle as the path of edges that closes it.

use std::collections::BTreeSet;

use crate::diag::Span;

/// Nodes are the indices `0..edges.len()`; `edges[n]` lists what `n` depends on, each with the
/// span of the reference. Callers number their nodes (in the order they want them visited) and
/// keep the names: indices make every mark and lookup an array access, where keying maps by
/// node names cost a string comparison per step on a spec of thousands of blocks.
pub struct Graph {
    pub edges: Vec<Vec<(usize, Span)>>,
}

/// One cycle: `(from, to, span)` edges in order; the last edge returns to the first node.
pub type Cycle = Vec<(usize, usize, Span)>;

pub struct Ordered {
    /// Dependencies first.
    pub order: Vec<usize>,
    pub cycles: Vec<Cycle>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    New,
    InProgress,
    Done,
}

impl Graph {
    /// Depth-first from each node in index order, so the order is deterministic. An edge to an
    /// index outside the graph is ignored.
    pub fn order(&self) -> Ordered {
        let n = self.edges.len();
        let mut marks = vec![Mark::New; n];
        let mut order = Vec::with_capacity(n);
        let mut cycles: Vec<Cycle> = Vec::new();
        let mut seen_cycles: BTreeSet<Vec<usize>> = BTreeSet::new();
        for start in 0..n {
            if marks[start] != Mark::New {
                continue;
            }
            // Stack of (node, next edge index).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::InProgress;
            while let Some(&(node, idx)) = stack.last() {
                let deps = &self.edges[node];
                if idx >= deps.len() {
                    marks[node] = Mark::Done;
                    order.push(node);
                    stack.pop();
                    continue;
                }
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let dep = deps[idx].0;
                match marks.get(dep) {
                    None | Some(Mark::Done) => {}
                    Some(Mark::InProgress) => {
                        let pos = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle = Vec::new();
                        for &(n, i) in &stack[pos..] {
                            if let Some((to, span)) =
                                i.checked_sub(1).and_then(|i| self.edges[n].get(i))
                            {
                                cycle.push((n, *to, span.clone()));
                            }
                        }
                        let mut key: Vec<usize> = cycle.iter().map(|(n, _, _)| *n).collect();
                        key.sort_unstable();
                        if seen_cycles.insert(key) {
                            cycles.push(cycle);
                        }
                    }
                    Some(Mark::New) => {
                        marks[dep] = Mark::InProgress;
                        stack.push((dep, 0));
                    }
                }
            }
        }
        Ordered { order, cycles }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn sp() -> Span {
        Span::file_start(FileId(0))
    }

    #[test]
    fn orders_and_finds_cycles() {
        // a=0 -> b=1 -> c=2; x=3 <-> y=4; an edge out of the graph (99) is ignored.
        let edges = vec![
            vec![(1, sp())],
            vec![(2, sp()), (99, sp())],
            vec![],
            vec![(4, sp())],
            vec![(3, sp())],
        ];
        let o = Graph { edges }.order();
        let pos = |n| o.order.iter().position(|x| *x == n).unwrap();
        assert!(pos(2) < pos(1) && pos(1) < pos(0));
        assert_eq!(o.order.len(), 5);
        assert_eq!(o.cycles.len(), 1);
        let names: Vec<_> = o.cycles[0].iter().map(|(f, t, _)| (*f, *t)).collect();
        assert_eq!(names, [(3, 4), (4, 3)]);
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let edges = (0..200_000usize)
            .map(|i| if i > 0 { vec![(i - 1, sp())] } else { vec![] })
            .collect();
        let o = Graph { edges }.order();
        assert_eq!(o.order.len(), 200_000);
        assert!(o.cycles.is_empty());
    }
}
