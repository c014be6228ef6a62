package graph_test

import (
	"slices"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

func TestNetworkQueries(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	yho, kainuu := hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote"), hub.NodeID(hub.KindPilot, "kainuu-polut-kuntoon")

	t.Run("every shortest path between two pilots, one through Kela", func(t *testing.T) {
		var resp struct {
			Paths []struct {
				Length int
				Nodes  []struct{ Key string }
				Edges  []struct{ Type string }
			}
		}
		MustQuery(t, c, `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxLength: 4) { length nodes { key } edges { type } } }`, &resp,
			client.Var("a", yho), client.Var("b", kainuu))
		viaKela := false
		for _, p := range resp.Paths {
			if p.Length != 2 || len(p.Nodes) != 3 || len(p.Edges) != 2 {
				t.Errorf("path %+v", p)
			}
			viaKela = viaKela || p.Nodes[1].Key == "kela"
		}
		if len(resp.Paths) == 0 || !viaKela {
			t.Errorf("paths %+v, want one through Kela (partner in both)", resp.Paths)
		}
	})

	t.Run("no path within maxLength is an empty list, a missing node NOT_FOUND", func(t *testing.T) {
		var resp struct{ Paths []struct{ Length int } }
		// The two pilots are two steps apart (through Kela).
		MustQuery(t, c, `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxLength: 1) { length } }`, &resp,
			client.Var("a", yho), client.Var("b", kainuu))
		if resp.Paths == nil || len(resp.Paths) != 0 {
			t.Errorf("paths %+v, want an empty list", resp.Paths)
		}
		// Before the programme began, neither pilot is in the network.
		MustQuery(t, c, `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, asOf: "2000-01-01") { length } }`, &resp,
			client.Var("a", yho), client.Var("b", kainuu))
		if resp.Paths == nil || len(resp.Paths) != 0 {
			t.Errorf("paths on a day without the pilots %+v, want an empty list", resp.Paths)
		}
		MustFailWith(t, c, "NOT_FOUND", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b) { length } }`,
			client.Var("a", yho), client.Var("b", hub.NodeID(hub.KindPilot, "no-such-pilot")))
	})

	t.Run("k shortest paths come in order of length", func(t *testing.T) {
		var resp struct{ Paths []struct{ Length int } }
		MustQuery(t, c, `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxLength: 4, first: 8) { length } }`, &resp,
			client.Var("a", yho), client.Var("b", kainuu))
		var lengths []int
		for _, p := range resp.Paths {
			lengths = append(lengths, p.Length)
		}
		if len(lengths) != 8 || !slices.IsSorted(lengths) {
			t.Errorf("lengths %v", lengths)
		}
	})

	t.Run("the neighbourhood is cut deterministically and says so", func(t *testing.T) {
		var a, b struct {
			Neighbourhood struct {
				Truncated bool
				Nodes     []struct{ ID string }
			}
		}
		q := `query($a: ID!) { neighbourhood(id: $a, limit: 4) { truncated nodes { id } } }`
		MustQuery(t, c, q, &a, client.Var("a", yho))
		MustQuery(t, c, q, &b, client.Var("a", yho))
		if !a.Neighbourhood.Truncated || len(a.Neighbourhood.Nodes) != 4 || !slices.Equal(ids(a.Neighbourhood.Nodes), ids(b.Neighbourhood.Nodes)) {
			t.Errorf("%+v / %+v", a, b)
		}
	})

	t.Run("Kela brokers between two pilots", func(t *testing.T) {
		var resp struct {
			NetworkMetrics struct {
				Modularity float64
				Brokers    []struct {
					Node   struct{ Key string }
					Pilots []struct{ Key string }
					Score  int
				}
				Nodes []struct {
					Node        struct{ Key, Kind string }
					Betweenness float64
				}
			}
		}
		MustQuery(t, c, `{ networkMetrics(kinds: [Organisation, Employer, Pilot], relationshipTypes: [ADMINISTERS, PARTNER_IN, EXPERT_FOR]) {
			modularity brokers { node { key } pilots { key } score } nodes { node { key kind } betweenness } } }`, &resp)
		m := resp.NetworkMetrics
		if len(m.Brokers) == 0 || m.Brokers[0].Node.Key != "kela" || len(m.Brokers[0].Pilots) != 2 || m.Brokers[0].Score != 1 {
			t.Errorf("brokers %+v", m.Brokers)
		}
		// Among organisations only Kela lies between two pilots.
		for _, n := range m.Nodes {
			if n.Node.Kind != "Pilot" && (n.Betweenness > 0) != (n.Node.Key == "kela") {
				t.Errorf("%s: betweenness %v", n.Node.Key, n.Betweenness)
			}
		}
		if m.Modularity <= 0 {
			t.Errorf("modularity %v", m.Modularity)
		}
	})

	t.Run("bad network arguments are refused", func(t *testing.T) {
		for _, q := range []string{
			`{ paths(from: "x!", to: "y!") { length } }`,
			`{ paths(from: "UGlsb3Q6eA", to: "UGlsb3Q6eQ", maxLength: 9) { length } }`,
			`{ network(depth: 9, center: ["UGlsb3Q6eA"]) { truncated } }`,
			`{ network(center: ["UGlsb3Q6eA"], kinds: [Pilot]) { truncated } }`,
			`{ networkDiff(from: "2019-01-01", to: "2017-01-01") { endedNodes { name } } }`,
		} {
			_, errs := MustErrors(t, c, q)
			if len(errs) == 0 || (errs[0].code() != "BAD_USER_INPUT" && errs[0].code() != "LIMIT_EXCEEDED") {
				t.Errorf("%s: %+v", q, errs)
			}
		}
	})
}

func ids(nodes []struct{ ID string }) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.ID)
	}
	return out
}
