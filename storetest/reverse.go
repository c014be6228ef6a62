package storetest

import (
	"slices"
	"testing"

	"github.com/otehub/hub"
)

var reverseTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"reverse pages walk every order backwards, row for row", testReversePaging},
}

// testReversePaging walks each order backwards with Reverse and checks
// it meets the forward walk's rows in exactly the opposite order.
func testReversePaging(t *testing.T, s Store) {
	var rows []any
	rows = append(rows, source())
	var last *hub.Node
	for i, name := range []string{"Beta", "alfa", "Gamma", "beta", "Delta", "Alfa", "epsilon"} {
		n := node(hub.KindOrganisation, "o"+string(rune('a'+i)), name)
		if i%2 == 0 {
			n.Period = period("2017-01-0"+string(rune('1'+i%3)), "")
		}
		rows = append(rows, n)
		if last != nil {
			rows = append(rows, rel(hub.PartnerIn, last, n, ""))
		}
		last = n
	}
	mustApply(t, s, rows...)
	nodeOrders := [][]hub.Order{{{Field: hub.OrderByName}}, {{Field: hub.OrderByName, Desc: true}}, {{Field: hub.OrderByStartDate}, {Field: hub.OrderByName, Desc: true}}, {{Field: hub.OrderByID, Desc: true}}, nil}
	for _, orders := range nodeOrders {
		f := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}
		forward, _ := mustFindNodes(t, s, f, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
		for _, size := range []int{1, 2, 3} {
			var back []string
			opts := hub.ListOptions{OrderBy: orders, First: size, Reverse: true}
			for range 20 {
				page, more := mustFindNodes(t, s, f, opts)
				for _, n := range page {
					back = append(back, n.ID)
				}
				if !more {
					break
				}
				tail := page[len(page)-1]
				opts.After = &hub.Cursor{Values: hub.NodeOrderValues(tail, orders), ID: tail.ID}
			}
			want := nodeIDs(forward)
			slices.Reverse(want)
			if !slices.Equal(back, want) {
				t.Errorf("nodes %v by %d backwards: %v, want %v", orders, size, back, want)
			}
		}
	}
	relOrders := [][]hub.Order{{{Field: hub.OrderByType}}, {{Field: hub.OrderByID, Desc: true}}}
	for _, orders := range relOrders {
		forward, _ := mustFindRelationships(t, s, hub.RelationshipFilter{}, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
		var back []string
		opts := hub.ListOptions{OrderBy: orders, First: 2, Reverse: true}
		for range 20 {
			page, more := mustFindRelationships(t, s, hub.RelationshipFilter{}, opts)
			for _, r := range page {
				back = append(back, r.ID)
			}
			if !more {
				break
			}
			tail := page[len(page)-1]
			opts.After = &hub.Cursor{Values: hub.RelationshipOrderValues(tail, orders), ID: tail.ID}
		}
		want := relIDs(forward)
		slices.Reverse(want)
		if !slices.Equal(back, want) {
			t.Errorf("relationships %v backwards: %v, want %v", orders, back, want)
		}
	}
}
