package mongodb_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb/mongotest"
)

// The conformance suite checks that funding totals computed in the
// database answer like the generic ones; these tests check that the
// common requests really are computed there.

// fundingKeys renders buckets in key order with their figure ids, for
// comparing raw pushed-down buckets with the generic ones.
func fundingKeys(buckets []hub.FundingBucket) []string {
	sorted := func(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
	out := make([]string, len(buckets))
	for i, b := range buckets {
		out[i] = fmt.Sprintf("%q %s %v counted=%v figures=%v", b.Key, b.Currency, b.Total, sorted(b.CountedIDs), sorted(b.FigureIDs))
	}
	slices.Sort(out)
	return out
}

func TestPushFundingTotals(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ids := groupFixture(t, s)
	day := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	// Recipients as hub.FundingTotals passes them: selected ids.
	pilots := []string{ids["p1"], ids["p2"]}
	for _, by := range []hub.GroupField{hub.ByToRegion, hub.ByFromKey, hub.ByToParent, hub.ByToKey, hub.ByStartYear,
		hub.ByActiveYear, hub.ByType, hub.ByFromRegion, hub.ByToKind} {
		for _, policy := range []hub.FundingPolicy{hub.FundingHighest, hub.FundingLowest, hub.FundingEvery} {
			for _, sel := range []struct {
				name       string
				recipients []string
				asOf       *time.Time
			}{{"all", nil, nil}, {"as of a day", nil, &day}, {"some recipients", pilots, nil}, {"some recipients as of a day", pilots, &day}} {
				t.Run(fmt.Sprintf("%s %s %s", by, policy, sel.name), func(t *testing.T) {
					spec := &hub.FundingSpec{By: hub.GroupKey{Field: by}, Policy: policy, RecipientIDs: sel.recipients, AsOf: sel.asOf}
					got, done, err := s.PushFundingTotals(t.Context(), spec)
					if err != nil {
						t.Fatal(err)
					}
					if !done {
						t.Fatal("PushFundingTotals left the request to the generic implementation")
					}
					var recipients *hub.Where
					if sel.recipients != nil {
						recipients = &hub.Where{Filter: hub.NodeFilter{IDs: sel.recipients}}
					}
					want, err := hub.FundingTotalsGeneric(t.Context(), s, spec.By, policy, recipients, sel.asOf)
					if err != nil {
						t.Fatal(err)
					}
					if len(want) == 0 {
						t.Fatal("the fixture gives no buckets: nothing compared")
					}
					if g, w := fundingKeys(got), fundingKeys(want); !slices.Equal(g, w) {
						t.Errorf("pushed down:\n%s\ngeneric:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
					}
				})
			}
		}
	}
}

// A total too large for the exact cents-to-float argument falls back.
func TestPushFundingTotalsFallsBackForHugeTotals(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ids := groupFixture(t, s)
	ctx := t.Context()
	cite := []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "src")}}
	huge := &hub.Relationship{Key: hub.RelationshipKey(hub.Funds, "Organisation/c", "Pilot/p2", "huge"), Type: hub.Funds,
		FromID: ids["c"], ToID: ids["p2"], Amount: &hub.Money{Minor: 1 << 50, Currency: "EUR"}, Sources: cite}
	b := &hub.Batch{Relationships: []*hub.Relationship{huge}}
	if err := hub.Prepare(ctx, s, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	spec := &hub.FundingSpec{By: hub.GroupKey{Field: hub.ByToKey}, Policy: hub.FundingHighest}
	got, done, err := s.PushFundingTotals(ctx, spec)
	if err != nil || done || got != nil {
		t.Fatalf("got %d buckets, done %v, error %v; want a fallback", len(got), done, err)
	}
	pushed, err := hub.FundingTotals(ctx, s, spec.By, spec.Policy, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	generic, err := hub.FundingTotalsGeneric(ctx, s, spec.By, spec.Policy, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := fundingKeys(pushed), fundingKeys(generic); !slices.Equal(g, w) {
		t.Errorf("FundingTotals %v, generic %v", g, w)
	}
}

// Funding totals computed in the database read no rows through the
// Store primitives and run no find on the server: the buckets carry the
// figures' ids, which a caller reads only to show them.
func TestPushedFundingTotalsRunInTheDatabase(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	groupFixture(t, s)
	client := topClient(t, uri)
	counting := &countingStore{Store: s}
	day := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		by   hub.GroupField
		asOf *time.Time
	}{{"by region", hub.ByToRegion, nil}, {"by programme", hub.ByToParent, nil}, {"by year as of a day", hub.ByStartYear, &day}} {
		t.Run(tc.name, func(t *testing.T) {
			before := topQueries(t, client, s.Database())
			counting.reads = 0
			pushed, err := hub.FundingTotals(t.Context(), counting, hub.GroupKey{Field: tc.by}, hub.FundingHighest, nil, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads != 0 || len(counting.relIDs) != 0 {
				t.Errorf("FundingTotals read rows through %d Store calls and %d lookups by id", counting.reads, len(counting.relIDs))
			}
			if after := topQueries(t, client, s.Database()); !maps.Equal(after, before) {
				t.Errorf("the server ran finds: %v before, %v after", before, after)
			}
			generic, err := hub.FundingTotalsGeneric(t.Context(), counting, hub.GroupKey{Field: tc.by}, hub.FundingHighest, nil, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads == 0 {
				t.Error("the generic funding totals made no Store calls: the counter counts nothing")
			}
			if g, w := fundingKeys(pushed), fundingKeys(generic); !slices.Equal(g, w) {
				t.Errorf("pushed down %v, generic %v", g, w)
			}
		})
	}
}
