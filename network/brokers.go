package network

import (
	"cmp"
	"slices"

	"github.com/otehub/hub"
)

// MaxBrokerPairs bounds the pilot pairs Brokers examines (the sum over
// organisations of p(p-1)/2 for p pilots each).
const MaxBrokerPairs = 10_000_000

// Broker is an organisation that alone connects pilots.
type Broker struct {
	NodeID string
	// Pilots is the number of pilots the organisation takes part in.
	Pilots int
	// Pairs is the number of pairs of those pilots that share no other
	// organisation: the pairs it alone connects. It is the score.
	Pairs int
}

// Brokers ranks the organisations (kinds Organisation and Employer) that
// connect otherwise separate pilots.
//
// An organisation takes part in a pilot when a relationship of g, of any
// type and in either direction, joins them. Two pilots share an
// organisation when both take part in it. An organisation's score is the
// number of pairs of its pilots that share no other organisation: in
// the bipartite pilots–organisations graph, the pairs of pilots whose
// only path of length 2 goes through it. Organisations with a score of 0
// are left out; the rest are sorted by score (descending), then by id.
//
// Errors: ETOOLARGE above MaxNodes/MaxEdges or MaxBrokerPairs.
// Time O(V + E + P) and space O(V + P) for the P pilot pairs examined.
func Brokers(g *Graph) ([]Broker, error) {
	ix, err := g.checkSize("brokers", MaxNodes, MaxEdges)
	if err != nil {
		return nil, err
	}
	isOrg := func(i int) bool {
		k := g.Nodes[i].Kind
		return k == hub.KindOrganisation || k == hub.KindEmployer
	}
	isPilot := func(i int) bool { return g.Nodes[i].Kind == hub.KindPilot }
	pilots := map[int][]int{} // organisation → its pilots, ascending
	total := 0
	for u := range g.Nodes {
		if err := g.interrupted(u); err != nil {
			return nil, err
		}
		if !isOrg(u) {
			continue
		}
		var ps []int
		for _, v := range ix.nbr[u] {
			if isPilot(v) {
				ps = append(ps, v)
			}
		}
		if len(ps) > 0 {
			pilots[u] = ps
			if total += len(ps) * (len(ps) - 1) / 2; total > MaxBrokerPairs {
				return nil, hub.Errorf(hub.ETOOLARGE, "brokers examines at most %d pilot pairs: narrow the subgraph", MaxBrokerPairs)
			}
		}
	}
	// shared counts the organisations each pilot pair shares.
	type pair struct{ a, b int }
	shared := map[pair]int{}
	for _, ps := range pilots {
		for i, a := range ps {
			for _, b := range ps[i+1:] {
				shared[pair{a, b}]++
			}
		}
	}
	var out []Broker
	for u, ps := range pilots {
		alone := 0
		for i, a := range ps {
			for _, b := range ps[i+1:] {
				if shared[pair{a, b}] == 1 {
					alone++
				}
			}
		}
		if alone > 0 {
			out = append(out, Broker{NodeID: g.Nodes[u].ID, Pilots: len(ps), Pairs: alone})
		}
	}
	slices.SortFunc(out, func(a, b Broker) int {
		if c := cmp.Compare(b.Pairs, a.Pairs); c != 0 {
			return c
		}
		return cmp.Compare(a.NodeID, b.NodeID)
	})
	return out, nil
}
