package index_test

import (
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/storetest"
)

// A kind's first page in name order comes from a cached order: it must
// answer as the general path does, and follow writes.
func TestFirstPageByNameFollowsWrites(t *testing.T) {
	_, s := open(t)
	nodes := []*hub.Node{storetest.Source()}
	for _, key := range []string{"d", "b", "e", "a", "c"} {
		nodes = append(nodes, storetest.Org(key))
	}
	mustApply(t, s, nodes...)
	orgs := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}
	keys := func(first int) string {
		t.Helper()
		byName := hub.ListOptions{OrderBy: []hub.Order{{Field: hub.OrderByName}}, First: first}
		nodes, more, err := s.FindNodes(t.Context(), orgs, byName)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, n := range nodes {
			out += n.Key
		}
		// The general path, for comparison: a second condition that
		// every organisation meets turns the cache off.
		all, allMore, err := s.FindNodes(t.Context(), hub.NodeFilter{Kinds: orgs.Kinds, Types: hub.NodeTypes(hub.KindOrganisation)}, byName)
		if err != nil {
			t.Fatal(err)
		}
		general := ""
		for _, n := range all {
			general += n.Key
		}
		if out != general || more != allMore {
			t.Errorf("cached first page %q (more %v), general %q (more %v)", out, more, general, allMore)
		}
		return out
	}
	page := func() string {
		t.Helper()
		keys(hub.Unlimited) // checked against the general path too
		return keys(3)
	}
	if got := page(); got != "abc" {
		t.Errorf("first page %q, want abc", got)
	}
	renamed := storetest.Org("e")
	renamed.Name.FI = "Aaa organisaatio"
	mustApply(t, s, renamed, storetest.Org("0"))
	// "Aaa organisaatio" now sorts first, "Organisaatio 0" before "… a".
	if got := page(); got != "e0a" {
		t.Errorf("first page after writes %q, want e0a", got)
	}
}
