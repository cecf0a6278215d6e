//! Dependency ordering with cycle detection, for locals, objects, modules and outputs.
//!
//! Iterative depth-first search (no recursion, so deep chains cannot overflow the stack),
//! O(nodes + edges). Produces an order in which every node comes after the nodes it depends
//! on (except along cycles), and every cycle as the path of edges that closes it.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Span;

/// `edges[n]` lists what `n` depends on, each with the span of the reference.
pub struct Graph<N: Ord + Clone> {
    pub edges: BTreeMap<N, Vec<(N, Span)>>,
}

/// One cycle: `(from, to, span)` edges in order; the last edge returns to the first node.
pub type Cycle<N> = Vec<(N, N, Span)>;

pub struct Ordered<N> {
    /// Dependencies first.
    pub order: Vec<N>,
    pub cycles: Vec<Cycle<N>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    InProgress,
    Done,
}

impl<N: Ord + Clone> Graph<N> {
    pub fn order(&self) -> Ordered<N> {
        let mut marks: BTreeMap<&N, Mark> = BTreeMap::new();
        let mut order = Vec::with_capacity(self.edges.len());
        let mut cycles: Vec<Cycle<N>> = Vec::new();
        let mut seen_cycles: BTreeSet<Vec<N>> = BTreeSet::new();
        let empty: Vec<(N, Span)> = Vec::new();
        for start in self.edges.keys() {
            if marks.contains_key(start) {
                continue;
            }
            // Stack of (node, next edge index).
            let mut stack: Vec<(&N, usize)> = vec![(start, 0)];
            marks.insert(start, Mark::InProgress);
            while let Some(&(node, idx)) = stack.last() {
                let deps = self.edges.get(node).unwrap_or(&empty);
                if idx >= deps.len() {
                    marks.insert(node, Mark::Done);
                    order.push(node.clone());
                    stack.pop();
                    continue;
                }
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let (dep, _) = &deps[idx];
                match marks.get(dep) {
                    Some(Mark::Done) => {}
                    Some(Mark::InProgress) => {
                        let pos = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle = Vec::new();
                        for (n, i) in &stack[pos..] {
                            let edges = self.edges.get(*n).unwrap_or(&empty);
                            if let Some((to, span)) = i.checked_sub(1).and_then(|i| edges.get(i)) {
                                cycle.push(((*n).clone(), to.clone(), span.clone()));
                            }
                        }
                        let mut key: Vec<N> = cycle.iter().map(|(n, _, _)| n.clone()).collect();
                        key.sort();
                        if seen_cycles.insert(key) {
                            cycles.push(cycle);
                        }
                    }
                    None => {
                        if self.edges.contains_key(dep) {
                            marks.insert(dep, Mark::InProgress);
                            stack.push((dep, 0));
                        }
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
        let mut edges = BTreeMap::new();
        edges.insert("a", vec![("b", sp())]);
        edges.insert("b", vec![("c", sp())]);
        edges.insert("c", vec![]);
        edges.insert("x", vec![("y", sp())]);
        edges.insert("y", vec![("x", sp())]);
        let o = Graph { edges }.order();
        let pos = |n| o.order.iter().position(|x| *x == n).unwrap();
        assert!(pos("c") < pos("b") && pos("b") < pos("a"));
        assert_eq!(o.cycles.len(), 1);
        let names: Vec<_> = o.cycles[0].iter().map(|(f, t, _)| (*f, *t)).collect();
        assert_eq!(names, [("x", "y"), ("y", "x")]);
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let mut edges = BTreeMap::new();
        for i in 0..200_000u32 {
            edges.insert(i, if i > 0 { vec![(i - 1, sp())] } else { vec![] });
        }
        let o = Graph { edges }.order();
        assert_eq!(o.order.len(), 200_000);
        assert!(o.cycles.is_empty());
    }
}
