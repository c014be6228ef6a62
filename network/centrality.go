package network

import (
	"errors"
	"math"

	"github.com/otehub/hub"
)

// Degrees are the degrees of one node.
type Degrees struct {
	// In, Out and Total count relationships (the directed multigraph:
	// parallel relationships each count, a self-loop counts once in and
	// once out).
	In, Out, Total int
	// Neighbours is the degree in the undirected simple graph: the
	// number of other nodes joined to this one.
	Neighbours int
	// Centrality is Neighbours / (V-1), networkx's degree_centrality
	// (1 in a graph of one node).
	Centrality float64
}

// Degree returns the degrees of every node.
//
// Errors: ETOOLARGE above MaxNodes/MaxEdges. Time O(V+E), space O(V).
func Degree(g *Graph) (map[string]Degrees, error) {
	ix, err := g.checkSize("degree", MaxNodes, MaxEdges)
	if err != nil {
		return nil, err
	}
	n := len(g.Nodes)
	out := make([]Degrees, n)
	for i := range out {
		d := &out[i]
		d.In, d.Out, d.Neighbours = len(ix.in[i]), len(ix.out[i]), len(ix.nbr[i])
		d.Total = d.In + d.Out
		if n <= 1 {
			d.Centrality = 1
		} else {
			d.Centrality = float64(d.Neighbours) / float64(n-1)
		}
	}
	return byNode(g, out), nil
}

// Betweenness returns the betweenness centrality of every node: the sum,
// over pairs of other nodes s ≠ t, of the fraction of shortest s–t paths
// that pass through the node (Brandes' algorithm, each unordered pair
// once). normalized divides by (V-1)(V-2)/2, the number of such pairs, as
// networkx's betweenness_centrality(G, normalized=True) does.
//
// Errors: ETOOLARGE above MaxBetweennessNodes/MaxBetweennessEdges.
// Time O(V·E), space O(V+E).
func Betweenness(g *Graph, normalized bool) (map[string]float64, error) {
	ix, err := g.checkSize("betweenness", MaxBetweennessNodes, MaxBetweennessEdges)
	if err != nil {
		return nil, err
	}
	n := len(g.Nodes)
	bc := make([]float64, n)
	off, adj := ix.flat()
	var (
		order = make([]int32, 0, n) // nodes in the order BFS reaches them
		dag   []int32               // shortest-path steps v→w, as pairs, in BFS order
		sigma = make([]float64, n)
		dist  = make([]int32, n)
		delta = make([]float64, n)
	)
	for i := range dist {
		dist[i] = -1
	}
	for s := range n {
		if err := g.interrupted(s); err != nil {
			return nil, err
		}
		sigma[s], dist[s] = 1, 0
		order = append(order[:0], int32(s))
		dag = dag[:0]
		for head := 0; head < len(order); head++ {
			v := order[head]
			dv, sv := dist[v]+1, sigma[v]
			for _, w := range adj[off[v]:off[v+1]] {
				if dist[w] < 0 {
					dist[w] = dv
					order = append(order, w)
				}
				if dist[w] == dv {
					sigma[w] += sv
					dag = append(dag, v, w)
				}
			}
		}
		// Accumulate dependencies backwards: a step v→w is recorded when
		// v leaves the queue, and w leaves it later, so in reverse order
		// every step out of w comes before v→w: delta[w] is complete
		// when it is used.
		for i := len(dag) - 2; i >= 0; i -= 2 {
			v, w := dag[i], dag[i+1]
			delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
		}
		for _, v := range order[1:] {
			bc[v] += delta[v]
		}
		for _, v := range order {
			sigma[v], dist[v], delta[v] = 0, -1, 0
		}
	}
	// Each unordered pair was counted from both ends.
	scale := 0.5
	if normalized {
		scale = 0
		if n > 2 {
			scale = 1 / float64((n-1)*(n-2))
		}
	}
	for i := range bc {
		bc[i] *= scale
	}
	return byNode(g, bc), nil
}

// Closeness returns the closeness centrality of every node with the
// Wasserman–Faust correction for disconnected graphs, as networkx's
// closeness_centrality(G, wf_improved=True): for a node u that reaches
// r-1 other nodes at total distance D, (r-1)/D · (r-1)/(V-1), and 0 for a
// node that reaches none.
//
// Errors: ETOOLARGE above MaxBetweennessNodes/MaxBetweennessEdges.
// Time O(V·(V+E)), space O(V).
func Closeness(g *Graph) (map[string]float64, error) {
	ix, err := g.checkSize("closeness", MaxBetweennessNodes, MaxBetweennessEdges)
	if err != nil {
		return nil, err
	}
	n := len(g.Nodes)
	cc := make([]float64, n)
	off, adj := ix.flat()
	dist := make([]int32, n)
	queue := make([]int32, 0, n)
	for i := range dist {
		dist[i] = -1
	}
	for s := range n {
		if err := g.interrupted(s); err != nil {
			return nil, err
		}
		dist[s] = 0
		queue = append(queue[:0], int32(s))
		total := 0
		for head := 0; head < len(queue); head++ {
			v := queue[head]
			total += int(dist[v])
			for _, w := range adj[off[v]:off[v+1]] {
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					queue = append(queue, w)
				}
			}
		}
		if total > 0 && n > 1 {
			r := float64(len(queue) - 1)
			cc[s] = r / float64(total) * (r / float64(n-1))
		}
		for _, v := range queue {
			dist[v] = -1
		}
	}
	return byNode(g, cc), nil
}

// Eigenvector limits, those the tests check against networkx with.
const (
	EigenvectorTolerance = 1e-10
	EigenvectorMaxIter   = 10_000
)

// ErrNotConverged is the cause of the error Eigenvector returns when the
// power iteration does not converge (test it with errors.Is).
var ErrNotConverged = errors.New("power iteration did not converge")

// Eigenvector returns the eigenvector centrality of every node: the
// Perron vector of the adjacency matrix A of the undirected simple graph,
// with Euclidean norm 1. It is networkx's eigenvector_centrality(G,
// max_iter=10000, tol=1e-10), step for step: starting from the uniform
// vector 1/V, it iterates x ← (A+I)x / ‖(A+I)x‖ (adding I shifts the
// spectrum so that bipartite graphs, whose eigenvalues ±λ have the same
// modulus, converge too) until the L1 change is below V·tol.
//
// On a disconnected graph the answer depends on that starting vector:
// components whose largest eigenvalue is the graph's keep their share of
// it, the others decay towards 0; it is still networkx's answer.
//
// Errors: EINVALID wrapping ErrNotConverged after EigenvectorMaxIter
// iterations (a long path or cycle converges that slowly); ETOOLARGE
// above MaxNodes/MaxEdges. An empty graph gives an empty map.
// Time O(iterations·(V+E)), space O(V).
func Eigenvector(g *Graph) (map[string]float64, error) {
	ix, err := g.checkSize("eigenvector centrality", MaxNodes, MaxEdges)
	if err != nil {
		return nil, err
	}
	n := len(g.Nodes)
	if n == 0 {
		return map[string]float64{}, nil
	}
	x := make([]float64, n)
	last := make([]float64, n)
	for i := range x {
		x[i] = 1 / float64(n)
	}
	for iter := range EigenvectorMaxIter {
		if err := g.interrupted(iter); err != nil {
			return nil, err
		}
		x, last = last, x
		copy(x, last)
		for u := range n {
			for _, v := range ix.nbr[u] {
				x[v] += last[u]
			}
		}
		norm := 0.0
		for _, v := range x {
			norm += v * v
		}
		if norm = math.Sqrt(norm); norm == 0 {
			norm = 1
		}
		change := 0.0
		for i := range x {
			x[i] /= norm
			change += math.Abs(x[i] - last[i])
		}
		if change < float64(n)*EigenvectorTolerance {
			return byNode(g, x), nil
		}
	}
	return nil, hub.Wrap(hub.EINVALID, ErrNotConverged,
		"eigenvector centrality did not converge in 10000 iterations on this graph")
}
