package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
)

// The conformance suite checks that pushed-down group-bys answer like
// the generic ones; these tests check that the supported shapes really
// are pushed down, and computed in the database.

// groupFixture applies a small network: organisations a (r1), b (r1,
// r2) and c funding and partnering in pilots p1 (r1, 2016-2017, part of
// programme prog), p2 (r2, 2017-) and p3 (undated), with two disagreeing
// figures for a's funding of p1. No average of amounts other than
// a's two figures lands on a half cent.
func groupFixture(t *testing.T, s *mongodb.Store) map[string]string {
	t.Helper()
	src := &hub.Node{Kind: hub.KindSourceDocument, Key: "src", Name: hub.LocalizedText{FI: "Lähde"}, Type: "WEB_PAGE", Document: &hub.Document{}}
	cite := []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "src")}}
	ids := map[string]string{}
	n := func(kind hub.Kind, key, typ string, regions ...string) *hub.Node {
		x := &hub.Node{Kind: kind, Key: key, Type: typ, Name: hub.LocalizedText{FI: "Nimi " + key}, Sources: cite}
		for _, r := range regions {
			x.RegionIDs = append(x.RegionIDs, hub.NodeID(hub.KindRegion, r))
		}
		ids[key] = hub.NodeID(kind, key)
		return x
	}
	d := func(iso string) *time.Time {
		v, _ := time.Parse(time.DateOnly, iso)
		return &v
	}
	r1, r2 := n(hub.KindRegion, "r1", "REGION"), n(hub.KindRegion, "r2", "REGION")
	a, b, c := n(hub.KindOrganisation, "a", "ASSOCIATION", "r1"), n(hub.KindOrganisation, "b", "COMPANY", "r1", "r2"), n(hub.KindOrganisation, "c", "OTHER")
	prog := n(hub.KindProgramme, "prog", "PROGRAMME")
	p1, p2, p3 := n(hub.KindPilot, "p1", "PILOT", "r1"), n(hub.KindPilot, "p2", "PILOT", "r2"), n(hub.KindPilot, "p3", "PILOT")
	p1.Period = &hub.Period{Start: d("2016-01-01"), End: d("2017-12-31")}
	p2.Period = &hub.Period{Start: d("2017-01-01")}
	r := func(typ hub.RelationshipType, from, to *hub.Node, disc string, minor int64) *hub.Relationship {
		x := &hub.Relationship{Key: hub.RelationshipKey(typ, string(from.Kind)+"/"+from.Key, string(to.Kind)+"/"+to.Key, disc),
			Type: typ, FromID: ids[from.Key], ToID: ids[to.Key], Sources: cite}
		if minor > 0 {
			x.Amount = &hub.Money{Minor: minor, Currency: "EUR"}
		}
		return x
	}
	b1 := &hub.Batch{
		Nodes: []*hub.Node{src, r1, r2, a, b, c, prog, p1, p2, p3},
		Relationships: []*hub.Relationship{
			r(hub.PartOf, p1, prog, "", 0),
			r(hub.PartnerIn, a, p1, "", 0), r(hub.PartnerIn, b, p1, "", 0), r(hub.PartnerIn, c, p2, "", 0),
			r(hub.Funds, a, p1, "s1", 100_001), r(hub.Funds, a, p1, "s2", 120_000), r(hub.Funds, b, p2, "", 50_000),
			r(hub.Funds, c, p3, "", 4),
		},
	}
	ctx := t.Context()
	if err := hub.Prepare(ctx, s, b1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, b1); err != nil {
		t.Fatal(err)
	}
	return ids
}

func by(fields ...hub.GroupField) []hub.GroupKey {
	out := make([]hub.GroupKey, len(fields))
	for i, f := range fields {
		out[i] = hub.GroupKey{Field: f}
	}
	return out
}

// byKeys renders groups in key order, for comparing raw pushed-down
// groups with the generic implementation's.
func byKeys(groups []hub.Group) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		num := func(f *float64) string {
			if f == nil {
				return "nil"
			}
			return fmt.Sprint(*f)
		}
		out[i] = fmt.Sprintf("%q:%d sum=%s min=%s max=%s avg=%s", g.Keys, g.Count, num(g.Sum), num(g.Min), num(g.Max), num(g.Avg))
	}
	slices.Sort(out)
	return out
}

func TestPushGroupBy(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ids := groupFixture(t, s)
	kinds := func(ks ...hub.Kind) hub.NodeFilter { return hub.NodeFilter{Kinds: ks} }
	funds := hub.RelationshipFilter{Types: []hub.RelationshipType{hub.Funds}}
	day := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	prefix := "nimi p"
	one, thousand := 1, 1_000.0
	for _, tc := range []struct {
		name   string
		spec   hub.GroupSpec
		pushed bool
	}{
		{"nodes by kind", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind)}, true},
		{"nodes by type", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByType)}, true},
		{"nodes by key", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot), By: by(hub.ByKey)}, true},
		{"nodes by region", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByRegion)}, true},
		{"nodes by start year", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByStartYear)}, true},
		{"nodes by kind, region and start year", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind, hub.ByRegion, hub.ByStartYear)}, true},
		{"nodes by active year", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByActiveYear)}, true},
		{"nodes with a simple where", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindOrganisation),
			Where: &hub.Where{Filter: hub.NodeFilter{Types: []string{"COMPANY", "OTHER"}, NameContains: "nimi"}}, By: by(hub.ByType)}, true},
		{"nodes by key with the degree", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot), By: by(hub.ByKey),
			Measure: hub.MeasureDegree, DegreeDir: hub.In, DegreeTypes: []hub.RelationshipType{hub.PartnerIn}}, true},
		{"nodes by kind with the degree", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind), Measure: hub.MeasureDegree}, true},
		{"nodes by key and related", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindOrganisation),
			By: []hub.GroupKey{{Field: hub.ByKey}, {Field: hub.ByRelated, Dir: hub.Out}}}, true},
		{"relationships by type", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByType)}, true},
		{"relationships by the kinds of their ends", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByFromKind, hub.ByToKind)}, true},
		{"relationships by the types and keys of their ends", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByFromType, hub.ByToType, hub.ByToKey)}, true},
		{"funding by funder, highest", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByFromKey), Measure: hub.MeasureAmount}, true},
		{"funding by funder, lowest", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByFromKey), Measure: hub.MeasureAmount, Funding: hub.FundingLowest}, true},
		{"funding by type, every figure", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByType), Measure: hub.MeasureAmount, Funding: hub.FundingEvery}, true},
		{"funding by the regions of both ends", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByFromRegion, hub.ByToRegion), Measure: hub.MeasureAmount}, true},
		{"funding by year", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByStartYear), Measure: hub.MeasureAmount}, true},
		{"relationships by active year", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByActiveYear)}, true},
		{"funding by programme", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByToParent), Measure: hub.MeasureAmount}, true},

		{"a rich where", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindOrganisation), Where: &hub.Where{Relationships: []*hub.RelationshipMatch{
			{Dir: hub.Out, Types: []hub.RelationshipType{hub.Funds}, Count: &hub.IntRange{Eq: &one}}}}, By: by(hub.ByKey)}, true},
		{"nodes as of a day", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind), AsOf: &day}, true},
		{"nodes and related as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindOrganisation),
			By: []hub.GroupKey{{Field: hub.ByKey}, {Field: hub.ByRelated, Dir: hub.Out}}, AsOf: &day}, true},
		{"relationships as of a day", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByType), AsOf: &day}, true},
		{"funding by funder as of a day", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds, By: by(hub.ByFromKey), Measure: hub.MeasureAmount, AsOf: &day}, true},
		{"funding with an amount condition", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds,
			RelationshipWhere: &hub.RelationshipWhere{Amount: &hub.FloatRange{Gte: &thousand}}, By: by(hub.ByFromKey), Measure: hub.MeasureAmount}, true},
		{"relationships with a role condition folding case", hub.GroupSpec{Collection: hub.GroupRelationships,
			RelationshipWhere: &hub.RelationshipWhere{Role: &hub.StringMatch{Eq: &prefix, Fold: true}}, By: by(hub.ByType)}, false},
		{"a where folding case", hub.GroupSpec{Collection: hub.GroupNodes, Where: &hub.Where{Name: &hub.StringMatch{Prefix: &prefix, Fold: true}}, By: by(hub.ByKind)}, false},
		{"filters whose lists share nothing", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{IDs: []string{ids["a"]}},
			Where: &hub.Where{Filter: hub.NodeFilter{IDs: []string{ids["b"]}}}, By: by(hub.ByKind)}, false},
		// a's figures: 1 000.01 and 1 200.00 EUR, an average of 110 000.5
		// cents, which float sums could round either way.
		{"an average on a half cent", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: funds,
			By: by(hub.ByFromKey), Measure: hub.MeasureAmount, Funding: hub.FundingEvery}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			got, done, err := s.PushGroupBy(t.Context(), &spec)
			if err != nil {
				t.Fatal(err)
			}
			if done != tc.pushed {
				t.Fatalf("PushGroupBy done = %v, want %v", done, tc.pushed)
			}
			if !done {
				if got != nil {
					t.Errorf("not pushed down, yet returned %d groups", len(got))
				}
				return
			}
			want, err := hub.GroupByGeneric(t.Context(), s, &spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("the fixture gives no groups: nothing compared")
			}
			if g, w := byKeys(got), byKeys(want); !slices.Equal(g, w) {
				t.Errorf("pushed down:\n%s\ngeneric:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
	t.Run("an invalid spec fails like the generic group-by", func(t *testing.T) {
		spec := &hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind), Measure: hub.MeasureAmount}
		_, _, err := s.PushGroupBy(t.Context(), spec)
		var he *hub.Error
		if !errors.As(err, &he) || he.Code != hub.EINVALID {
			t.Errorf("got %v, want an EINVALID error", err)
		}
	})
	t.Run("an expired context fails with EUNAVAILABLE", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, err := s.PushGroupBy(ctx, &hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind)})
		var he *hub.Error
		if !errors.As(err, &he) || he.Code != hub.EUNAVAILABLE {
			t.Errorf("got %v, want an EUNAVAILABLE error", err)
		}
	})
}

// countingStore counts the Store primitives an aggregate reads rows
// with: reads counts the finds and node lookups a generic aggregate
// makes, finds the finds alone; nodeIDs and relIDs record each lookup by
// id (a pushed aggregate may read its page or figures so).
type countingStore struct {
	*mongodb.Store
	reads, finds    int
	nodeIDs, relIDs [][]string
}

func (c *countingStore) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	c.reads++
	c.nodeIDs = append(c.nodeIDs, ids)
	return c.Store.NodesByID(ctx, ids)
}

func (c *countingStore) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	c.relIDs = append(c.relIDs, ids)
	return c.Store.RelationshipsByID(ctx, ids)
}

func (c *countingStore) FindNodes(ctx context.Context, f hub.NodeFilter, o hub.ListOptions) ([]*hub.Node, bool, error) {
	c.reads++
	c.finds++
	return c.Store.FindNodes(ctx, f, o)
}

func (c *countingStore) FindRelationships(ctx context.Context, f hub.RelationshipFilter, o hub.ListOptions) ([]*hub.Relationship, bool, error) {
	c.reads++
	c.finds++
	return c.Store.FindRelationships(ctx, f, o)
}

// topClient connects to uri for topQueries; it disconnects when t ends.
func topClient(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	return client
}

// topQueries returns, per collection of the store's database, how many
// find operations the server has run on it (the top command).
func topQueries(t *testing.T, client *mongo.Client, db string) map[string]int64 {
	t.Helper()
	var res bson.Raw
	if err := client.Database("admin").RunCommand(t.Context(), bson.D{{Key: "top", Value: 1}}).Decode(&res); err != nil {
		t.Skipf("the server has no top command: %v", err)
	}
	out := map[string]int64{}
	for _, coll := range []string{mongodb.NodesCollection, mongodb.RelationshipsCollection} {
		v, err := res.LookupErr("totals", db+"."+coll, "queries", "count")
		if err == nil {
			out[coll], _ = v.AsInt64OK()
		}
	}
	return out
}

// A pushed-down group-by is one aggregate command: hub.GroupBy reads no
// rows through the Store primitives and the server runs no find on
// either collection, while the generic group-by does both.
func TestPushedGroupByRunsInTheDatabase(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	groupFixture(t, s)
	client := topClient(t, uri)
	counting := &countingStore{Store: s}
	day := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		spec *hub.GroupSpec
	}{
		{"nodes by kind", &hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind)}},
		{"nodes by key with the degree", &hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKey), Measure: hub.MeasureDegree}},
		{"funding by region and year", &hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByToRegion, hub.ByStartYear), Measure: hub.MeasureAmount}},
		{"partners by region with a rich where as of a day", &hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByRegion), AsOf: &day,
			Where: &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}}}}}},
		{"funding by funder as of a day", &hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByFromKey), Measure: hub.MeasureAmount, AsOf: &day}},
	} {
		spec := tc.spec
		t.Run(tc.name, func(t *testing.T) {
			before := topQueries(t, client, s.Database())
			counting.reads = 0
			pushed, err := hub.GroupBy(t.Context(), counting, spec)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads != 0 {
				t.Errorf("GroupBy read rows through %d Store calls", counting.reads)
			}
			if after := topQueries(t, client, s.Database()); !maps.Equal(after, before) {
				t.Errorf("the server ran finds: %v before, %v after", before, after)
			}
			// The counters do count the generic group-by's finds.
			generic, err := hub.GroupByGeneric(t.Context(), counting, spec)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads == 0 {
				t.Error("the generic group-by made no Store calls: the counter counts nothing")
			}
			if after := topQueries(t, client, s.Database()); maps.Equal(after, before) {
				t.Errorf("the server's find counters did not move for the generic group-by: %v", after)
			}
			if g, w := byKeys(pushed), byKeys(generic); !slices.Equal(g, w) {
				t.Errorf("pushed down %v, generic %v", g, w)
			}
		})
	}
	t.Run("the aggregate command plans on the server", func(t *testing.T) {
		var plan bson.M
		err := client.Database(s.Database()).RunCommand(t.Context(), bson.D{{Key: "explain", Value: bson.D{
			{Key: "aggregate", Value: mongodb.NodesCollection},
			{Key: "pipeline", Value: bson.A{bson.M{"$group": bson.M{"_id": "$kind", "n": bson.M{"$sum": 1}}}}},
			{Key: "cursor", Value: bson.M{}},
		}}}).Decode(&plan)
		if err != nil {
			t.Skipf("explain: %v", err)
		}
		if !strings.Contains(fmt.Sprint(plan), "$group") {
			t.Errorf("the plan has no $group stage: %v", plan)
		}
	})
}
