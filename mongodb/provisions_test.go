package mongodb_test

import (
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb/mongotest"
)

// The conformance suite checks that provision rows computed in the
// database answer like the generic ones; these tests check that the
// common filters really are computed there, and that a page is hydrated
// with one lookup of its relationships and one of its nodes.

func TestPushProvisionRows(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ids := coverageFixture(t, s)
	day := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
	}{
		{"every row, with providers of the same name", hub.ProvisionFilter{}},
		{"by service", hub.ProvisionFilter{ServiceIDs: []string{ids["s1"]}}},
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"METHOD"}}},
		{"by region", hub.ProvisionFilter{RegionIDs: []string{ids["r2"], ids["r3"]}}},
		{"by theme", hub.ProvisionFilter{ThemeIDs: []string{ids["t1"], ids["t2"]}}},
		{"by pilot", hub.ProvisionFilter{ContextIDs: []string{ids["p"], ids["q"]}}},
		{"by provider", hub.ProvisionFilter{ProviderIDs: []string{ids["q"]}}},
		{"by recipient", hub.ProvisionFilter{RecipientIDs: []string{ids["students"], ids["unemployed"]}}},
		{"by recipient kind and basis", hub.ProvisionFilter{RecipientKinds: []hub.Kind{hub.KindTargetGroup},
			Bases: []hub.ProvisionBasis{hub.BasisService, hub.BasisProvider}}},
		{"as of a day", hub.ProvisionFilter{AsOf: &day}},
		{"by region and theme as of a day", hub.ProvisionFilter{RegionIDs: []string{ids["r2"]}, ThemeIDs: []string{ids["t2"]}, AsOf: &day}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			raw, done, err := s.PushProvisionRows(t.Context(), &f)
			if err != nil {
				t.Fatal(err)
			}
			if !done {
				t.Fatal("PushProvisionRows declined a filter it pushes down")
			}
			want, err := hub.ProvisionRowsGeneric(t.Context(), s, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("the fixture gives no rows: nothing compared")
			}
			if len(raw) != len(want) {
				t.Errorf("pushed down %d rows, generic %d", len(raw), len(want))
			}
			got, err := hub.ProvisionRows(t.Context(), s, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pushed down:\n%+v\ngeneric:\n%+v", got, want)
			}
		})
	}
}

// Provision rows computed in the database read no document through the
// Store primitives and run no find on the server; hydrating a page of
// two rows reads their relationships and ends in one call each.
func TestPushedProvisionsRunInTheDatabase(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	ids := coverageFixture(t, s)
	client := topClient(t, uri)
	day := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
	}{
		{"every row", hub.ProvisionFilter{}},
		{"by region", hub.ProvisionFilter{RegionIDs: []string{ids["r1"]}}},
		{"by service type and recipient kind as of a day", hub.ProvisionFilter{ServiceTypes: []string{"SERVICE"},
			RecipientKinds: []hub.Kind{hub.KindTargetGroup}, AsOf: &day}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counting := &countingStore{Store: s}
			before := topQueries(t, client, s.Database())
			rows, err := hub.ProvisionRows(t.Context(), counting, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if counting.finds != 0 || len(counting.nodeIDs) != 0 || len(counting.relIDs) != 0 {
				t.Errorf("ProvisionRows read through the Store: %d finds, %d node and %d relationship lookups",
					counting.finds, len(counting.nodeIDs), len(counting.relIDs))
			}
			if after := topQueries(t, client, s.Database()); !maps.Equal(after, before) {
				t.Errorf("the server ran finds: %v before, %v after", before, after)
			}
			if len(rows) < 2 {
				t.Fatalf("the fixture gives %d rows: too few to page", len(rows))
			}
			page, err := hub.HydrateProvisions(t.Context(), counting, rows[:2])
			if err != nil {
				t.Fatal(err)
			}
			if counting.finds != 0 || len(counting.nodeIDs) != 1 || len(counting.relIDs) != 1 {
				t.Fatalf("hydrating a page: %d finds, node lookups %v, relationship lookups %v",
					counting.finds, counting.nodeIDs, counting.relIDs)
			}
			if n, r := len(counting.nodeIDs[0]), len(counting.relIDs[0]); n > 6 || r > 4 {
				t.Errorf("hydrating two rows read %d nodes and %d relationships", n, r)
			}
			want, err := hub.ProvisionsGeneric(t.Context(), s, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(page, want[:2]) {
				t.Errorf("hydrated page %+v, generic %+v", page, want[:2])
			}
			counting.finds = 0
			if _, err := hub.ProvisionsGeneric(t.Context(), counting, tc.f); err != nil {
				t.Fatal(err)
			}
			if counting.finds == 0 {
				t.Error("the generic provisions made no finds: the counter counts nothing")
			}
		})
	}
}
