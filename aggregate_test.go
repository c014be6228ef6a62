package hub_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

// Measures are exact and say when there is nothing to measure.
func TestGroupByMeasures(t *testing.T) {
	f := newPrepareFixture(t)
	funder := f.node(hub.KindOrganisation, "rahoittaja")
	b := &hub.Batch{Nodes: []*hub.Node{funder}}
	// Ten figures of 0.10 EUR to the pilot: a float64 sum in euros
	// would not be 1.
	for i := range 10 {
		r := f.rel(hub.Funds, funder, f.pilot, string(rune('a'+i)))
		r.Amount = &hub.Money{Minor: 10, Currency: "EUR"}
		b.Relationships = append(b.Relationships, r)
	}
	// A PARTNER_IN relationship has no amount.
	b.Relationships = append(b.Relationships, f.rel(hub.PartnerIn, funder, f.pilot, ""))
	if err := hub.Prepare(t.Context(), f.store, b, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	groups, err := hub.GroupBy(t.Context(), f.store, &hub.GroupSpec{
		Collection: hub.GroupRelationships, By: []hub.GroupKey{{Field: hub.ByType}},
		Measure: hub.MeasureAmount, Funding: hub.FundingEvery,
	})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]hub.Group{}
	for _, g := range groups {
		byType[g.Keys[0]] = g
	}
	funds := byType[string(hub.Funds)]
	if funds.Count != 10 || funds.Sum == nil || *funds.Sum != 1 || *funds.Min != 0.1 || *funds.Max != 0.1 || *funds.Avg != 0.1 {
		t.Errorf("FUNDS group: count %d, sum/min/max/avg %v %v %v %v; want 10 figures summing to exactly 1", funds.Count, deref(funds.Sum), deref(funds.Min), deref(funds.Max), deref(funds.Avg))
	}
	partners, ok := byType[string(hub.PartnerIn)]
	if !ok || partners.Count != 1 {
		t.Fatalf("PARTNER_IN group: %+v", partners)
	}
	if partners.Sum != nil || partners.Min != nil || partners.Max != nil || partners.Avg != nil {
		t.Errorf("a group without amounts has sum/min/max/avg %v %v %v %v, want none", deref(partners.Sum), deref(partners.Min), deref(partners.Max), deref(partners.Avg))
	}
	buckets, err := hub.FundingTotals(t.Context(), f.store, hub.GroupKey{Field: hub.ByToKey}, hub.FundingEvery, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 1 || buckets[0].TotalMinor != 100 || buckets[0].Total != 1 {
		t.Errorf("funding buckets %+v, want one of exactly 100 cents", buckets)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// An equal split of a figure among three regions is exact to the cent:
// 100.01 EUR is 33.34 + 33.34 + 33.33, the extra cents going to the first
// regions by id, and the buckets add up to the figure.
func TestFundingEqualSplitCents(t *testing.T) {
	f := newPrepareFixture(t)
	funder := f.node(hub.KindOrganisation, "rahoittaja")
	b := &hub.Batch{Nodes: []*hub.Node{funder}}
	var regions []string
	for i, name := range []string{"Satakunta", "Pirkanmaa", "Kainuu"} {
		r := &hub.Node{Kind: hub.KindRegion, Key: strings.ToLower(name), Type: "REGION", Code: string(rune('2' + i)), Name: hub.LocalizedText{FI: name}, Sources: f.region.Sources}
		b.Nodes = append(b.Nodes, r)
		regions = append(regions, hub.NodeID(hub.KindRegion, strings.ToLower(name)))
	}
	pilot := f.node(hub.KindPilot, "kolmen-maakunnan")
	pilot.RegionIDs = regions
	b.Nodes = append(b.Nodes, pilot)
	r := f.rel(hub.Funds, funder, pilot, "")
	r.Amount = &hub.Money{Minor: 10001, Currency: "EUR"}
	b.Relationships = append(b.Relationships, r)
	if err := hub.Prepare(t.Context(), f.store, b, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		split hub.FundingSplit
		want  []int64 // in region id order
	}{
		{hub.FundingEqual, []int64{3334, 3334, 3333}},
		{hub.FundingInEach, []int64{10001, 10001, 10001}},
	} {
		buckets, err := hub.FundingTotalsSplit(t.Context(), f.store, hub.GroupKey{Field: hub.ByToRegion}, hub.FundingHighest, tc.split, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, b := range buckets {
			got[b.Key] = b.TotalMinor
		}
		sorted := slices.Sorted(slices.Values(regions))
		for i, id := range sorted {
			if got[id] != tc.want[i] {
				t.Errorf("%s: region %s has %d cents, want %d (all: %v)", tc.split, id, got[id], tc.want[i], got)
			}
		}
	}
	if _, err := hub.FundingTotalsSplit(t.Context(), f.store, hub.GroupKey{Field: hub.ByToRegion}, hub.FundingHighest, "HALF", nil, nil, nil); hub.ErrorCode(err) != hub.EINVALID {
		t.Errorf("an unknown split: %v, want EINVALID", err)
	}
}
