package network

import (
	"container/heap"
	"encoding/binary"
	"slices"

	"github.com/otehub/hub"
)

// Limits of the path searches.
const (
	// MaxK is the largest number of paths ShortestPaths returns.
	MaxK = 100
	// MaxAllPaths is the largest limit of AllShortestPaths.
	MaxAllPaths = 1_000
)

// Path is a walk through the graph without repeated nodes: NodeIDs[i] and
// NodeIDs[i+1] are the ends of EdgeIDs[i], so there is one edge fewer than
// nodes. When several relationships join two consecutive nodes, the path
// names the one with the smallest id.
type Path struct {
	NodeIDs []string
	EdgeIDs []string
}

// Len is the number of edges of the path.
func (p Path) Len() int { return len(p.EdgeIDs) }

// pathFinder searches one graph in one mode.
type pathFinder struct {
	g        *Graph
	ix       *index
	directed bool
	// dist, queue and the blocked marks are scratch space reused by
	// every search.
	dist    []int
	queue   []int
	blocked []bool
}

func newPathFinder(g *Graph, ix *index, directed bool) *pathFinder {
	f := &pathFinder{g: g, ix: ix, directed: directed, dist: make([]int, len(g.Nodes)), blocked: make([]bool, len(g.Nodes))}
	return f
}

// next and prev are the nodes one step after and before u (ascending,
// which is id order).
func (f *pathFinder) next(u int) []int {
	if f.directed {
		return f.ix.succ[u]
	}
	return f.ix.nbr[u]
}

func (f *pathFinder) prev(u int) []int {
	if f.directed {
		return f.ix.pred[u]
	}
	return f.ix.nbr[u]
}

// endpoints resolves the ids and checks the path arguments shared by both
// searches.
func (f *pathFinder) endpoints(from, to string, maxLength int) (int, int, error) {
	s, ok := f.ix.pos[from]
	if !ok {
		return 0, 0, hub.Errorf(hub.ENOTFOUND, "node %q is not in the graph", from)
	}
	t, ok := f.ix.pos[to]
	if !ok {
		return 0, 0, hub.Errorf(hub.ENOTFOUND, "node %q is not in the graph", to)
	}
	if maxLength < 0 {
		return 0, 0, hub.Errorf(hub.EINVALID, "maxLength must not be negative (0 means no bound), got %d", maxLength)
	}
	return s, t, nil
}

// distancesTo fills f.dist with the distance of every node to t, walking
// backwards and skipping blocked nodes and the arcs in cut (from the
// node cutFrom), until it reaches s or distance bound. It reports the
// distance of s, or -1 when s cannot reach t within bound.
func (f *pathFinder) distancesTo(s, t, bound, cutFrom int, cut []int) int {
	for i := range f.dist {
		f.dist[i] = -1
	}
	f.dist[t] = 0
	f.queue = append(f.queue[:0], t)
	for head := 0; head < len(f.queue); head++ {
		v := f.queue[head]
		if f.dist[v] == bound {
			break
		}
		for _, u := range f.prev(v) {
			if f.dist[u] >= 0 || f.blocked[u] || (u == cutFrom && slices.Contains(cut, v)) {
				continue
			}
			f.dist[u] = f.dist[v] + 1
			if u == s {
				return f.dist[u]
			}
			f.queue = append(f.queue, u)
		}
	}
	return f.dist[s]
}

// smallest returns the lexicographically smallest (by node ids) among the
// shortest paths from s to t of at most bound edges that avoid the
// blocked nodes and the arcs cutFrom→cut, or nil.
//
// Time O(V+E).
func (f *pathFinder) smallest(s, t, bound, cutFrom int, cut []int) []int {
	if s == t {
		return []int{s}
	}
	d := f.distancesTo(s, t, bound, cutFrom, cut)
	if d < 0 {
		return nil
	}
	p := make([]int, 0, d+1)
	p = append(p, s)
	for u := s; u != t; {
		for _, v := range f.next(u) {
			// dist was only filled up to s's level, but every node on a
			// shortest path is closer to t than s is, so it is set.
			if f.dist[v] == f.dist[u]-1 && f.dist[v] >= 0 && !(u == cutFrom && slices.Contains(cut, v)) {
				u = v
				break
			}
		}
		p = append(p, u)
	}
	return p
}

// path turns node positions into a Path, choosing for each step the
// relationship with the smallest id (the first in index order).
func (f *pathFinder) path(nodes []int) Path {
	p := Path{NodeIDs: make([]string, len(nodes)), EdgeIDs: make([]string, 0, len(nodes)-1)}
	for i, u := range nodes {
		p.NodeIDs[i] = f.g.Nodes[u].ID
		if i == 0 {
			continue
		}
		prev, best := nodes[i-1], -1
		for _, e := range f.ix.out[prev] {
			if f.ix.to[e] == u {
				best = e
				break
			}
		}
		if !f.directed {
			for _, e := range f.ix.in[prev] {
				if f.ix.from[e] == u && (best < 0 || e < best) {
					best = e
					break
				}
			}
		}
		p.EdgeIDs = append(p.EdgeIDs, f.g.Edges[best].ID)
	}
	return p
}

// ShortestPaths returns the k shortest simple paths from one node to
// another with at most maxLength edges (0: no bound), shortest first;
// paths of equal length come in lexicographic order of their node ids,
// so the answer is deterministic. Edges are unweighted. directed follows
// relationships from their from-end only; otherwise direction is
// ignored. A path from a node to itself is that node alone. No path is an
// empty answer, not an error.
//
// It is Yen's algorithm with breadth-first spur searches that return the
// lexicographically smallest shortest spur path; since that order is
// compatible with extending a common prefix, Yen's argument gives the
// k smallest paths in (length, node ids) order.
//
// Errors: ENOTFOUND for an id not in g, EINVALID for k outside 1..MaxK or
// a negative maxLength, ETOOLARGE for a graph above
// MaxBetweennessNodes/MaxBetweennessEdges.
//
// Time O(k·L·(V+E)) for paths of at most L edges (L ≤ V), space
// O(V + k·L²) for the candidate paths.
func ShortestPaths(g *Graph, from, to string, maxLength, k int, directed bool) ([]Path, error) {
	ix, err := g.checkSize("the k shortest paths", MaxBetweennessNodes, MaxBetweennessEdges)
	if err != nil {
		return nil, err
	}
	if k < 1 || k > MaxK {
		return nil, hub.Errorf(hub.EINVALID, "k must be between 1 and %d, got %d", MaxK, k)
	}
	f := newPathFinder(g, ix, directed)
	s, t, err := f.endpoints(from, to, maxLength)
	if err != nil {
		return nil, err
	}
	bound := maxLength
	if bound == 0 {
		bound = len(g.Nodes)
	}
	first := f.smallest(s, t, bound, -1, nil)
	if first == nil {
		return []Path{}, nil
	}
	found := [][]int{first}
	seen := map[string]bool{key(first): true}
	cands := &candidates{}
	for len(found) < k {
		// Each round searches once per node of the last path.
		if err := g.interrupted(0); err != nil {
			return nil, err
		}
		last := found[len(found)-1]
		for i := 0; i < len(last)-1; i++ {
			spur, root := last[i], last[:i+1]
			// Cut the next step of every path found with this root, and
			// block the root's other nodes, so that the spur path
			// deviates here and stays simple.
			var cut []int
			for _, p := range found {
				if len(p) > i+1 && slices.Equal(p[:i+1], root) {
					cut = append(cut, p[i+1])
				}
			}
			for _, u := range root[:i] {
				f.blocked[u] = true
			}
			sp := f.smallest(spur, t, bound-i, spur, cut)
			for _, u := range root[:i] {
				f.blocked[u] = false
			}
			if sp == nil {
				continue
			}
			c := slices.Concat(root[:i], sp)
			if kc := key(c); !seen[kc] {
				seen[kc] = true
				heap.Push(cands, candidate{nodes: c, ids: f.ids(c)})
			}
		}
		if cands.Len() == 0 {
			break
		}
		found = append(found, heap.Pop(cands).(candidate).nodes)
	}
	out := make([]Path, len(found))
	for i, p := range found {
		out[i] = f.path(p)
	}
	return out, nil
}

func (f *pathFinder) ids(nodes []int) []string {
	out := make([]string, len(nodes))
	for i, u := range nodes {
		out[i] = f.g.Nodes[u].ID
	}
	return out
}

// key identifies a path by its node positions, for the set of
// candidates already seen.
func key(nodes []int) string {
	b := make([]byte, 0, 4*len(nodes))
	for _, u := range nodes {
		b = binary.BigEndian.AppendUint32(b, uint32(u))
	}
	return string(b)
}

type candidate struct {
	nodes []int
	ids   []string
}

// candidates is a heap of paths by length, then node ids.
type candidates []candidate

func (c candidates) Len() int { return len(c) }
func (c candidates) Less(i, j int) bool {
	if len(c[i].ids) != len(c[j].ids) {
		return len(c[i].ids) < len(c[j].ids)
	}
	return slices.Compare(c[i].ids, c[j].ids) < 0
}
func (c candidates) Swap(i, j int) { c[i], c[j] = c[j], c[i] }
func (c *candidates) Push(x any)   { *c = append(*c, x.(candidate)) }
func (c *candidates) Pop() any {
	old := *c
	x := old[len(old)-1]
	*c = old[:len(old)-1]
	return x
}

// AllShortestPaths returns every shortest path from one node to another
// (at most maxLength edges, 0: no bound), in lexicographic order of their
// node ids, at most limit of them (1..MaxAllPaths): the first limit in
// that order. A caller that must know whether there are more asks for
// one more than it shows. Modes, errors and the edge choice are those of
// ShortestPaths.
//
// Time O(V+E + P·L) for P paths of L edges, space O(V + P·L).
func AllShortestPaths(g *Graph, from, to string, maxLength int, directed bool, limit int) ([]Path, error) {
	ix, err := g.checkSize("shortest paths", MaxNodes, MaxEdges)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxAllPaths {
		return nil, hub.Errorf(hub.EINVALID, "limit must be between 1 and %d, got %d", MaxAllPaths, limit)
	}
	f := newPathFinder(g, ix, directed)
	s, t, err := f.endpoints(from, to, maxLength)
	if err != nil {
		return nil, err
	}
	if s == t {
		return []Path{f.path([]int{s})}, nil
	}
	bound := maxLength
	if bound == 0 {
		bound = len(g.Nodes)
	}
	if f.distancesTo(s, t, bound, -1, nil) < 0 {
		return []Path{}, nil
	}
	// Every node v with dist[v] = dist[u]-1 after u lies on a shortest
	// path, so a depth-first walk in ascending order lists the paths in
	// lexicographic order without dead ends.
	var out []Path
	stack := []int{s}
	var walk func(u int) bool
	walk = func(u int) bool {
		if u == t {
			out = append(out, f.path(stack))
			return len(out) < limit
		}
		for _, v := range f.next(u) {
			if f.dist[v] >= 0 && f.dist[v] == f.dist[u]-1 {
				stack = append(stack, v)
				more := walk(v)
				stack = stack[:len(stack)-1]
				if !more {
					return false
				}
			}
		}
		return true
	}
	walk(s)
	return out, nil
}
