package network

import (
	"math/rand/v2"
	"slices"

	"github.com/otehub/hub"
)

// Partition is a division of a graph's nodes into communities.
type Partition struct {
	// Community maps every node id to its community, numbered from 0 in
	// the order of each community's smallest node id.
	Community map[string]int
	// Count is the number of communities.
	Count int
	// Modularity is the partition's modularity (see Modularity).
	Modularity float64
}

// louvainThreshold is the least modularity gain for which Louvain goes on
// to another level (networkx's default).
const louvainThreshold = 1e-7

// Communities finds communities with the Louvain method (Blondel et al.
// 2008), as networkx's louvain_communities: on the undirected simple
// graph, each level moves nodes one at a time, in an order shuffled with
// the seed, to the neighbouring community of largest modularity gain
// until no move gains, then merges each community into one node; it
// stops when a level gains less than 1e-7. The same graph and seed give
// the same partition. Isolated nodes are communities of their own.
//
// Louvain ends in a local optimum that depends on the order: on a small
// graph (at most restartBudget nodes and edges in all) it runs from up
// to maxRestarts orders drawn from the seed and keeps the partition of
// highest modularity, which costs little there and spares callers an
// unlucky order (on the OTE dataset one order in four ends 0.025 below
// the others).
//
// Errors: ETOOLARGE above MaxNodes/MaxEdges. Time O(E) per pass over the
// nodes, usually a few passes per level and a few levels (near-linear in
// practice); space O(V+E).
func Communities(g *Graph, seed int64) (*Partition, error) {
	ix, err := g.checkSize("community detection", MaxNodes, MaxEdges)
	if err != nil {
		return nil, err
	}
	restarts := 1
	if size := len(g.Nodes) + ix.m; size > 0 {
		restarts = min(maxRestarts, max(1, restartBudget/size))
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6a09e667f3bcc909))
	var best *Partition
	for range restarts {
		p, err := louvain(g, ix, rng)
		if err != nil {
			return nil, err
		}
		if best == nil || p.Modularity > best.Modularity {
			best = p
		}
	}
	return best, nil
}

const (
	// maxRestarts bounds the Louvain runs on one small graph.
	maxRestarts = 8
	// restartBudget is the nodes plus edges that restarts may cover in
	// all: a graph of that size or more gets one run.
	restartBudget = 20_000
)

// louvain is one Louvain run in the order rng draws.
func louvain(g *Graph, ix *index, rng *rand.Rand) (*Partition, error) {
	n := len(g.Nodes)
	comm := make([]int, n) // community of each node of g
	for i := range comm {
		comm[i] = i
	}
	if ix.m > 0 {
		lg := levelGraph(ix)
		m := float64(ix.m)
		mod := modularity(ix, comm)
		for {
			// Levels are few, each a pass over the graph: look at every one.
			if err := g.interrupted(0); err != nil {
				return nil, err
			}
			moved, improved := lg.oneLevel(m, rng)
			if !improved {
				break
			}
			// Community of each node of g: that of its level node.
			for i := range comm {
				comm[i] = moved[comm[i]]
			}
			next := modularity(ix, comm)
			if next-mod <= louvainThreshold {
				break
			}
			mod = next
			lg = lg.aggregate(moved)
		}
	}
	// Renumber by smallest member (positions are in id order).
	ids := map[int]int{}
	for i, c := range comm {
		if _, ok := ids[c]; !ok {
			ids[c] = len(ids)
		}
		comm[i] = ids[c]
	}
	return &Partition{Community: byNode(g, comm), Count: len(ids), Modularity: modularity(ix, comm)}, nil
}

// wgraph is a weighted undirected graph of one Louvain level: the nodes
// are the communities of the level below.
type wgraph struct {
	nbr  [][]arc   // other nodes, ascending
	self []float64 // self-loop weight: the edges inside the community
	deg  []float64 // weighted degree, self-loops counted twice
}

type arc struct {
	to int
	w  float64
}

func levelGraph(ix *index) *wgraph {
	n := len(ix.nbr)
	g := &wgraph{nbr: make([][]arc, n), self: make([]float64, n), deg: make([]float64, n)}
	for u, vs := range ix.nbr {
		g.nbr[u] = make([]arc, len(vs))
		for i, v := range vs {
			g.nbr[u][i] = arc{v, 1}
		}
		g.deg[u] = float64(len(vs))
	}
	return g
}

// oneLevel moves nodes between communities until no move gains
// modularity. It returns each node's community (renumbered 0..c-1 in
// order of first appearance) and whether any node moved. m is the total
// edge weight of the original graph.
func (g *wgraph) oneLevel(m float64, rng *rand.Rand) ([]int, bool) {
	n := len(g.nbr)
	node2com := make([]int, n)
	tot := make([]float64, n) // total degree of each community
	for i := range node2com {
		node2com[i] = i
		tot[i] = g.deg[i]
	}
	order := rng.Perm(n)
	improved := false
	w2c := make([]float64, n) // weight from the current node to each community
	var touched []int
	for moves := 1; moves > 0; {
		moves = 0
		for _, u := range order {
			touched = touched[:0]
			for _, a := range g.nbr[u] {
				c := node2com[a.to]
				if w2c[c] == 0 {
					touched = append(touched, c)
				}
				w2c[c] += a.w
			}
			own, d := node2com[u], g.deg[u]
			tot[own] -= d
			// Gain of moving u from its community (after taking it out)
			// into c, as in networkx's _one_level.
			remove := -w2c[own]/m + tot[own]*d/(2*m*m)
			best, bestGain := own, 0.0
			for _, c := range touched {
				gain := remove + w2c[c]/m - tot[c]*d/(2*m*m)
				if gain > bestGain {
					best, bestGain = c, gain
				}
			}
			tot[best] += d
			if best != own {
				node2com[u] = best
				moves++
				improved = true
			}
			for _, c := range touched {
				w2c[c] = 0
			}
		}
	}
	ids := map[int]int{}
	for i, c := range node2com {
		if _, ok := ids[c]; !ok {
			ids[c] = len(ids)
		}
		node2com[i] = ids[c]
	}
	return node2com, improved
}

// aggregate returns the graph whose nodes are the communities of comm.
func (g *wgraph) aggregate(comm []int) *wgraph {
	c := slices.Max(comm) + 1
	h := &wgraph{nbr: make([][]arc, c), self: make([]float64, c), deg: make([]float64, c)}
	weights := make([]map[int]float64, c)
	for i := range weights {
		weights[i] = map[int]float64{}
	}
	for u, arcs := range g.nbr {
		cu := comm[u]
		h.self[cu] += g.self[u]
		h.deg[cu] += g.deg[u]
		for _, a := range arcs {
			cv := comm[a.to]
			if cu == cv {
				// Each inner edge is seen from both ends.
				h.self[cu] += a.w / 2
			} else {
				weights[cu][cv] += a.w
			}
		}
	}
	for cu, ws := range weights {
		for cv, w := range ws {
			h.nbr[cu] = append(h.nbr[cu], arc{cv, w})
		}
		slices.SortFunc(h.nbr[cu], func(a, b arc) int { return a.to - b.to })
	}
	return h
}

// Modularity returns the modularity of a partition of g's nodes (a
// community label per node id, every node labelled) on the undirected
// simple graph: the sum over communities c of L_c/m − (d_c/2m)², where m
// is the number of edges, L_c the edges inside c and d_c the sum of the
// degrees of c's nodes — networkx's community.modularity with resolution
// 1. A graph without edges has modularity 0.
//
// Errors: EINVALID when a node has no label or a label names a node not
// in g; ETOOLARGE above MaxNodes/MaxEdges. Time O(V+E), space O(V).
func Modularity(g *Graph, partition map[string]int) (float64, error) {
	ix, err := g.checkSize("modularity", MaxNodes, MaxEdges)
	if err != nil {
		return 0, err
	}
	if len(partition) != len(g.Nodes) {
		for id := range partition {
			if _, ok := ix.pos[id]; !ok {
				return 0, hub.Errorf(hub.EINVALID, "the partition names node %q, which is not in the graph", id)
			}
		}
	}
	labels := map[int]int{}
	comm := make([]int, len(g.Nodes))
	for i, nd := range g.Nodes {
		c, ok := partition[nd.ID]
		if !ok {
			return 0, hub.Errorf(hub.EINVALID, "the partition leaves out node %q", nd.ID)
		}
		if _, ok := labels[c]; !ok {
			labels[c] = len(labels)
		}
		comm[i] = labels[c]
	}
	return modularity(ix, comm), nil
}

// modularity computes the modularity of comm (labels 0..V-1).
func modularity(ix *index, comm []int) float64 {
	if ix.m == 0 {
		return 0
	}
	n := len(comm)
	inner := make([]float64, n) // twice the edges inside each community
	deg := make([]float64, n)
	for u, vs := range ix.nbr {
		deg[comm[u]] += float64(len(vs))
		for _, v := range vs {
			if comm[v] == comm[u] {
				inner[comm[u]]++
			}
		}
	}
	m := float64(ix.m)
	q := 0.0
	for c := range n {
		if deg[c] > 0 {
			q += inner[c]/(2*m) - (deg[c]/(2*m))*(deg[c]/(2*m))
		}
	}
	return q
}
