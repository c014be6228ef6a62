package network

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/otehub/hub"
)

// Limits of the algorithms. An input above a limit is an ETOOLARGE error,
// so that one request cannot occupy the server for minutes; raise them
// here after measuring.
const (
	// MaxNodes and MaxEdges bound the input of the near-linear
	// algorithms: Degree, Eigenvector, Communities, Modularity, Brokers
	// and the path searches' graph.
	MaxNodes = 100_000
	MaxEdges = 1_000_000
	// MaxBetweennessNodes and MaxBetweennessEdges bound the input of the
	// O(V·E) algorithms: Betweenness, Closeness and the k shortest paths.
	MaxBetweennessNodes = 5_000
	MaxBetweennessEdges = 50_000
)

// Graph is a loaded subgraph: nodes, the relationships among them, and
// whether a limit cut it. Build it with New (or Load), which sorts both
// lists by id and indexes them; do not modify a Graph afterwards.
//
// A Graph is safe for concurrent use by the algorithms of this package.
type Graph struct {
	Nodes []*hub.Node
	Edges []*hub.Relationship
	// Truncated is true when Load cut the subgraph at its node limit:
	// the graph is then a deterministic part of the neighbourhood asked
	// for, not all of it.
	Truncated bool

	once sync.Once
	ix   *index
	err  error
	// ctx is the context of the request Load read the graph for: the
	// algorithms stop when it ends (nil for graphs from New, which
	// run to the end).
	ctx context.Context
}

// interrupted returns the error of g's context when it has ended,
// looking only at every 16th step i of a loop, so that the check costs
// nothing next to the work between two looks.
func (g *Graph) interrupted(i int) error {
	if g.ctx == nil || i%16 != 0 {
		return nil
	}
	return g.ctx.Err()
}

// index is the adjacency of a graph by node position. Positions follow
// the order of Nodes, which New sorts by id, so comparing positions
// compares ids: the deterministic tie-breaks below rely on it.
type index struct {
	pos map[string]int
	// from and to are the positions of each edge's ends.
	from, to []int
	// out and in list each node's edges (multigraph), by edge position,
	// which is id order.
	out, in [][]int
	// nbr is the undirected simple adjacency (no self-loops, parallel
	// edges once), ascending; succ and pred are its directed versions.
	nbr, succ, pred [][]int
	// m is the number of edges of the undirected simple graph.
	m int
}

// New returns a graph of the nodes and edges, both sorted by id (the
// slices are copied; the values are shared, not cloned). It fails with
// EINVALID for a nil or duplicate node or edge, or an edge with an end
// that is not among the nodes.
//
// Time O((V+E)·log(V+E)), space O(V+E).
func New(nodes []*hub.Node, edges []*hub.Relationship) (*Graph, error) {
	g := &Graph{Nodes: slices.Clone(nodes), Edges: slices.Clone(edges)}
	if slices.Contains(g.Nodes, nil) || slices.Contains(g.Edges, nil) {
		return nil, hub.Errorf(hub.EINVALID, "a graph cannot hold a nil node or relationship")
	}
	slices.SortFunc(g.Nodes, func(a, b *hub.Node) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(g.Edges, func(a, b *hub.Relationship) int { return cmp.Compare(a.ID, b.ID) })
	if _, err := g.index(); err != nil {
		return nil, err
	}
	return g, nil
}

// Has reports whether the graph holds the node id (its nodes are sorted
// by id).
func (g *Graph) Has(id string) bool {
	_, found := slices.BinarySearchFunc(g.Nodes, id, func(n *hub.Node, id string) int { return strings.Compare(n.ID, id) })
	return found
}

// index returns the graph's index, building it on first use (a Graph
// written as a literal is indexed here; its lists must then already be
// sorted by id).
func (g *Graph) index() (*index, error) {
	g.once.Do(func() { g.ix, g.err = build(g) })
	return g.ix, g.err
}

func build(g *Graph) (*index, error) {
	n := len(g.Nodes)
	ix := &index{
		pos:  make(map[string]int, n),
		from: make([]int, len(g.Edges)),
		to:   make([]int, len(g.Edges)),
		out:  make([][]int, n),
		in:   make([][]int, n),
		nbr:  make([][]int, n),
		succ: make([][]int, n),
		pred: make([][]int, n),
	}
	for i, nd := range g.Nodes {
		if nd == nil {
			return nil, hub.Errorf(hub.EINVALID, "a graph cannot hold a nil node")
		}
		if i > 0 && g.Nodes[i-1].ID >= nd.ID {
			if g.Nodes[i-1].ID == nd.ID {
				return nil, hub.Errorf(hub.EINVALID, "node %q appears twice in the graph", nd.ID)
			}
			return nil, hub.Errorf(hub.EINVALID, "graph nodes are not sorted by id: build the graph with network.New")
		}
		ix.pos[nd.ID] = i
	}
	for e, r := range g.Edges {
		if r == nil {
			return nil, hub.Errorf(hub.EINVALID, "a graph cannot hold a nil relationship")
		}
		if e > 0 && g.Edges[e-1].ID >= r.ID {
			if g.Edges[e-1].ID == r.ID {
				return nil, hub.Errorf(hub.EINVALID, "relationship %q appears twice in the graph", r.ID)
			}
			return nil, hub.Errorf(hub.EINVALID, "graph relationships are not sorted by id: build the graph with network.New")
		}
		u, okU := ix.pos[r.FromID]
		v, okV := ix.pos[r.ToID]
		if !okU || !okV {
			return nil, hub.Errorf(hub.EINVALID, "relationship %q has an end outside the graph", r.ID)
		}
		ix.from[e], ix.to[e] = u, v
		ix.out[u] = append(ix.out[u], e)
		ix.in[v] = append(ix.in[v], e)
		if u != v {
			ix.succ[u] = append(ix.succ[u], v)
			ix.pred[v] = append(ix.pred[v], u)
			ix.nbr[u] = append(ix.nbr[u], v)
			ix.nbr[v] = append(ix.nbr[v], u)
		}
	}
	for i := range n {
		ix.succ[i] = sortedSet(ix.succ[i])
		ix.pred[i] = sortedSet(ix.pred[i])
		ix.nbr[i] = sortedSet(ix.nbr[i])
		ix.m += len(ix.nbr[i])
	}
	ix.m /= 2
	return ix, nil
}

// flat returns the undirected simple adjacency as one array: the
// neighbours of u are adj[off[u]:off[u+1]]. The quadratic algorithms walk
// it V times, and a contiguous array of 32-bit positions keeps it in
// cache.
func (ix *index) flat() (off, adj []int32) {
	off = make([]int32, len(ix.nbr)+1)
	adj = make([]int32, 0, 2*ix.m)
	for u, vs := range ix.nbr {
		for _, v := range vs {
			adj = append(adj, int32(v))
		}
		off[u+1] = int32(len(adj))
	}
	return off, adj
}

func sortedSet(s []int) []int {
	slices.Sort(s)
	return slices.Clip(slices.Compact(s))
}

// checkSize returns ETOOLARGE when the graph exceeds an algorithm's
// limits. Edges count relationships (the multigraph), which bounds the
// simple graph too.
func (g *Graph) checkSize(what string, maxNodes, maxEdges int) (*index, error) {
	if len(g.Nodes) > maxNodes || len(g.Edges) > maxEdges {
		return nil, hub.Errorf(hub.ETOOLARGE,
			"%s takes at most %d nodes and %d relationships; the graph has %d and %d: narrow the subgraph",
			what, maxNodes, maxEdges, len(g.Nodes), len(g.Edges))
	}
	return g.index()
}

// byNode turns a per-position slice into a map by node id.
func byNode[T any](g *Graph, vals []T) map[string]T {
	out := make(map[string]T, len(vals))
	for i, v := range vals {
		out[g.Nodes[i].ID] = v
	}
	return out
}
