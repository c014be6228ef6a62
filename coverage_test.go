package hub_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/storetest"
	"github.com/otehub/hub/synthetic"
)

// Coverage against a naive count over the provision rows: a cell per
// service and region of a row, counting its rows and the distinct
// providers, in name order. On the OTE dataset (one provider per cell)
// and a small synthetic network (several).
func TestCoverageCountsTheProvisionRows(t *testing.T) {
	ote := storetest.Embedded(t)
	if err := dataset.Seed(t.Context(), ote); err != nil {
		t.Fatal(err)
	}
	small := storetest.Embedded(t)
	if err := synthetic.Load(t.Context(), small, synthetic.Generate(synthetic.Small(1))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    storetest.Store
		f    hub.ProvisionFilter
	}{
		{"OTE", ote, hub.ProvisionFilter{}},
		{"OTE Kymenlaakso", ote, hub.ProvisionFilter{RegionIDs: []string{hub.NodeID(hub.KindRegion, "08")}}},
		{"synthetic", small, hub.ProvisionFilter{}},
	} {
		s, f := tc.s, tc.f
		t.Run(tc.name, func(t *testing.T) {
			rows, err := hub.ProvisionRows(t.Context(), s, f)
			if err != nil {
				t.Fatal(err)
			}
			type cell struct {
				rows      int
				providers map[string]string
			}
			want := map[string]*cell{}
			for _, r := range rows {
				for _, region := range r.RegionIDs {
					k := r.ServiceID + " " + region
					if want[k] == nil {
						want[k] = &cell{providers: map[string]string{}}
					}
					want[k].rows++
					want[k].providers[r.ProviderID] = r.ProviderName
				}
			}
			got, err := hub.Coverage(t.Context(), s, f)
			if err != nil {
				t.Fatal(err)
			}
			most := 0
			for _, c := range got {
				most = max(most, len(c.Providers))
			}
			t.Logf("%d cells, at most %d providers in one", len(got), most)
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%d cells, want %d", len(got), len(want))
			}
			if !slices.IsSortedFunc(got, func(a, b hub.CoverageCell) int {
				return cmp.Or(strings.Compare(a.ServiceID, b.ServiceID), strings.Compare(a.RegionID, b.RegionID))
			}) {
				t.Error("cells are not in service, region order")
			}
			for _, c := range got {
				w := want[c.ServiceID+" "+c.RegionID]
				if w == nil {
					t.Errorf("cell %s × %s is not in the rows", c.ServiceID, c.RegionID)
					continue
				}
				names := make([]string, len(c.Providers))
				for i, p := range c.Providers {
					names[i] = w.providers[p]
				}
				if c.Provisions != w.rows || len(c.Providers) != len(w.providers) || !slices.IsSorted(names) {
					t.Errorf("cell %s × %s: %d rows, providers %v (%v); want %d rows, providers %v",
						c.ServiceID, c.RegionID, c.Provisions, c.Providers, names, w.rows, w.providers)
				}
			}
		})
	}
}
