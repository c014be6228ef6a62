package mongodb_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

// The conformance suite checks that Select answers like the generic
// evaluator; this test checks that it answers in the database: every
// condition that does not fold case, nest relationship conditions deeper
// than MaxPushedNesting, nest one without types or hold more than
// MaxPushedLookups of them is one aggregate command, with no read
// through the Store primitives and no find on the server, and the others
// are left to the generic evaluator.
func TestSelectRunsInTheDatabase(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	applyWhereNetwork(t, s)
	client := topClient(t, uri)
	cases := storetest.WhereCases()
	generic := func(tc storetest.WhereCase) bool {
		deepest, untypedNested, conditions := shape(tc.Where, 0)
		return tc.Folds || deepest > mongodb.MaxPushedNesting || untypedNested || conditions > mongodb.MaxPushedLookups
	}
	// Pushed conditions first, so that the server's find counters can
	// only move for them if they run finds.
	slices.SortStableFunc(cases, func(x, y storetest.WhereCase) int {
		switch {
		case generic(x) == generic(y):
			return 0
		case generic(y):
			return -1
		}
		return 1
	})
	counting := &countingStore{Store: s}
	before := topQueries(t, client, s.Database())
	matched := 0
	for i, tc := range cases {
		if generic(tc) && (i == 0 || !generic(cases[i-1])) {
			if after := topQueries(t, client, s.Database()); !maps.Equal(after, before) {
				t.Errorf("the server ran finds for pushed conditions: %v before, %v after", before, after)
			}
		}
		counting.reads = 0
		ids, err := hub.Select(t.Context(), counting, tc.Base, tc.Where, tc.AsOf)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		switch {
		case generic(tc) && counting.reads == 0:
			t.Errorf("%s: answered without the generic evaluator", tc.Name)
		case !generic(tc) && counting.reads != 0:
			t.Errorf("%s: read rows through %d Store calls", tc.Name, counting.reads)
		}
		if len(ids) > 0 {
			matched++
		}
	}
	// The cases are not all vacuous.
	if matched < len(cases)/2 {
		t.Errorf("only %d of %d conditions match any node", matched, len(cases))
	}
}

// OrganisationsInPilots selects in the database and then reads only the
// selected organisations' participations: one find and one lookup.
func TestOrganisationsInPilotsReadsOnlyTheAnswer(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	applyWhereNetwork(t, s)
	counting := &countingStore{Store: s}
	ps, err := hub.OrganisationsInPilots(t.Context(), counting, 2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("got %d organisations, want 2", len(ps))
	}
	if counting.finds != 1 || len(counting.nodeIDs) != 1 {
		t.Errorf("%d finds and %d node lookups, want 1 and 1", counting.finds, len(counting.nodeIDs))
	}
}

// shape describes the relationship conditions of w, found at nesting
// depth: how deep they nest, whether a nested one names no types, and
// how many there are.
func shape(w *hub.Where, depth int) (deepest int, untypedNested bool, conditions int) {
	if w == nil {
		return depth, false, 0
	}
	deepest = depth
	for _, sub := range slices.Concat(w.And, w.Or, []*hub.Where{w.Not}) {
		d, u, n := shape(sub, depth)
		deepest, untypedNested, conditions = max(deepest, d), untypedNested || u, conditions+n
	}
	for _, r := range w.Relationships {
		d, u, n := shape(r.Where, depth+1)
		deepest, untypedNested = max(deepest, d), untypedNested || u || (depth > 0 && len(r.Types) == 0)
		conditions += 1 + n
	}
	return deepest, untypedNested, conditions
}

// applyWhereNetwork loads storetest.WhereNetwork into s.
func applyWhereNetwork(t *testing.T, s *mongodb.Store) {
	t.Helper()
	b := storetest.WhereNetwork()
	if err := hub.Prepare(t.Context(), s, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
}
