package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// fundingTests check hub.FundingTotals against hand-written answers and
// against the oracle's brute-force totals over the store's rows: the
// buckets, their totals and their figures.
var fundingTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"FundingTotals answers like brute-force totals for every key, policy and selection", testFundingTotals},
	{"FundingTotals sums cents exactly", testFundingCents},
	{"FundingTotals orders buckets of equal totals by key, then currency", testFundingTies},
}

// fundingRenderer renders buckets with node and relationship keys
// instead of ids: "key currency total counted/figures [counted figures]".
func fundingRenderer(nodes []*hub.Node, rels []*hub.Relationship) func([]hub.FundingBucket) []string {
	keyOf := map[string]string{}
	for _, n := range nodes {
		keyOf[n.ID] = n.Key
	}
	for _, r := range rels {
		keyOf[r.ID] = strings.TrimPrefix(r.Key, string(r.Type)+":")
	}
	names := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = keyOf[id]
			if out[i] == "" {
				out[i] = id
			}
		}
		return strings.Join(out, " ")
	}
	return func(buckets []hub.FundingBucket) []string {
		out := make([]string, len(buckets))
		for i, b := range buckets {
			key := b.Key
			if k, ok := keyOf[key]; ok {
				key = k
			}
			out[i] = fmt.Sprintf("%s %s %s %d/%d", key, b.Currency, strconv.FormatFloat(b.Total, 'f', -1, 64), len(b.CountedIDs), len(b.FigureIDs))
			// The figures with their ids, in order: figures are in
			// ascending id order.
			out[i] += " [" + names(b.CountedIDs) + "] [" + names(b.FigureIDs) + "]"
		}
		return out
	}
}

// summary drops the figure lists from rendered buckets, for hand-written
// answers (which figures tie is up to the ids).
func summary(rendered []string) []string {
	out := make([]string, len(rendered))
	for i, r := range rendered {
		out[i], _, _ = strings.Cut(r, " [")
	}
	return out
}

func testFundingTotals(t *testing.T, s Store) {
	nodes, rels := groupByNetwork()
	// A second source document states some figures: p1's s1 alone, s2
	// with the fixture source, p4's s2 alone.
	other := node(hub.KindSourceDocument, "toinen-lahde", "Toinen lähde")
	nodes = append(nodes, other)
	funds := func(pilot, disc string) string {
		return hub.RelationshipKey(hub.Funds, hub.NodeRef(hub.KindOrganisation, "f"), hub.NodeRef(hub.KindPilot, pilot), disc)
	}
	cites := map[string][]hub.Citation{
		funds("p1", "s1"): {{SourceID: other.ID}},
		funds("p1", "s2"): {{SourceID: sourceID}, {SourceID: other.ID}},
		funds("p4", "s2"): {{SourceID: other.ID}},
	}
	for _, r := range rels {
		if c, ok := cites[r.Key]; ok {
			r.Sources = c
			delete(cites, r.Key)
		}
	}
	if len(cites) != 0 {
		t.Fatalf("the fixture has no relationships %v", cites)
	}
	mustApply(t, s, nodes, rels)
	net := mustLoadPlain(t, s)
	render := fundingRenderer(nodes, rels)
	key := func(f hub.GroupField) hub.GroupKey { return hub.GroupKey{Field: f} }
	inR2 := &hub.Where{Filter: hub.NodeFilter{RegionIDs: []string{hub.NodeID(hub.KindRegion, "r2")}}}
	pilots := &hub.Where{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}}
	nobody := &hub.Where{Filter: hub.NodeFilter{Keys: []string{"nobody"}}}
	type spec struct {
		by         hub.GroupField
		policy     hub.FundingPolicy
		recipients *hub.Where
		sources    []string
		asOf       *time.Time
	}
	one, two, both := []string{sourceID}, []string{other.ID}, []string{sourceID, other.ID}
	for _, tc := range []struct {
		name string
		spec spec
		// want is the answer in order, without the figure lists (see
		// summary).
		want []string
	}{
		{"by pilot, the highest of disagreeing figures", spec{by: hub.ByToKey},
			[]string{"p1 EUR 120000 1/3", "p2 EUR 50000.4 1/1", "p4 EUR 3000 1/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"by pilot, the default policy is the highest", spec{by: hub.ByToKey, policy: ""},
			[]string{"p1 EUR 120000 1/3", "p2 EUR 50000.4 1/1", "p4 EUR 3000 1/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"by pilot, the lowest", spec{by: hub.ByToKey, policy: hub.FundingLowest},
			[]string{"p1 EUR 100000 1/3", "p2 EUR 50000.4 1/1", "p3 EUR 2500.2 1/1", "p4 EUR 2000 1/2", "p2 USD 1000.01 1/1"}},
		{"by pilot, every figure", spec{by: hub.ByToKey, policy: hub.FundingEvery},
			[]string{"p1 EUR 340000 3/3", "p2 EUR 50000.4 1/1", "p4 EUR 5000 2/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"by funder", spec{by: hub.ByFromKey, policy: hub.FundingHighest},
			[]string{"f EUR 173000.4 3/6", "a EUR 2500.2 1/1", "f USD 1000.01 1/1"}},
		{"by region, a pilot in two regions counts in both", spec{by: hub.ByToRegion, policy: hub.FundingHighest},
			nil},
		{"by programme", spec{by: hub.ByToParent, policy: hub.FundingHighest},
			[]string{"prog EUR 170000.4 2/4", " EUR 5500.2 2/3", "prog USD 1000.01 1/1"}},
		{"by year: the figure's own, else the pilot's", spec{by: hub.ByStartYear, policy: hub.FundingHighest},
			[]string{"2016 EUR 120000 1/3", "2018 EUR 50000.4 1/1", " EUR 5500.2 2/3", "2017 USD 1000.01 1/1"}},
		{"as of 2017: the 2018 figure does not count yet", spec{by: hub.ByToKey, policy: hub.FundingHighest, asOf: day("2017-06-01")},
			[]string{"p1 EUR 120000 1/3", "p4 EUR 3000 1/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"as of mid-2018 p1 has ended", spec{by: hub.ByToKey, policy: hub.FundingHighest, asOf: day("2018-06-01")},
			[]string{"p2 EUR 50000.4 1/1", "p4 EUR 3000 1/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"as of 2020 p4 has ended too", spec{by: hub.ByFromKey, policy: hub.FundingLowest, asOf: day("2020-01-01")},
			[]string{"a EUR 2500.2 1/1", "f USD 1000.01 1/1"}},
		{"recipients in r2", spec{by: hub.ByToKey, policy: hub.FundingHighest, recipients: inR2},
			[]string{"p2 EUR 50000.4 1/1", "p4 EUR 3000 1/2", "p2 USD 1000.01 1/1"}},
		{"recipients in r2 by funder, every figure, as of 2018", spec{by: hub.ByFromKey, policy: hub.FundingEvery, recipients: inR2, asOf: day("2018-06-01")},
			[]string{"f EUR 55000.4 3/3", "f USD 1000.01 1/1"}},
		{"recipients that match nothing", spec{by: hub.ByToKey, recipients: nobody}, []string{}},
		{"the figures of one source, the highest of those", spec{by: hub.ByToKey, sources: one},
			[]string{"p1 EUR 120000 1/2", "p2 EUR 50000.4 1/1", "p4 EUR 3000 1/1", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"the figures of one source, every one", spec{by: hub.ByToKey, policy: hub.FundingEvery, sources: one},
			[]string{"p1 EUR 240000 2/2", "p2 EUR 50000.4 1/1", "p4 EUR 3000 1/1", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"the other source: its two figures for p1 still disagree", spec{by: hub.ByToKey, sources: two},
			[]string{"p1 EUR 120000 1/2", "p4 EUR 2000 1/1"}},
		{"the other source, the lowest", spec{by: hub.ByToKey, policy: hub.FundingLowest, sources: two},
			[]string{"p1 EUR 100000 1/2", "p4 EUR 2000 1/1"}},
		{"the other source by funder, every figure", spec{by: hub.ByFromKey, policy: hub.FundingEvery, sources: two},
			[]string{"f EUR 222000 3/3"}},
		{"both sources: every figure", spec{by: hub.ByToKey, sources: both},
			[]string{"p1 EUR 120000 1/3", "p2 EUR 50000.4 1/1", "p4 EUR 3000 1/2", "p3 EUR 2500.2 1/1", "p2 USD 1000.01 1/1"}},
		{"a source that states no figure", spec{by: hub.ByToKey, sources: []string{hub.NodeID(hub.KindSourceDocument, "none")}}, []string{}},
		{"the other source in r2", spec{by: hub.ByToKey, recipients: inR2, sources: two}, []string{"p4 EUR 2000 1/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.spec
			got, err := hub.FundingTotals(t.Context(), s, key(sp.by), sp.policy, sp.recipients, sp.sources, sp.asOf)
			if err != nil {
				t.Fatalf("FundingTotals: %v", err)
			}
			oracle, err := oracleFundingTotals(net, key(sp.by), sp.policy, sp.recipients, sp.sources, sp.asOf)
			if err != nil {
				t.Fatalf("the oracle: %v", err)
			}
			if g, w := render(got), render(oracle); !slices.Equal(g, w) {
				t.Errorf("FundingTotals and the oracle disagree:\n got %q\nwant %q", g, w)
			}
			if tc.want != nil {
				if g := summary(render(got)); !slices.Equal(g, tc.want) {
					t.Errorf("got %q, want %q", g, tc.want)
				}
			}
		})
	}

	// Every key, policy and selection both ways.
	for _, by := range []hub.GroupField{hub.ByType, hub.ByStartYear, hub.ByActiveYear, hub.ByFromKind, hub.ByFromType, hub.ByFromKey,
		hub.ByFromRegion, hub.ByToKind, hub.ByToType, hub.ByToKey, hub.ByToRegion, hub.ByToParent} {
		for _, policy := range []hub.FundingPolicy{hub.FundingHighest, hub.FundingLowest, hub.FundingEvery} {
			for _, sel := range []struct {
				name       string
				recipients *hub.Where
				sources    []string
				asOf       *time.Time
			}{
				{"all", nil, nil, nil}, {"pilots", pilots, nil, nil}, {"in r2", inR2, nil, nil},
				{"as of 2016", nil, nil, day("2016-06-01")}, {"as of 2018", nil, nil, day("2018-06-01")},
				{"in r2 as of 2019", inR2, nil, day("2019-01-01")},
				{"one source", nil, one, nil}, {"the other source", nil, two, nil},
				{"the other source in r2 as of 2016", inR2, two, day("2016-06-01")},
			} {
				t.Run(fmt.Sprintf("%s %s %s", by, policy, sel.name), func(t *testing.T) {
					got, err := hub.FundingTotals(t.Context(), s, key(by), policy, sel.recipients, sel.sources, sel.asOf)
					if err != nil {
						t.Fatalf("FundingTotals: %v", err)
					}
					oracle, err := oracleFundingTotals(net, key(by), policy, sel.recipients, sel.sources, sel.asOf)
					if err != nil {
						t.Fatalf("the oracle: %v", err)
					}
					if g, w := render(got), render(oracle); !slices.Equal(g, w) {
						t.Errorf("FundingTotals and the oracle disagree:\n got %q\nwant %q", g, w)
					}
				})
			}
		}
	}

	t.Run("a region bucket's figures in full", func(t *testing.T) {
		got, err := hub.FundingTotals(t.Context(), s, key(hub.ByToRegion), hub.FundingHighest, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"r1 EUR": "170000.4 2/4", "r2 EUR": "53000.4 2/3", " EUR": "2500.2 1/1", "r1 USD": "1000.01 1/1", "r2 USD": "1000.01 1/1",
		}
		rendered := summary(render(got))
		if len(rendered) != len(want) {
			t.Fatalf("got %q, want %v", rendered, want)
		}
		for _, r := range rendered {
			parts := strings.SplitN(r, " ", 3)
			if w := want[parts[0]+" "+parts[1]]; w != parts[2] {
				t.Errorf("bucket %q, want %q", r, w)
			}
		}
		for _, b := range got {
			// Each figure is a FUNDS relationship with an amount and
			// sources, and the counted ones are figures.
			for i, r := range mustRelationshipsByID(t, s, b.FigureIDs...) {
				if r == nil || r.Type != hub.Funds || len(r.Sources) == 0 || r.Amount == nil {
					t.Errorf("figure %s is not a FUNDS relationship with sources and an amount", b.FigureIDs[i])
				}
			}
			for _, id := range b.CountedIDs {
				if !slices.Contains(b.FigureIDs, id) {
					t.Errorf("counted %s is not a figure", id)
				}
			}
		}
	})
	t.Run("a key relationships cannot be grouped by fails alike", func(t *testing.T) {
		for _, f := range []hub.GroupField{hub.ByRelated, hub.ByKind} {
			_, err := hub.FundingTotals(t.Context(), s, key(f), hub.FundingHighest, nil, nil, nil)
			_, gerr := oracleFundingTotals(net, key(f), hub.FundingHighest, nil, nil, nil)
			var he, ghe *hub.Error
			if !errors.As(err, &he) || !errors.As(gerr, &ghe) || he.Code != hub.EINVALID || ghe.Code != hub.EINVALID {
				t.Errorf("%s: got %v and %v, want EINVALID errors", f, err, gerr)
			}
		}
	})
}

// testFundingCents totals amounts whose float sums are not exact (0.1 +
// 0.2), alternative figures in two currencies and a large total.
func testFundingCents(t *testing.T, s Store) {
	g, h := node(hub.KindOrganisation, "g", "Rahoittaja"), node(hub.KindOrganisation, "h", "Säätiö")
	q1, q2, q3 := node(hub.KindPilot, "q1", "Yksi"), node(hub.KindPilot, "q2", "Kaksi"), node(hub.KindPilot, "q3", "Kolme")
	funds := func(from, to *hub.Node, disc string, minor int64, currency string) *hub.Relationship {
		r := rel(hub.Funds, from, to, disc)
		r.Amount = &hub.Money{Minor: minor, Currency: currency}
		return r
	}
	nodes := []*hub.Node{Source(), g, h, q1, q2, q3}
	rels := []*hub.Relationship{
		funds(g, q1, "", 10, "EUR"), funds(g, q2, "", 20, "EUR"), funds(g, q3, "", 70, "EUR"),
		funds(h, q1, "a", 33, "EUR"), funds(h, q1, "b", 33, "EUR"), funds(h, q1, "c", 7, "SEK"),
		funds(h, q2, "", 999_999_999_99, "EUR"), funds(h, q3, "", 1, "EUR"),
	}
	mustApply(t, s, nodes, rels)
	net := mustLoadPlain(t, s)
	render := fundingRenderer(nodes, rels)
	for _, tc := range []struct {
		by     hub.GroupField
		policy hub.FundingPolicy
		want   []string
	}{
		{hub.ByFromKey, hub.FundingHighest, []string{"h EUR 1000000000.33 3/4", "g EUR 1 3/3", "h SEK 0.07 1/1"}},
		{hub.ByFromKey, hub.FundingEvery, []string{"h EUR 1000000000.66 4/4", "g EUR 1 3/3", "h SEK 0.07 1/1"}},
		{hub.ByToKey, hub.FundingLowest, []string{"q2 EUR 1000000000.19 2/2", "q3 EUR 0.71 2/2", "q1 EUR 0.43 2/3", "q1 SEK 0.07 1/1"}},
		{hub.ByType, hub.FundingHighest, []string{"FUNDS EUR 1000000001.33 6/7", "FUNDS SEK 0.07 1/1"}},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.by, tc.policy), func(t *testing.T) {
			got, err := hub.FundingTotals(t.Context(), s, hub.GroupKey{Field: tc.by}, tc.policy, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			oracle, err := oracleFundingTotals(net, hub.GroupKey{Field: tc.by}, tc.policy, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := render(got), render(oracle); !slices.Equal(g, w) {
				t.Errorf("FundingTotals and the oracle disagree:\n got %q\nwant %q", g, w)
			}
			if g := summary(render(got)); !slices.Equal(g, tc.want) {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

// testFundingTies totals three buckets alike: an undated pilot's in two
// currencies and a pilot's of 2016. The empty key comes first, as the
// shorter of two keys that start alike.
func testFundingTies(t *testing.T, s Store) {
	g := node(hub.KindOrganisation, "g", "Rahoittaja")
	q1, q2 := node(hub.KindPilot, "q1", "Yksi"), node(hub.KindPilot, "q2", "Kaksi")
	q2.Period = period("2016-01-01", "")
	funds := func(to *hub.Node, disc string, currency string) *hub.Relationship {
		r := rel(hub.Funds, g, to, disc)
		r.Amount = &hub.Money{Minor: 10, Currency: currency}
		return r
	}
	nodes := []*hub.Node{Source(), g, q1, q2}
	rels := []*hub.Relationship{funds(q1, "eur", "EUR"), funds(q1, "sek", "SEK"), funds(q2, "", "EUR")}
	mustApply(t, s, nodes, rels)
	render := fundingRenderer(nodes, rels)
	want := []string{" EUR 0.1 1/1", " SEK 0.1 1/1", "2016 EUR 0.1 1/1"}
	got, err := hub.FundingTotals(t.Context(), s, hub.GroupKey{Field: hub.ByStartYear}, hub.FundingHighest, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := summary(render(got)); !slices.Equal(g, want) {
		t.Errorf("got %q, want %q", g, want)
	}
	oracle, err := oracleFundingTotals(mustLoadPlain(t, s), hub.GroupKey{Field: hub.ByStartYear}, hub.FundingHighest, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := summary(render(oracle)); !slices.Equal(o, want) {
		t.Errorf("the oracle answers %q, want %q", o, want)
	}
}
