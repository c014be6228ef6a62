// Package storetest is the conformance suite of hub.Store. Every backend
// runs RunTests, so that ordering, page boundaries, error codes, time
// precision and concurrency are pinned once, for all of them, and only
// through what the hub.Store contract promises. The reads of the suite
// go through an in-memory index following the store (see Store), as
// every read of the hub does: the query semantics are those of package
// index, checked here on the rows each backend loads and streams.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// RunTests runs the conformance suite. newStore must return a fresh,
// empty store on every call and close it with t.Cleanup; the suite may
// close it earlier itself, so Close must tolerate a second call.
func RunTests(t *testing.T, newStore func(t *testing.T) hub.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"Apply then NodesByID returns every field of every node", testNodeRoundTrip},
		{"Apply then RelationshipsByID returns every field of every relationship", testRelationshipRoundTrip},
		{"ByID lookups keep the request order and give nil for missing ids", testByIDPositions},
		{"returned values stay as they were when the store is written", testReturnedValuesDoNotChange},
		{"a batch changed after Apply does not change the store", testAppliedBatchIsCopied},
		{"upserting a node replaces it, keeps CreatedAt and moves UpdatedAt", testUpsertNode},
		{"upserting a relationship replaces it, keeps CreatedAt and moves UpdatedAt", testUpsertRelationship},
		{"applying the same batch twice adds nothing", testReapplyAddsNothing},
		{"a relationship whose ends change is no longer found from its old ends", testRelationshipEndsMove},
		{"times come back in UTC at millisecond precision and days at UTC midnight", testTimePrecision},
		{"an empty store finds and counts nothing", testEmptyStore},
		{"FindNodes filters as specified and CountNodes agrees", testNodeFilters},
		{"FindNodes orders rows and breaks ties by ascending id", testNodeOrders},
		{"FindNodes keyset pages visit every row exactly once", testNodePaging},
		{"FindNodes page sizes and cursors at the edges", testNodePageEdges},
		{"FindNodes paging stays correct when rows are inserted between pages", testNodePagingWithInserts},
		{"FindRelationships filters as specified and CountRelationships agrees", testRelationshipFilters},
		{"FindRelationships orders rows and breaks ties by ascending id", testRelationshipOrders},
		{"FindRelationships keyset pages visit every row exactly once", testRelationshipPaging},
		{"FindRelationships page sizes and cursors at the edges", testRelationshipPageEdges},
		{"unordered bulk reads return the rows of ordered ones", testUnorderedBulkReads},
		{"Ping succeeds on an open store", testPing},
		{"a cancelled or expired context fails every call and writes nothing", testCancelledContext},
		{"calls after Close fail and a second Close does not panic", testClosed},
		{"concurrent writers and readers see every acknowledged write", testConcurrentWritersAndReaders},
		{"a batch of 2000 nodes and 5000 relationships applies and counts right", testLargeBatch},
	}
	for _, tt := range slices.Concat(changeFeedTests, writeTests, recordedTests, selectTests, searchTests, reverseTests, provisionTests, derivedTests, groupByTests, fundingTests, coverageTests) {
		tests = append(tests, struct {
			name string
			run  func(t *testing.T, s Store)
		}{tt.name, tt.fn})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, Follow(t, newStore(t)))
		})
	}
}

// The fixture clocks carry nanoseconds and a non-UTC zone, so that every
// test also checks that Prepare's normalisation survives the store.
var (
	eet = time.FixedZone("EET", 2*60*60)
	t0  = time.Date(2025, time.March, 14, 9, 26, 53, 589_793_238, eet)
	t1  = time.Date(2025, time.March, 15, 21, 0, 7, 123_456_789, eet)
)

// ms is t as a store returns it: UTC at millisecond precision.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// sourceKey is the key of the source document every fixture cites.
const sourceKey = "conformance-source"

var sourceID = hub.NodeID(hub.KindSourceDocument, sourceKey)

// Source returns the source document the fixtures cite; most fixtures
// apply it in their first batch.
func Source() *hub.Node { return node(hub.KindSourceDocument, sourceKey, "Lähde") }

// node returns a minimal valid node: a Finnish name, the kind's first
// type, and a citation of the fixture source (or, for a source document,
// empty document details).
func node(kind hub.Kind, key, name string) *hub.Node {
	n := &hub.Node{
		ID:   hub.NodeID(kind, key),
		Kind: kind,
		Key:  key,
		Name: hub.LocalizedText{FI: name},
	}
	if types := hub.NodeTypes(kind); len(types) > 0 {
		n.Type = types[0]
	}
	if kind == hub.KindSourceDocument {
		n.Document = &hub.Document{}
	} else {
		n.Sources = []hub.Citation{{SourceID: sourceID}}
	}
	return n
}

// Org returns a minimal valid organisation named "Organisaatio key".
func Org(key string) *hub.Node { return node(hub.KindOrganisation, key, "Organisaatio "+key) }

// rel returns a minimal valid relationship from one node to another,
// citing the fixture source. disc tells parallel relationships apart.
func rel(typ hub.RelationshipType, from, to *hub.Node, disc string) *hub.Relationship {
	key := hub.RelationshipKey(typ, ref(from), ref(to), disc)
	return &hub.Relationship{
		ID:      hub.RelationshipID(key),
		Key:     key,
		Type:    typ,
		FromID:  from.ID,
		ToID:    to.ID,
		Sources: []hub.Citation{{SourceID: sourceID}},
	}
}

func ref(n *hub.Node) string { return hub.NodeRef(n.Kind, n.Key) }

// day returns a pointer to the UTC midnight of an ISO date, or nil for "".
func day(iso string) *time.Time {
	if iso == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		panic(err)
	}
	return &d
}

// period returns the period between two ISO dates ("" for an unknown end).
func period(start, end string) *hub.Period { return &hub.Period{Start: day(start), End: day(end)} }

// batchOf collects nodes and relationships (single or in slices) into a
// batch.
func batchOf(rows ...any) *hub.Batch {
	b := &hub.Batch{}
	for _, r := range rows {
		switch r := r.(type) {
		case *hub.Node:
			b.Nodes = append(b.Nodes, r)
		case []*hub.Node:
			b.Nodes = append(b.Nodes, r...)
		case *hub.Relationship:
			b.Relationships = append(b.Relationships, r)
		case []*hub.Relationship:
			b.Relationships = append(b.Relationships, r...)
		default:
			panic(fmt.Sprintf("batchOf: unexpected %T", r))
		}
	}
	return b
}

func mustPrepare(t *testing.T, s hub.Reader, b *hub.Batch, now time.Time) {
	t.Helper()
	if err := hub.Prepare(t.Context(), s, b, now); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
}

// MustApplyAt prepares the rows (nodes and relationships, single or in
// slices) at now and applies them. Prepare fills in the derived fields
// of the rows in place, so the caller's values are the expected stored
// values afterwards.
func MustApplyAt(t *testing.T, s hub.Network, now time.Time, rows ...any) *hub.Batch {
	t.Helper()
	b := batchOf(rows...)
	mustPrepare(t, s, b, now)
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return b
}

// mustApply is MustApplyAt at t0.
func mustApply(t *testing.T, s Store, rows ...any) *hub.Batch {
	t.Helper()
	return MustApplyAt(t, s, t0, rows...)
}

func mustNodesByID(t *testing.T, s Store, ids ...string) []*hub.Node {
	t.Helper()
	got, err := s.NodesByID(t.Context(), ids)
	if err != nil {
		t.Fatalf("NodesByID: %v", err)
	}
	if len(got) != len(ids) {
		t.Fatalf("NodesByID(%d ids) returned %d entries", len(ids), len(got))
	}
	return got
}

func mustRelationshipsByID(t *testing.T, s Store, ids ...string) []*hub.Relationship {
	t.Helper()
	got, err := s.RelationshipsByID(t.Context(), ids)
	if err != nil {
		t.Fatalf("RelationshipsByID: %v", err)
	}
	if len(got) != len(ids) {
		t.Fatalf("RelationshipsByID(%d ids) returned %d entries", len(ids), len(got))
	}
	return got
}

func mustFindNodes(t *testing.T, s Store, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool) {
	t.Helper()
	got, hasNext, err := s.FindNodes(t.Context(), f, opts)
	if err != nil {
		t.Fatalf("FindNodes(%+v, %+v): %v", f, opts, err)
	}
	// NodePage is FindNodes with CountNodes: every page asked of one
	// is asked of the other.
	page, more, total, err := s.NodePage(t.Context(), f, opts)
	if err != nil {
		t.Fatalf("NodePage(%+v, %+v): %v", f, opts, err)
	}
	if !slices.Equal(nodeIDs(page), nodeIDs(got)) || more != hasNext {
		t.Errorf("NodePage(%+v, %+v) = %v (more %v), FindNodes %v (more %v)", f, opts, nodeIDs(page), more, nodeIDs(got), hasNext)
	}
	if n := mustCountNodes(t, s, f); total != n {
		t.Errorf("NodePage(%+v) counts %d, CountNodes %d", f, total, n)
	}
	return got, hasNext
}

func mustCountNodes(t *testing.T, s Store, f hub.NodeFilter) int {
	t.Helper()
	n, err := s.CountNodes(t.Context(), f)
	if err != nil {
		t.Fatalf("CountNodes(%+v): %v", f, err)
	}
	return n
}

func mustFindRelationships(t *testing.T, s Store, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool) {
	t.Helper()
	got, hasNext, err := s.FindRelationships(t.Context(), f, opts)
	if err != nil {
		t.Fatalf("FindRelationships(%+v, %+v): %v", f, opts, err)
	}
	return got, hasNext
}

func mustCountRelationships(t *testing.T, s Store, f hub.RelationshipFilter) int {
	t.Helper()
	n, err := s.CountRelationships(t.Context(), f)
	if err != nil {
		t.Fatalf("CountRelationships(%+v): %v", f, err)
	}
	return n
}

// allNodes returns every node matching f, in id order.
func allNodes(t *testing.T, s Store, f hub.NodeFilter) []*hub.Node {
	t.Helper()
	got, hasNext := mustFindNodes(t, s, f, hub.ListOptions{First: hub.Unlimited})
	if hasNext {
		t.Fatalf("FindNodes(%+v) with First=Unlimited says more rows follow", f)
	}
	return got
}

// allRelationships returns every relationship matching f, in id order.
func allRelationships(t *testing.T, s Store, f hub.RelationshipFilter) []*hub.Relationship {
	t.Helper()
	got, hasNext := mustFindRelationships(t, s, f, hub.ListOptions{First: hub.Unlimited})
	if hasNext {
		t.Fatalf("FindRelationships(%+v) with First=Unlimited says more rows follow", f)
	}
	return got
}

func nodeID(n *hub.Node) string              { return n.ID }
func relID(r *hub.Relationship) string       { return r.ID }
func nodeIDs(ns []*hub.Node) []string        { return idsOf(ns, nodeID) }
func relIDs(rs []*hub.Relationship) []string { return idsOf(rs, relID) }

func idsOf[T any](rows []T, id func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

// byID returns rows sorted by ascending id: the order of rows that tie on
// every order key.
func byID[T any](id func(T) string, rows ...T) []T {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return out
}

func nodesByID(ns ...*hub.Node) []*hub.Node                { return byID(nodeID, ns...) }
func relsByID(rs ...*hub.Relationship) []*hub.Relationship { return byID(relID, rs...) }

// names makes failure messages readable: the key of each node or
// relationship id.
func names(t *testing.T, s Store, ids []string) string {
	t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if ns, err := s.NodesByID(context.Background(), []string{id}); err == nil && ns[0] != nil {
			out[i] = ns[0].Key
		} else if rs, err := s.RelationshipsByID(context.Background(), []string{id}); err == nil && rs[0] != nil {
			out[i] = rs[0].Key
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}

// mustSameIDs fails unless got and want hold the same ids in the same
// order.
func mustSameIDs(t *testing.T, s Store, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, names(t, s, got), names(t, s, want))
	}
}

// mustSameIDSet fails unless got and want hold the same ids, each once.
func mustSameIDSet(t *testing.T, s Store, what string, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, names(t, s, g), names(t, s, w))
	}
}

// mustSameJSON compares values by their JSON form, which is how the
// contract's field tags describe them: nil and empty slices are the same,
// times must agree in instant, precision and zone (UTC).
func mustSameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: marshal got: %v", what, err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("%s: marshal want: %v", what, err)
	}
	if bytes.Equal(g, w) {
		return
	}
	var gm, wm map[string]json.RawMessage
	if json.Unmarshal(g, &gm) != nil || json.Unmarshal(w, &wm) != nil {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
		return
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		seen := map[string]bool{}
		for k := range gm {
			seen[k] = true
			if !yield(k) {
				return
			}
		}
		for k := range wm {
			if !seen[k] && !yield(k) {
				return
			}
		}
	}) {
		if !bytes.Equal(gm[k], wm[k]) {
			t.Errorf("%s: field %s:\n got %s\nwant %s", what, k, orMissing(gm[k]), orMissing(wm[k]))
		}
	}
}

func orMissing(b json.RawMessage) string {
	if b == nil {
		return "(missing)"
	}
	return string(b)
}

// mustUTCMillis fails unless got is want, in UTC, at millisecond
// precision.
func mustUTCMillis(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("%s = %s (zone %s), want %s in UTC at millisecond precision", what,
			got.Format(time.RFC3339Nano), got.Location(), want.UTC().Format(time.RFC3339Nano))
	}
}

// mustUTCDay fails unless got is the UTC midnight of the ISO date want.
func mustUTCDay(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is nil, want %s", what, want)
		return
	}
	if !got.Equal(*day(want)) || got.Location() != time.UTC {
		t.Errorf("%s = %s (zone %s), want %sT00:00:00Z", what, got.Format(time.RFC3339Nano), got.Location(), want)
	}
}

// richNetwork returns nodes and relationships that between them set every
// field of the model: names in three languages, abbreviations, aliases,
// descriptions, types, codes, regions, whole and half-open periods,
// goals, contact data, document data and citations with locators and
// quotes, and a FUNDS amount.
func richNetwork() ([]*hub.Node, []*hub.Relationship) {
	published := time.Date(2024, time.May, 17, 0, 0, 0, 0, time.UTC)
	src := Source()
	src.Type = "PRESS_RELEASE"
	src.Name = hub.LocalizedText{FI: "Päijät-Hämeen OTE-pilotti alkaa", SV: "Päijänne-Tavastlands pilot börjar", EN: "Päijät-Häme pilot starts"}
	src.Description = hub.LocalizedText{FI: "Tiedote", SV: "Pressmeddelande", EN: "Press release"}
	src.Document = &hub.Document{
		File:      "tiedote-2024-05-17.pdf",
		Publisher: "Työ- ja elinkeinoministeriö",
		Author:    "Maija Meikäläinen",
		Published: &published,
		Language:  hub.Finnish,
		URL:       "https://tem.fi/-/tiedote?id=42&lang=fi",
	}

	region := node(hub.KindRegion, "paijat-hame", "Päijät-Häme")
	region.Name = hub.LocalizedText{FI: "Päijät-Häme", SV: "Päijänne-Tavastland", EN: "Päijät-Häme"}
	region.Code = "07"
	region.Classification = &hub.Classification{Scheme: "maakunta", Year: 2023, URL: "https://www2.tilastokeskus.fi/fi/luokitukset/maakunta/maakunta_1_20230101/"}

	org := node(hub.KindOrganisation, "tem", "Työ- ja elinkeinoministeriö")
	org.Type = "MINISTRY"
	org.Name.EN = "Ministry of Economic Affairs and Employment"
	org.Abbreviations = []string{"TEM", "ANM"}
	org.BusinessID = "0245437-2"

	pilot := node(hub.KindPilot, "pahee", "Päijät-Hämeen työllisyyspilotti")
	pilot.Name.SV = "Sysselsättningspilot i Päijänne-Tavastland"
	pilot.Name.EN = "Päijät-Häme employment pilot"
	pilot.Abbreviations = []string{"PÄHEE"}
	pilot.Aliases = []string{"Päijät-Hämeen OTE", "PH-pilotti"}
	pilot.Description = hub.LocalizedText{FI: "Kuvaus", SV: "Beskrivning", EN: "Description"}
	pilot.RegionIDs = []string{region.ID}
	pilot.Period = period("2021-03-01", "2024-12-31")
	pilot.Goals = []hub.LocalizedText{
		{FI: "Työllisyys paranee", SV: "Sysselsättningen ökar", EN: "Employment improves"},
		{FI: "Vain suomeksi"},
	}
	pilot.Sources = []hub.Citation{
		{SourceID: src.ID, Locator: "s. 3, kappale 2", Quote: "Pilotti alkaa 1.3.2021.", Fields: []string{"period"}},
		{SourceID: src.ID, Locator: "liite 1"},
		{StatedBy: "koordinaattori", Fields: []string{"name", "aliases"}},
	}
	// Another source gives the pilot another start and name.
	pilot.Alternatives = []hub.Alternative{
		{Field: "period", Value: json.RawMessage(`{"start":"2021-04-01T00:00:00Z","end":"2024-12-31T00:00:00Z"}`),
			Sources: []hub.Citation{{SourceID: src.ID, Locator: "s. 5", Quote: "Pilotti alkoi huhtikuussa."}}},
		{Field: "name", Value: json.RawMessage(`{"fi":"Päijät-Hämeen OTE-pilotti"}`),
			Sources: []hub.Citation{{StatedBy: "koordinaattori"}}},
	}
	org.MergedIDs = []string{hub.NodeID(hub.KindOrganisation, "tem-vanha")}

	programme := node(hub.KindProgramme, "ote", "OTE-ohjelma")
	programme.Type = "SUB_PROJECT"
	programme.Period = &hub.Period{Start: day("2020-09-01")}

	event := node(hub.KindEvent, "webinaari", "OTE-webinaari")
	event.Type = "WEBINAR"
	event.Period = &hub.Period{End: day("2023-06-30")}

	contact := node(hub.KindContact, "maija", "Maija Meikäläinen")
	contact.Title = "Projektipäällikkö"
	contact.Contact = &hub.ContactDetails{Email: "maija@example.org", Phone: "+358 40 123 4567"}

	funds := rel(hub.Funds, org, pilot, "2021")
	funds.Role = "rahoittaja"
	funds.Amount = &hub.Money{Minor: 150_000_000, Currency: "EUR"}
	funds.Period = period("2021-03-01", "2023-12-31")
	funds.Description = hub.LocalizedText{FI: "Rahoitus", SV: "Finansiering", EN: "Funding"}
	funds.Sources = []hub.Citation{{SourceID: src.ID, Locator: "s. 4", Quote: "1,5 miljoonaa euroa"}}
	funds.Alternatives = []hub.Alternative{{Field: "amount", Value: json.RawMessage(`{"minor":120000000,"currency":"EUR"}`),
		Sources: []hub.Citation{{SourceID: src.ID, Locator: "s. 9", Fields: []string{"amount"}}}}}

	partOf := rel(hub.PartOf, pilot, programme, "")
	partOf.Period = &hub.Period{Start: day("2021-03-01")}

	contactFor := rel(hub.ContactFor, contact, pilot, "")
	contactFor.Period = &hub.Period{End: day("2024-12-31")}

	return []*hub.Node{src, region, org, pilot, programme, event, contact},
		[]*hub.Relationship{funds, partOf, contactFor}
}

func testNodeRoundTrip(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	mustApply(t, s, nodes, rels)

	got := mustNodesByID(t, s, nodeIDs(nodes)...)
	for i, want := range nodes {
		if got[i] == nil {
			t.Errorf("NodesByID: %s is missing", ref(want))
			continue
		}
		mustSameJSON(t, ref(want), got[i], want)
	}
	if slices.Contains(got, nil) {
		t.FailNow()
	}

	// Spot checks that do not rely on the JSON form.
	if c := got[1].Classification; c == nil || *c != (hub.Classification{Scheme: "maakunta", Year: 2023, URL: "https://www2.tilastokeskus.fi/fi/luokitukset/maakunta/maakunta_1_20230101/"}) {
		t.Errorf("region classification = %+v", c)
	}
	pilot := got[3]
	if pilot.Name != (hub.LocalizedText{FI: "Päijät-Hämeen työllisyyspilotti", SV: "Sysselsättningspilot i Päijänne-Tavastland", EN: "Päijät-Häme employment pilot"}) {
		t.Errorf("pilot name = %+v", pilot.Name)
	}
	if !slices.Equal(pilot.Aliases, []string{"Päijät-Hämeen OTE", "PH-pilotti"}) || !slices.Equal(pilot.Abbreviations, []string{"PÄHEE"}) {
		t.Errorf("pilot aliases %q, abbreviations %q", pilot.Aliases, pilot.Abbreviations)
	}
	if len(pilot.Goals) != 2 || pilot.Goals[1].FI != "Vain suomeksi" || pilot.Goals[1].SV != "" {
		t.Errorf("pilot goals = %+v", pilot.Goals)
	}
	if len(pilot.Sources) != 3 || pilot.Sources[0].Quote != "Pilotti alkaa 1.3.2021." || pilot.Sources[1].Locator != "liite 1" ||
		!slices.Equal(pilot.Sources[0].Fields, []string{"period"}) || pilot.Sources[2].StatedBy != "koordinaattori" || pilot.Sources[2].SourceID != "" {
		t.Errorf("pilot sources = %+v", pilot.Sources)
	}
	if len(pilot.Alternatives) != 2 || pilot.Alternatives[0].Field != "period" || pilot.Alternatives[1].Sources[0].StatedBy != "koordinaattori" {
		t.Errorf("pilot alternatives = %+v", pilot.Alternatives)
	}
	if pilot.Period != nil {
		mustUTCDay(t, "pilot period start", pilot.Period.Start, "2021-03-01")
		mustUTCDay(t, "pilot period end", pilot.Period.End, "2024-12-31")
	} else {
		t.Error("pilot period is nil")
	}
	if p := got[4].Period; p == nil || p.End != nil {
		t.Errorf("programme period = %+v, want a start and no end", p)
	}
	if p := got[5].Period; p == nil || p.Start != nil {
		t.Errorf("event period = %+v, want an end and no start", p)
	}
	if c := got[6]; c.Title != "Projektipäällikkö" || c.Contact == nil || *c.Contact != (hub.ContactDetails{Email: "maija@example.org", Phone: "+358 40 123 4567"}) {
		t.Errorf("contact = title %q, details %+v", c.Title, c.Contact)
	}
	if d := got[0].Document; d == nil || d.Published == nil || d.URL != "https://tem.fi/-/tiedote?id=42&lang=fi" {
		t.Errorf("document = %+v", d)
	} else {
		mustUTCDay(t, "document published", d.Published, "2024-05-17")
	}
	if got[1].Code != "07" || got[1].Type != "REGION" {
		t.Errorf("region code %q, type %q", got[1].Code, got[1].Type)
	}
	for i, n := range got {
		mustUTCMillis(t, ref(nodes[i])+" CreatedAt", n.CreatedAt, ms(t0))
		mustUTCMillis(t, ref(nodes[i])+" UpdatedAt", n.UpdatedAt, ms(t0))
	}
}

func testRelationshipRoundTrip(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	mustApply(t, s, nodes, rels)

	got := mustRelationshipsByID(t, s, relIDs(rels)...)
	for i, want := range rels {
		if got[i] == nil {
			t.Errorf("RelationshipsByID: %s is missing", want.Key)
			continue
		}
		mustSameJSON(t, want.Key, got[i], want)
	}
	if slices.Contains(got, nil) {
		t.FailNow()
	}
	funds := got[0]
	if funds.Amount == nil || *funds.Amount != (hub.Money{Minor: 150_000_000, Currency: "EUR"}) {
		t.Errorf("amount = %+v", funds.Amount)
	}
	if funds.Role != "rahoittaja" || funds.Type != hub.Funds || funds.FromID != nodes[2].ID || funds.ToID != nodes[3].ID {
		t.Errorf("funds = role %q, type %s, %s → %s", funds.Role, funds.Type, funds.FromID, funds.ToID)
	}
	if funds.Period == nil {
		t.Error("funds period is nil")
	} else {
		mustUTCDay(t, "funds period start", funds.Period.Start, "2021-03-01")
		mustUTCDay(t, "funds period end", funds.Period.End, "2023-12-31")
	}
	if len(funds.Sources) != 1 || !funds.Sources[0].Equal(hub.Citation{SourceID: sourceID, Locator: "s. 4", Quote: "1,5 miljoonaa euroa"}) {
		t.Errorf("funds sources = %+v", funds.Sources)
	}
	if p := got[1].Period; p == nil || p.Start == nil || p.End != nil {
		t.Errorf("PART_OF period = %+v, want a start and no end", p)
	}
	if p := got[2].Period; p == nil || p.Start != nil || p.End == nil {
		t.Errorf("CONTACT_FOR period = %+v, want an end and no start", p)
	}
	for i, r := range got {
		mustUTCMillis(t, rels[i].Key+" CreatedAt", r.CreatedAt, ms(t0))
		mustUTCMillis(t, rels[i].Key+" UpdatedAt", r.UpdatedAt, ms(t0))
	}
}

func testByIDPositions(t *testing.T, s Store) {
	a := node(hub.KindOrganisation, "a", "A")
	b := node(hub.KindOrganisation, "b", "B")
	r := rel(hub.RefersTo, a, b, "")
	mustApply(t, s, Source(), a, b, r)
	missing := hub.NodeID(hub.KindOrganisation, "missing")

	got := mustNodesByID(t, s, b.ID, missing, a.ID, b.ID, "", r.ID)
	want := []*hub.Node{b, nil, a, b, nil, nil}
	for i := range want {
		switch {
		case want[i] == nil && got[i] != nil:
			t.Errorf("NodesByID entry %d = %s, want nil", i, got[i].Key)
		case want[i] != nil && (got[i] == nil || got[i].ID != want[i].ID):
			t.Errorf("NodesByID entry %d = %v, want %s", i, got[i], want[i].Key)
		}
	}
	if got := mustNodesByID(t, s); len(got) != 0 {
		t.Errorf("NodesByID() = %v, want no entries", got)
	}

	missingRel := hub.RelationshipID("missing")
	rels := mustRelationshipsByID(t, s, missingRel, r.ID, a.ID, r.ID)
	if rels[0] != nil || rels[1] == nil || rels[1].ID != r.ID || rels[2] != nil || rels[3] == nil || rels[3].ID != r.ID {
		t.Errorf("RelationshipsByID(missing, r, node id, r) = %v, want [nil r nil r]", rels)
	}
	if got := mustRelationshipsByID(t, s); len(got) != 0 {
		t.Errorf("RelationshipsByID() = %v, want no entries", got)
	}
}

// scribbleNode changes every field of n, through every pointer and slice
// it holds.
func scribbleNode(n *hub.Node) {
	n.Key += "-changed"
	n.Name.FI += "!"
	n.Name.SV += "!"
	n.Description.EN += "!"
	n.Type, n.Code, n.Title, n.SortName, n.SortStart = "X", "X", "X", "X", "X"
	for _, s := range [][]string{n.Abbreviations, n.Aliases, n.RegionIDs, n.SearchTerms} {
		for i := range s {
			s[i] = "changed"
		}
	}
	for i := range n.Goals {
		n.Goals[i].FI = "changed"
	}
	for i := range n.Sources {
		n.Sources[i].SourceID, n.Sources[i].Quote = "changed", "changed"
	}
	if n.Period != nil {
		for _, d := range []*time.Time{n.Period.Start, n.Period.End} {
			if d != nil {
				*d = d.AddDate(1, 0, 0)
			}
		}
	}
	if n.Contact != nil {
		n.Contact.Email = "changed@example.org"
	}
	if n.Document != nil {
		n.Document.URL = "changed"
		if n.Document.Published != nil {
			*n.Document.Published = n.Document.Published.AddDate(1, 0, 0)
		}
	}
	n.CreatedAt = n.CreatedAt.AddDate(1, 0, 0)
}

// scribbleRelationship changes every field of r, through every pointer
// and slice it holds.
func scribbleRelationship(r *hub.Relationship) {
	r.Key += "-changed"
	r.FromID, r.ToID, r.Role, r.SortStart = "changed", "changed", "changed", "X"
	r.Description.FI += "!"
	if r.Amount != nil {
		r.Amount.Minor++
	}
	if r.Period != nil {
		for _, d := range []*time.Time{r.Period.Start, r.Period.End} {
			if d != nil {
				*d = d.AddDate(1, 0, 0)
			}
		}
	}
	for i := range r.Sources {
		r.Sources[i].Locator = "changed"
	}
	r.UpdatedAt = r.UpdatedAt.AddDate(1, 0, 0)
}

// Returned values are read-only and may be shared (see hub.Reader), so a
// store must never change one in place: a reader holding a value while
// another request writes would see it change, or race with the write.
func testReturnedValuesDoNotChange(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	mustApply(t, s, nodes, rels)
	ids, rids := nodeIDs(nodes), relIDs(rels)

	var held []any
	for _, n := range mustNodesByID(t, s, ids...) {
		held = append(held, n)
	}
	for _, n := range allNodes(t, s, hub.NodeFilter{}) {
		held = append(held, n)
	}
	for _, r := range mustRelationshipsByID(t, s, rids...) {
		held = append(held, r)
	}
	for _, r := range allRelationships(t, s, hub.RelationshipFilter{NodeIDs: ids}) {
		held = append(held, r)
	}
	before := make([]string, len(held))
	for i, v := range held {
		b, _ := json.Marshal(v)
		before[i] = string(b)
	}

	// Rewrite every row with other values.
	var again []any
	for _, n := range nodes {
		c := n.Clone()
		c.Name.FI += " (uusi)"
		c.Aliases = append(c.Aliases, "uusi alias")
		again = append(again, c)
	}
	for _, r := range rels {
		c := r.Clone()
		c.Role += " (uusi)"
		if c.Amount != nil {
			c.Amount.Minor++
		}
		again = append(again, c)
	}
	MustApplyAt(t, s, t1, again...)

	for i, v := range held {
		if b, _ := json.Marshal(v); string(b) != before[i] {
			t.Errorf("a value read before the write changed:\nbefore %s\nafter  %s", before[i], b)
		}
	}
	for _, n := range mustNodesByID(t, s, ids...) {
		if !strings.HasSuffix(n.Name.FI, " (uusi)") {
			t.Errorf("%s: read after the write has name %q, want the new one", ref(n), n.Name.FI)
		}
	}
	for _, r := range mustRelationshipsByID(t, s, rids...) {
		if !strings.HasSuffix(r.Role, " (uusi)") {
			t.Errorf("%s: read after the write has role %q, want the new one", r.Key, r.Role)
		}
	}
}

func testAppliedBatchIsCopied(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	mustApply(t, s, nodes, rels)
	want := make([]json.RawMessage, 0, len(nodes)+len(rels))
	for _, n := range nodes {
		b, _ := json.Marshal(n)
		want = append(want, b)
	}
	for _, r := range rels {
		b, _ := json.Marshal(r)
		want = append(want, b)
	}
	ids, rids := nodeIDs(nodes), relIDs(rels)
	for _, n := range nodes {
		scribbleNode(n)
	}
	for _, r := range rels {
		scribbleRelationship(r)
	}
	for i, n := range mustNodesByID(t, s, ids...) {
		mustSameJSON(t, ids[i]+" after changing the applied batch", n, want[i])
	}
	for i, r := range mustRelationshipsByID(t, s, rids...) {
		mustSameJSON(t, rids[i]+" after changing the applied batch", r, want[len(nodes)+i])
	}
}

func testUpsertNode(t *testing.T, s Store) {
	region := node(hub.KindRegion, "uusimaa", "Uusimaa")
	v1 := node(hub.KindPilot, "pilotti", "Vanha nimi")
	v1.Aliases = []string{"Vanha alias"}
	v1.RegionIDs = []string{region.ID}
	v1.Period = period("2021-01-01", "")
	mustApply(t, s, Source(), region, v1)

	v2 := node(hub.KindPilot, "pilotti", "Uusi nimi")
	v2.Name.EN = "New name"
	v2.Goals = []hub.LocalizedText{{FI: "Tavoite"}}
	MustApplyAt(t, s, t1, v2)

	got := mustNodesByID(t, s, v2.ID)[0]
	if got == nil {
		t.Fatal("the upserted node is missing")
	}
	want := v2.Clone()
	want.CreatedAt = ms(t0)
	mustSameJSON(t, "upserted node", got, want)
	mustUTCMillis(t, "CreatedAt", got.CreatedAt, ms(t0))
	mustUTCMillis(t, "UpdatedAt", got.UpdatedAt, ms(t1))
	if len(got.Aliases) != 0 || len(got.RegionIDs) != 0 || got.Period != nil {
		t.Errorf("upsert merged old fields into the new node: aliases %q, regions %q, period %+v", got.Aliases, got.RegionIDs, got.Period)
	}

	if n := mustCountNodes(t, s, hub.NodeFilter{}); n != 3 {
		t.Errorf("CountNodes = %d after upsert, want 3", n)
	}
	if found := allNodes(t, s, hub.NodeFilter{NameContains: "vanha"}); len(found) != 0 {
		t.Errorf("the old name and alias still match: %v", nodeIDs(found))
	}
	mustSameIDs(t, s, "NameContains the new name", nodeIDs(allNodes(t, s, hub.NodeFilter{NameContains: "uusi nimi"})), []string{v2.ID})
	mustSameIDs(t, s, "NameContains the new English name", nodeIDs(allNodes(t, s, hub.NodeFilter{NameContains: "new name"})), []string{v2.ID})
	if found := allNodes(t, s, hub.NodeFilter{RegionIDs: []string{region.ID}}); len(found) != 0 {
		t.Errorf("the dropped region still matches: %v", nodeIDs(found))
	}
	page, _ := mustFindNodes(t, s, hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}, hub.ListOptions{OrderBy: []hub.Order{asc(hub.OrderByStartDate)}, First: 10})
	if len(page) != 1 || page[0].SortStart != "" {
		t.Errorf("START_DATE order sees %v; want only the replaced row, without a start", page)
	}
}

func testUpsertRelationship(t *testing.T, s Store) {
	tem := node(hub.KindOrganisation, "tem", "TEM")
	pilot := node(hub.KindPilot, "pilotti", "Pilotti")
	v1 := rel(hub.Funds, tem, pilot, "")
	v1.Amount = &hub.Money{Minor: 100, Currency: "EUR"}
	v1.Role = "rahoittaja"
	v1.Period = period("2021-01-01", "2021-12-31")
	mustApply(t, s, Source(), tem, pilot, v1)

	v2 := rel(hub.Funds, tem, pilot, "")
	v2.Amount = &hub.Money{Minor: 250, Currency: "SEK"}
	v2.Description = hub.LocalizedText{EN: "More"}
	MustApplyAt(t, s, t1, v2)

	got := mustRelationshipsByID(t, s, v2.ID)[0]
	if got == nil {
		t.Fatal("the upserted relationship is missing")
	}
	want := v2.Clone()
	want.CreatedAt = ms(t0)
	mustSameJSON(t, "upserted relationship", got, want)
	mustUTCMillis(t, "CreatedAt", got.CreatedAt, ms(t0))
	mustUTCMillis(t, "UpdatedAt", got.UpdatedAt, ms(t1))
	if got.Role != "" || got.Period != nil {
		t.Errorf("upsert merged old fields into the new relationship: role %q, period %+v", got.Role, got.Period)
	}
	if n := mustCountRelationships(t, s, hub.RelationshipFilter{}); n != 1 {
		t.Errorf("CountRelationships = %d after upsert, want 1", n)
	}
	mustSameIDs(t, s, "FindRelationships from the node", relIDs(allRelationships(t, s, hub.RelationshipFilter{NodeIDs: []string{tem.ID}})), []string{v2.ID})
}

func testReapplyAddsNothing(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	b := mustApply(t, s, nodes, rels)
	mustPrepare(t, s, b, t1)
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	// A third time, as fresh values equal to the first.
	nodes2, rels2 := richNetwork()
	MustApplyAt(t, s, t1, nodes2, rels2)

	if n := mustCountNodes(t, s, hub.NodeFilter{}); n != len(nodes) {
		t.Errorf("CountNodes = %d, want %d", n, len(nodes))
	}
	if n := mustCountRelationships(t, s, hub.RelationshipFilter{}); n != len(rels) {
		t.Errorf("CountRelationships = %d, want %d", n, len(rels))
	}
	mustSameIDSet(t, s, "FindNodes", nodeIDs(allNodes(t, s, hub.NodeFilter{})), nodeIDs(nodes))
	mustSameIDSet(t, s, "FindRelationships", relIDs(allRelationships(t, s, hub.RelationshipFilter{})), relIDs(rels))
	for _, n := range nodes {
		want := hub.RelationshipFilter{NodeIDs: []string{n.ID}}
		var ids []string
		for _, r := range rels {
			if relFilterHolds(&want, r) {
				ids = append(ids, r.ID)
			}
		}
		mustSameIDSet(t, s, "relationships of "+ref(n), relIDs(allRelationships(t, s, want)), ids)
		if c := mustCountRelationships(t, s, want); c != len(ids) {
			t.Errorf("CountRelationships of %s = %d, want %d", ref(n), c, len(ids))
		}
	}
	for _, n := range mustNodesByID(t, s, nodeIDs(nodes)...) {
		mustUTCMillis(t, ref(n)+" CreatedAt", n.CreatedAt, ms(t0))
		mustUTCMillis(t, ref(n)+" UpdatedAt", n.UpdatedAt, ms(t1))
	}
}

func testRelationshipEndsMove(t *testing.T, s Store) {
	a := node(hub.KindOrganisation, "a", "A")
	b := node(hub.KindPilot, "b", "B")
	c := node(hub.KindOrganisation, "c", "C")
	d := node(hub.KindPilot, "d", "D")
	moving := &hub.Relationship{Key: "moving", Type: hub.PartnerIn, FromID: a.ID, ToID: b.ID, Sources: []hub.Citation{{SourceID: sourceID}}}
	mustApply(t, s, Source(), a, b, c, d, moving)
	mustSameIDs(t, s, "before the move, from a", relIDs(allRelationships(t, s, hub.RelationshipFilter{NodeIDs: []string{a.ID}})), []string{moving.ID})

	moved := &hub.Relationship{Key: "moving", Type: hub.PartnerIn, FromID: c.ID, ToID: d.ID, Sources: []hub.Citation{{SourceID: sourceID}}}
	MustApplyAt(t, s, t1, moved)
	if moved.ID != moving.ID {
		t.Fatalf("the same key gave ids %s and %s", moving.ID, moved.ID)
	}

	cases := []struct {
		name string
		f    hub.RelationshipFilter
		want []string
	}{
		{"old from-end, both directions", hub.RelationshipFilter{NodeIDs: []string{a.ID}}, nil},
		{"old from-end, OUT", hub.RelationshipFilter{NodeIDs: []string{a.ID}, Direction: hub.Out}, nil},
		{"old to-end, both directions", hub.RelationshipFilter{NodeIDs: []string{b.ID}, Direction: hub.Both}, nil},
		{"old to-end, IN", hub.RelationshipFilter{NodeIDs: []string{b.ID}, Direction: hub.In}, nil},
		{"old ends as FromIDs", hub.RelationshipFilter{FromIDs: []string{a.ID}}, nil},
		{"old ends as ToIDs", hub.RelationshipFilter{ToIDs: []string{b.ID}}, nil},
		{"new from-end, OUT", hub.RelationshipFilter{NodeIDs: []string{c.ID}, Direction: hub.Out}, []string{moved.ID}},
		{"new from-end, IN", hub.RelationshipFilter{NodeIDs: []string{c.ID}, Direction: hub.In}, nil},
		{"new to-end, IN", hub.RelationshipFilter{NodeIDs: []string{d.ID}, Direction: hub.In}, []string{moved.ID}},
		{"new ends as FromIDs and ToIDs", hub.RelationshipFilter{FromIDs: []string{c.ID}, ToIDs: []string{d.ID}}, []string{moved.ID}},
		{"all four nodes", hub.RelationshipFilter{NodeIDs: []string{a.ID, b.ID, c.ID, d.ID}}, []string{moved.ID}},
	}
	for _, tc := range cases {
		mustSameIDs(t, s, tc.name, relIDs(allRelationships(t, s, tc.f)), tc.want)
		if n := mustCountRelationships(t, s, tc.f); n != len(tc.want) {
			t.Errorf("%s: CountRelationships = %d, want %d", tc.name, n, len(tc.want))
		}
	}
	if got := mustRelationshipsByID(t, s, moved.ID)[0]; got == nil || got.FromID != c.ID || got.ToID != d.ID {
		t.Errorf("RelationshipsByID after the move = %+v, want c → d", got)
	}
}

func testTimePrecision(t *testing.T, s Store) {
	// Mid-day in a non-UTC zone on the same UTC day, and times with
	// nanoseconds: Prepare keeps the UTC day, the store keeps what
	// Prepare made.
	start := time.Date(2024, time.January, 15, 12, 30, 0, 999, eet)
	end := time.Date(2024, time.June, 30, 23, 59, 59, 999_999_999, time.UTC)
	published := time.Date(2023, time.November, 2, 8, 0, 0, 1, eet)
	relStart := time.Date(2022, time.February, 28, 18, 0, 0, 0, time.UTC)
	created := time.Date(2020, time.July, 1, 13, 14, 15, 161_718_192, eet)

	src := Source()
	src.Document.Published = &published
	org := node(hub.KindOrganisation, "org", "Org")
	org.CreatedAt = created
	pilot := node(hub.KindPilot, "aika", "Aikapilotti")
	pilot.Period = &hub.Period{Start: &start, End: &end}
	r := rel(hub.Leads, org, pilot, "")
	r.Period = &hub.Period{Start: &relStart}
	mustApply(t, s, src, org, pilot, r)

	got := mustNodesByID(t, s, src.ID, org.ID, pilot.ID)
	if slices.Contains(got, nil) {
		t.Fatalf("NodesByID = %v", got)
	}
	for _, n := range got {
		mustUTCMillis(t, ref(n)+" UpdatedAt", n.UpdatedAt, ms(t0))
	}
	mustUTCMillis(t, "source CreatedAt", got[0].CreatedAt, ms(t0))
	mustUTCMillis(t, "a given CreatedAt", got[1].CreatedAt, ms(created))
	if got[0].Document != nil {
		mustUTCDay(t, "document published", got[0].Document.Published, "2023-11-02")
	} else {
		t.Error("document details are missing")
	}
	if p := got[2].Period; p != nil {
		mustUTCDay(t, "period start", p.Start, "2024-01-15")
		mustUTCDay(t, "period end", p.End, "2024-06-30")
	} else {
		t.Error("period is missing")
	}
	if got[2].SortStart != "2024-01-15" {
		t.Errorf("SortStart = %q, want 2024-01-15", got[2].SortStart)
	}

	gr := mustRelationshipsByID(t, s, r.ID)[0]
	if gr == nil {
		t.Fatal("relationship is missing")
	}
	mustUTCMillis(t, "relationship CreatedAt", gr.CreatedAt, ms(t0))
	mustUTCMillis(t, "relationship UpdatedAt", gr.UpdatedAt, ms(t0))
	if gr.Period != nil {
		mustUTCDay(t, "relationship period start", gr.Period.Start, "2022-02-28")
	} else {
		t.Error("relationship period is missing")
	}

	// The same through FindNodes and FindRelationships.
	for _, n := range allNodes(t, s, hub.NodeFilter{}) {
		mustUTCMillis(t, ref(n)+" UpdatedAt via FindNodes", n.UpdatedAt, ms(t0))
	}
	for _, r := range allRelationships(t, s, hub.RelationshipFilter{}) {
		mustUTCMillis(t, r.Key+" UpdatedAt via FindRelationships", r.UpdatedAt, ms(t0))
	}
}

func testEmptyStore(t *testing.T, s Store) {
	for _, first := range []int{0, 1, 20, hub.Unlimited} {
		nodes, hasNext := mustFindNodes(t, s, hub.NodeFilter{}, hub.ListOptions{First: first, OrderBy: []hub.Order{{Field: hub.OrderByName}}})
		if len(nodes) != 0 || hasNext {
			t.Errorf("FindNodes(First=%d) on an empty store = %d rows, hasNext %v", first, len(nodes), hasNext)
		}
		rels, hasNext := mustFindRelationships(t, s, hub.RelationshipFilter{}, hub.ListOptions{First: first})
		if len(rels) != 0 || hasNext {
			t.Errorf("FindRelationships(First=%d) on an empty store = %d rows, hasNext %v", first, len(rels), hasNext)
		}
	}
	if n := mustCountNodes(t, s, hub.NodeFilter{}); n != 0 {
		t.Errorf("CountNodes = %d", n)
	}
	if n := mustCountRelationships(t, s, hub.RelationshipFilter{}); n != 0 {
		t.Errorf("CountRelationships = %d", n)
	}
	if got := mustNodesByID(t, s, sourceID); got[0] != nil {
		t.Errorf("NodesByID on an empty store = %v", got)
	}
}

// network is a small, realistic graph used by the filter tests.
type network struct {
	src, uusimaa, paijatHame, lahti, tem, lahtiOrg, helsinki,
	pahee, uusimaaOte, ote, tuki, nuoret *hub.Node
	funds21, administers, partner, partOf, provides, serves,
	coordinates, funds23, refers *hub.Relationship
}

func newNetwork() *network {
	n := &network{src: Source()}

	n.uusimaa = node(hub.KindRegion, "uusimaa", "Uusimaa")
	n.uusimaa.Name.SV = "Nyland"
	n.uusimaa.Code = "01"
	n.paijatHame = node(hub.KindRegion, "paijat-hame", "Päijät-Häme")
	n.paijatHame.Name.SV = "Päijänne-Tavastland"
	n.paijatHame.Code = "07"
	n.lahti = node(hub.KindRegion, "lahti", "Lahti")
	n.lahti.Type = "MUNICIPALITY"
	n.lahti.Name.SV = "Lahtis"
	n.lahti.Code = "398"

	n.tem = node(hub.KindOrganisation, "tem", "Työ- ja elinkeinoministeriö")
	n.tem.Type = "MINISTRY"
	n.tem.Name.EN = "Ministry of Economic Affairs and Employment"
	n.tem.Abbreviations = []string{"TEM"}
	// The same key as the region: keys are unique within a kind only.
	n.lahtiOrg = node(hub.KindOrganisation, "lahti", "Lahden kaupunki")
	n.lahtiOrg.Type = "MUNICIPALITY"
	n.lahtiOrg.RegionIDs = []string{n.lahti.ID, n.paijatHame.ID}
	n.helsinki = node(hub.KindOrganisation, "helsinki", "Helsingin kaupunki")
	n.helsinki.Type = "MUNICIPALITY"
	n.helsinki.Name.SV = "Helsingfors stad"
	n.helsinki.RegionIDs = []string{n.uusimaa.ID}

	n.pahee = node(hub.KindPilot, "pahee", "Päijät-Hämeen työllisyyspilotti")
	n.pahee.Abbreviations = []string{"PÄHEE"}
	n.pahee.Aliases = []string{"Päijät-Hämeen OTE"}
	n.pahee.RegionIDs = []string{n.paijatHame.ID}
	n.pahee.Period = period("2021-03-01", "2024-12-31")
	n.uusimaaOte = node(hub.KindPilot, "uusimaa-ote", "Uudenmaan OTE-pilotti")
	n.uusimaaOte.RegionIDs = []string{n.uusimaa.ID}
	n.uusimaaOte.Period = period("2022-01-01", "")
	n.ote = node(hub.KindProgramme, "ote", "OTE-ohjelma")
	n.ote.Period = period("2020-09-01", "2023-06-30")
	n.tuki = node(hub.KindService, "osaamisen-tuki", "Osaamisen tuki")
	n.tuki.Aliases = []string{"Kouluttautumisneuvonta"}
	n.nuoret = node(hub.KindTargetGroup, "nuoret", "Nuoret")

	n.funds21 = rel(hub.Funds, n.tem, n.pahee, "2021")
	n.funds21.Amount = &hub.Money{Minor: 150_000_000, Currency: "EUR"}
	n.funds21.Period = period("2021-03-01", "")
	n.administers = rel(hub.Administers, n.lahtiOrg, n.pahee, "")
	n.administers.Period = period("2021-03-01", "2024-12-31")
	n.partner = rel(hub.PartnerIn, n.helsinki, n.pahee, "")
	n.partOf = rel(hub.PartOf, n.pahee, n.ote, "")
	n.provides = rel(hub.Provides, n.pahee, n.tuki, "")
	n.provides.Period = period("2022-01-01", "")
	n.serves = rel(hub.Serves, n.tuki, n.nuoret, "")
	n.coordinates = rel(hub.Coordinates, n.tem, n.ote, "")
	n.coordinates.Period = period("2020-09-01", "")
	n.funds23 = rel(hub.Funds, n.tem, n.pahee, "2023")
	n.funds23.Amount = &hub.Money{Minor: 99, Currency: "EUR"}
	n.funds23.Period = period("2023-01-01", "2023-12-31")
	n.refers = rel(hub.RefersTo, n.helsinki, n.lahtiOrg, "")
	return n
}

func (n *network) nodes() []*hub.Node {
	return []*hub.Node{n.src, n.uusimaa, n.paijatHame, n.lahti, n.tem, n.lahtiOrg, n.helsinki,
		n.pahee, n.uusimaaOte, n.ote, n.tuki, n.nuoret}
}

func (n *network) rels() []*hub.Relationship {
	return []*hub.Relationship{n.funds21, n.administers, n.partner, n.partOf, n.provides, n.serves,
		n.coordinates, n.funds23, n.refers}
}

func testNodeFilters(t *testing.T, s Store) {
	n := newNetwork()
	mustApply(t, s, n.nodes(), n.rels())
	missing := hub.NodeID(hub.KindPilot, "missing")
	kinds := func(k ...hub.Kind) []hub.Kind { return k }
	ids := func(ns ...*hub.Node) []string { return nodeIDs(ns) }

	cases := []struct {
		name string
		f    hub.NodeFilter
		want []*hub.Node
	}{
		{"no filter", hub.NodeFilter{}, n.nodes()},
		{"one kind", hub.NodeFilter{Kinds: kinds(hub.KindRegion)}, []*hub.Node{n.uusimaa, n.paijatHame, n.lahti}},
		{"any of two kinds", hub.NodeFilter{Kinds: kinds(hub.KindPilot, hub.KindProgramme)}, []*hub.Node{n.pahee, n.uusimaaOte, n.ote}},
		{"a kind without nodes", hub.NodeFilter{Kinds: kinds(hub.KindContact)}, nil},
		{"a key shared by two kinds", hub.NodeFilter{Keys: []string{"lahti"}}, []*hub.Node{n.lahti, n.lahtiOrg}},
		{"a key and a kind", hub.NodeFilter{Keys: []string{"lahti"}, Kinds: kinds(hub.KindOrganisation)}, []*hub.Node{n.lahtiOrg}},
		{"keys", hub.NodeFilter{Keys: []string{"tem", "nuoret", "missing"}}, []*hub.Node{n.tem, n.nuoret}},
		{"ids with a duplicate and a missing id", hub.NodeFilter{IDs: []string{n.pahee.ID, missing, n.pahee.ID, n.tem.ID}}, []*hub.Node{n.pahee, n.tem}},
		{"ids of relationships", hub.NodeFilter{IDs: []string{n.partOf.ID}}, nil},
		{"a type across kinds", hub.NodeFilter{Types: []string{"MUNICIPALITY"}}, []*hub.Node{n.lahti, n.lahtiOrg, n.helsinki}},
		{"any of two types", hub.NodeFilter{Types: []string{"PILOT", "PROGRAMME"}}, []*hub.Node{n.pahee, n.uusimaaOte, n.ote}},
		{"the empty type: nodes of a kind without types", hub.NodeFilter{Types: []string{""}}, []*hub.Node{n.nuoret}},
		{"a type or none", hub.NodeFilter{Types: []string{"MINISTRY", ""}}, []*hub.Node{n.tem, n.nuoret}},
		// The service is in Päijät-Häme through its provider, PÄHEE.
		{"one region", hub.NodeFilter{RegionIDs: ids(n.paijatHame)}, []*hub.Node{n.lahtiOrg, n.pahee, n.tuki}},
		{"any of two regions", hub.NodeFilter{RegionIDs: ids(n.paijatHame, n.uusimaa)}, []*hub.Node{n.lahtiOrg, n.pahee, n.helsinki, n.uusimaaOte, n.tuki}},
		{"services in their provider's region", hub.NodeFilter{Kinds: kinds(hub.KindService), RegionIDs: ids(n.paijatHame)}, []*hub.Node{n.tuki}},
		{"services in a region none of their providers is in", hub.NodeFilter{Kinds: kinds(hub.KindService), RegionIDs: ids(n.uusimaa)}, nil},
		{"a municipality as region", hub.NodeFilter{RegionIDs: ids(n.lahti)}, []*hub.Node{n.lahtiOrg}},
		{"a region nobody names", hub.NodeFilter{RegionIDs: ids(n.nuoret)}, nil},
		{"name without diacritics", hub.NodeFilter{NameContains: "paijat"}, []*hub.Node{n.paijatHame, n.pahee}},
		{"name in other case with diacritics and a dash", hub.NodeFilter{NameContains: "PÄIJÄT-häme"}, []*hub.Node{n.paijatHame, n.pahee}},
		{"name with an en dash", hub.NodeFilter{NameContains: "Päijät–Häme"}, []*hub.Node{n.paijatHame, n.pahee}},
		{"an abbreviation", hub.NodeFilter{NameContains: "pahee"}, []*hub.Node{n.pahee}},
		{"an upper-case abbreviation", hub.NodeFilter{NameContains: "TEM"}, []*hub.Node{n.tem}},
		{"an alias", hub.NodeFilter{NameContains: "hameen ote"}, []*hub.Node{n.pahee}},
		{"an alias only", hub.NodeFilter{NameContains: "kouluttautumis"}, []*hub.Node{n.tuki}},
		{"a Swedish name", hub.NodeFilter{NameContains: "nyland"}, []*hub.Node{n.uusimaa}},
		{"an English name with two words", hub.NodeFilter{NameContains: "Economic  Affairs"}, []*hub.Node{n.tem}},
		{"part of a name in names and aliases", hub.NodeFilter{NameContains: "ote"}, []*hub.Node{n.pahee, n.uusimaaOte, n.ote}},
		{"a name nobody has", hub.NodeFilter{NameContains: "xyzzy"}, nil},
		{"kind and region", hub.NodeFilter{Kinds: kinds(hub.KindOrganisation), RegionIDs: ids(n.paijatHame)}, []*hub.Node{n.lahtiOrg}},
		{"kind, name and region", hub.NodeFilter{Kinds: kinds(hub.KindPilot), NameContains: "ote", RegionIDs: ids(n.uusimaa)}, []*hub.Node{n.uusimaaOte}},
		{"type and kind that exclude each other", hub.NodeFilter{Types: []string{"PILOT"}, Kinds: kinds(hub.KindProgramme)}, nil},
		{"ids and name", hub.NodeFilter{IDs: ids(n.pahee, n.tem, n.ote), NameContains: "ote"}, []*hub.Node{n.pahee, n.ote}},
		{"every field", hub.NodeFilter{IDs: ids(n.pahee, n.lahtiOrg), Kinds: kinds(hub.KindPilot, hub.KindOrganisation), Keys: []string{"pahee", "lahti"},
			Types: []string{"PILOT", "MUNICIPALITY"}, RegionIDs: ids(n.paijatHame), NameContains: "Päijät"}, []*hub.Node{n.pahee}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := nodeIDs(tc.want)
			// The expectations are hand-written; check them against the
			// oracle too.
			var ref []string
			for _, nd := range n.nodes() {
				if nodeFilterHolds(&tc.f, nd, plainOf(n.nodes(), n.rels())) {
					ref = append(ref, nd.ID)
				}
			}
			mustSameIDSet(t, s, "the oracle (the test's own expectation)", ref, want)

			got := nodeIDs(allNodes(t, s, tc.f))
			mustSameIDSet(t, s, "FindNodes", got, want)
			if c := mustCountNodes(t, s, tc.f); c != len(want) {
				t.Errorf("CountNodes = %d, want %d", c, len(want))
			}
			walked := nodeIDs(walkNodes(t, s, tc.f, nil, 2))
			mustSameIDs(t, s, "a walk of pages of 2", walked, got)
			if c := mustCountNodes(t, s, tc.f); c != len(walked) {
				t.Errorf("CountNodes = %d, but a walk of pages visits %d rows", c, len(walked))
			}
		})
	}
}

// walk pages through a list with keyset cursors built the way the
// transport builds them, checking every page on the way, and returns
// every row seen.
func walk[T any](t *testing.T, orders []hub.Order, first int,
	find func(hub.ListOptions) ([]T, bool),
	values func(T, []hub.Order) []string, id func(T) string,
) []T {
	t.Helper()
	var rows []T
	var after *hub.Cursor
	for pages := 1; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("paging with First=%d does not end", first)
		}
		page, hasNext := find(hub.ListOptions{OrderBy: orders, First: first, After: after})
		if len(page) > first {
			t.Fatalf("page %d has %d rows, more than First=%d", pages, len(page), first)
		}
		if after != nil && len(page) == 0 {
			t.Fatalf("page %d is empty, but the page before said more rows follow", pages)
		}
		if !hasNext {
			return append(rows, page...)
		}
		if len(page) < first {
			t.Fatalf("page %d has %d rows of First=%d and says more rows follow", pages, len(page), first)
		}
		rows = append(rows, page...)
		last := page[len(page)-1]
		c, err := hub.DecodeCursor(orders, hub.EncodeCursor(orders, values(last, orders), id(last)))
		if err != nil {
			t.Fatalf("DecodeCursor: %v", err)
		}
		after = c
	}
}

func walkNodes(t *testing.T, s Store, f hub.NodeFilter, orders []hub.Order, first int) []*hub.Node {
	t.Helper()
	return walk(t, orders, first,
		func(o hub.ListOptions) ([]*hub.Node, bool) { return mustFindNodes(t, s, f, o) },
		hub.NodeOrderValues, nodeID)
}

func walkRelationships(t *testing.T, s Store, f hub.RelationshipFilter, orders []hub.Order, first int) []*hub.Relationship {
	t.Helper()
	return walk(t, orders, first,
		func(o hub.ListOptions) ([]*hub.Relationship, bool) { return mustFindRelationships(t, s, f, o) },
		hub.RelationshipOrderValues, relID)
}

// orderSet is a dataset for the node order tests: names that sort
// differently with and without diacritics, ties on every key, and
// unknown start dates.
type orderSet struct {
	aanekoski, bergo, zeta, alfa, myrsky, sama1, sama2 *hub.Node
}

// orderKinds leaves the fixture source document out of the order tests.
var orderKinds = hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation, hub.KindPilot, hub.KindProgramme}}

func newOrderSet() *orderSet {
	o := &orderSet{
		aanekoski: node(hub.KindOrganisation, "aanekoski", "Äänekosken kaupunki"),
		bergo:     node(hub.KindOrganisation, "bergo", "Bergö"),
		zeta:      node(hub.KindPilot, "zeta", "Zeta-pilotti"),
		alfa:      node(hub.KindPilot, "alfa", "Alfa-pilotti"),
		myrsky:    node(hub.KindProgramme, "myrsky", "Myrsky"),
		sama1:     node(hub.KindPilot, "sama-1", "Sama nimi"),
		sama2:     node(hub.KindProgramme, "sama-2", "SAMA – nimi"),
	}
	o.zeta.Period = period("2021-03-01", "")
	o.alfa.Period = period("2019-01-01", "2019-12-31")
	o.myrsky.Period = period("2021-03-01", "2022-01-01")
	o.sama1.Period = period("2020-06-01", "")
	o.sama2.Period = &hub.Period{End: day("2030-01-01")}
	return o
}

func (o *orderSet) nodes() []*hub.Node {
	return []*hub.Node{o.aanekoski, o.bergo, o.zeta, o.alfa, o.myrsky, o.sama1, o.sama2}
}

func asc(field hub.OrderField) hub.Order  { return hub.Order{Field: field} }
func desc(field hub.OrderField) hub.Order { return hub.Order{Field: field, Desc: true} }

func testNodeOrders(t *testing.T, s Store) {
	o := newOrderSet()
	mustApply(t, s, Source(), o.nodes())
	all := o.nodes()
	idDesc := nodesByID(all...)
	slices.Reverse(idDesc)

	cases := []struct {
		name   string
		orders []hub.Order
		want   []*hub.Node
	}{
		{"no order keys: ascending id", nil, nodesByID(all...)},
		{"NAME ascending, diacritics folded", []hub.Order{asc(hub.OrderByName)},
			slices.Concat([]*hub.Node{o.aanekoski, o.alfa, o.bergo, o.myrsky}, nodesByID(o.sama1, o.sama2), []*hub.Node{o.zeta})},
		{"NAME descending, ties still by ascending id", []hub.Order{desc(hub.OrderByName)},
			slices.Concat([]*hub.Node{o.zeta}, nodesByID(o.sama1, o.sama2), []*hub.Node{o.myrsky, o.bergo, o.alfa, o.aanekoski})},
		{"START_DATE ascending, unknown start first", []hub.Order{asc(hub.OrderByStartDate)},
			slices.Concat(nodesByID(o.aanekoski, o.bergo, o.sama2), []*hub.Node{o.alfa, o.sama1}, nodesByID(o.zeta, o.myrsky))},
		{"START_DATE descending, unknown start last", []hub.Order{desc(hub.OrderByStartDate)},
			slices.Concat(nodesByID(o.zeta, o.myrsky), []*hub.Node{o.sama1, o.alfa}, nodesByID(o.aanekoski, o.bergo, o.sama2))},
		{"KIND ascending", []hub.Order{asc(hub.OrderByKind)},
			slices.Concat(nodesByID(o.aanekoski, o.bergo), nodesByID(o.zeta, o.alfa, o.sama1), nodesByID(o.myrsky, o.sama2))},
		{"KIND descending then NAME", []hub.Order{desc(hub.OrderByKind), asc(hub.OrderByName)},
			[]*hub.Node{o.myrsky, o.sama2, o.alfa, o.sama1, o.zeta, o.aanekoski, o.bergo}},
		{"START_DATE then NAME descending", []hub.Order{asc(hub.OrderByStartDate), desc(hub.OrderByName)},
			[]*hub.Node{o.sama2, o.bergo, o.aanekoski, o.alfa, o.sama1, o.zeta, o.myrsky}},
		{"ID descending", []hub.Order{desc(hub.OrderByID)}, idDesc},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := nodeIDs(tc.want)
			oracle, _ := oraclePage(o.nodes(), hub.ListOptions{OrderBy: tc.orders, First: hub.Unlimited}, nodeKeys, nodeID)
			mustSameIDs(t, s, "the oracle (the test's own expectation)", nodeIDs(oracle), want)

			got, hasNext := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: tc.orders, First: hub.Unlimited})
			mustSameIDs(t, s, "FindNodes", nodeIDs(got), want)
			if hasNext {
				t.Error("FindNodes with First=Unlimited says more rows follow")
			}
			page, hasNext := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: tc.orders, First: 3})
			mustSameIDs(t, s, "FindNodes with First=3", nodeIDs(page), want[:3])
			if !hasNext {
				t.Error("FindNodes with First=3 of 7 says no more rows follow")
			}
		})
	}
}

// nodeOrders are the orders the paging tests walk.
var nodeOrders = []struct {
	name   string
	orders []hub.Order
}{
	{"id", nil},
	{"NAME", []hub.Order{asc(hub.OrderByName)}},
	{"NAME desc", []hub.Order{desc(hub.OrderByName)}},
	{"START_DATE", []hub.Order{asc(hub.OrderByStartDate)}},
	{"START_DATE desc", []hub.Order{desc(hub.OrderByStartDate)}},
	{"KIND desc, NAME", []hub.Order{desc(hub.OrderByKind), asc(hub.OrderByName)}},
	{"START_DATE, NAME desc", []hub.Order{asc(hub.OrderByStartDate), desc(hub.OrderByName)}},
	{"ID desc", []hub.Order{desc(hub.OrderByID)}},
}

var pageSizes = []int{1, 2, 3, 7, 100}

// fillerNodes returns n services whose names and start dates repeat, so
// that page boundaries fall inside runs of ties.
func fillerNodes(n int) []*hub.Node {
	names := []string{"Alfa-pilotti", "Sama nimi", "Ööpiö", "Bergö", "Zeta"}
	starts := []string{"", "2019-01-01", "2021-03-01", "2020-06-01", "2024-02-29", ""}
	out := make([]*hub.Node, n)
	for i := range out {
		out[i] = node(hub.KindService, fmt.Sprintf("filler-%02d", i), names[i%len(names)])
		if st := starts[i%len(starts)]; st != "" {
			out[i].Period = period(st, "")
		}
	}
	return out
}

func testNodePaging(t *testing.T, s Store) {
	o := newOrderSet()
	filler := fillerNodes(31)
	b := mustApply(t, s, Source(), o.nodes(), filler)

	filters := []struct {
		name string
		f    hub.NodeFilter
	}{
		{"all", hub.NodeFilter{}},
		{"services", hub.NodeFilter{Kinds: []hub.Kind{hub.KindService}}},
		{"pilots and programmes", hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot, hub.KindProgramme}}},
		{"name contains sama", hub.NodeFilter{NameContains: "sama"}},
		{"no match", hub.NodeFilter{NameContains: "xyzzy"}},
	}
	for _, fc := range filters {
		var matching []*hub.Node
		for _, n := range b.Nodes {
			if nodeFilterHolds(&fc.f, n, nil) {
				matching = append(matching, n)
			}
		}
		for _, oc := range nodeOrders {
			t.Run(fc.name+" by "+oc.name, func(t *testing.T) {
				opts := hub.ListOptions{OrderBy: oc.orders, First: hub.Unlimited}
				oracle, _ := oraclePage(matching, opts, nodeKeys, nodeID)
				all, _ := mustFindNodes(t, s, fc.f, opts)
				mustSameIDs(t, s, "FindNodes with First=Unlimited against the oracle", nodeIDs(all), nodeIDs(oracle))
				if c := mustCountNodes(t, s, fc.f); c != len(all) {
					t.Errorf("CountNodes = %d, FindNodes returns %d rows", c, len(all))
				}
				for _, first := range pageSizes {
					got := walkNodes(t, s, fc.f, oc.orders, first)
					mustSameIDs(t, s, fmt.Sprintf("a walk with First=%d", first), nodeIDs(got), nodeIDs(all))
				}
			})
		}
	}
}

func testNodePageEdges(t *testing.T, s Store) {
	o := newOrderSet()
	mustApply(t, s, Source(), o.nodes())
	orders := []hub.Order{asc(hub.OrderByName)}
	all, _ := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
	if len(all) != 7 {
		t.Fatalf("FindNodes returns %d rows, want 7", len(all))
	}
	cursor := func(n *hub.Node) *hub.Cursor {
		c, err := hub.DecodeCursor(orders, hub.EncodeCursor(orders, hub.NodeOrderValues(n, orders), n.ID))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first, last := cursor(all[0]), cursor(all[len(all)-1])
	none := hub.NodeFilter{NameContains: "xyzzy"}

	cases := []struct {
		name        string
		f           hub.NodeFilter
		first       int
		after       *hub.Cursor
		want        []*hub.Node
		wantHasNext bool
	}{
		{"First=0 returns no rows but says more follow", orderKinds, 0, nil, nil, true},
		{"First=0 with nothing matching says none follow", none, 0, nil, nil, false},
		{"First=Unlimited returns every row", orderKinds, hub.Unlimited, nil, all, false},
		{"First=count returns every row", orderKinds, 7, nil, all, false},
		{"First=count-1 leaves one", orderKinds, 6, nil, all[:6], true},
		{"First=MaxPageSize returns every row", orderKinds, hub.MaxPageSize, nil, all, false},
		{"after the first row", orderKinds, hub.Unlimited, first, all[1:], false},
		{"after the first row, one row", orderKinds, 1, first, all[1:2], true},
		{"after the last row", orderKinds, 10, last, nil, false},
		{"after the last row, unlimited", orderKinds, hub.Unlimited, last, nil, false},
		{"after the last row, First=0", orderKinds, 0, last, nil, false},
		{"after the last row, one row", orderKinds, 1, last, nil, false},
		{"after the second to last row, one row", orderKinds, 1, cursor(all[5]), all[6:], false},
		{"after a position between rows", orderKinds, hub.Unlimited, &hub.Cursor{Values: []string{"c"}, ID: "~"}, all[3:], false},
		{"after a position before every row", orderKinds, 2, &hub.Cursor{Values: []string{""}, ID: ""}, all[:2], true},
	}
	for _, tc := range cases {
		got, hasNext := mustFindNodes(t, s, tc.f, hub.ListOptions{OrderBy: orders, First: tc.first, After: tc.after})
		mustSameIDs(t, s, tc.name, nodeIDs(got), nodeIDs(tc.want))
		if hasNext != tc.wantHasNext {
			t.Errorf("%s: hasNext = %v, want %v", tc.name, hasNext, tc.wantHasNext)
		}
	}
}

func testNodePagingWithInserts(t *testing.T, s Store) {
	o := newOrderSet()
	mustApply(t, s, Source(), o.nodes())
	orders := []hub.Order{asc(hub.OrderByName)}
	before, _ := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})

	page1, hasNext := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: orders, First: 2})
	if !hasNext || len(page1) != 2 {
		t.Fatalf("first page: %d rows, hasNext %v", len(page1), hasNext)
	}
	// "aakkonen" sorts before the cursor ("alfa pilotti"), "ooljy" after
	// it, and a twin of the cursor row's name sorts before or after it by
	// id.
	early := node(hub.KindOrganisation, "aakkonen", "Aakkonen")
	late := node(hub.KindPilot, "ooljy", "Ööljy")
	twinA := node(hub.KindOrganisation, "alfa-twin", "Alfa-pilotti")
	twinB := node(hub.KindProgramme, "alfa-twin", "Alfa-pilotti")
	MustApplyAt(t, s, t1, early, late, twinA, twinB)

	last := page1[1]
	c, err := hub.DecodeCursor(orders, hub.EncodeCursor(orders, hub.NodeOrderValues(last, orders), last.ID))
	if err != nil {
		t.Fatal(err)
	}
	var rest []*hub.Node
	after := c
	for {
		page, hasNext := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: orders, First: 2, After: after})
		rest = append(rest, page...)
		if !hasNext {
			break
		}
		l := page[len(page)-1]
		after = &hub.Cursor{Values: hub.NodeOrderValues(l, orders), ID: l.ID}
	}

	// Expected: everything of the new order strictly after the cursor row.
	now, _ := mustFindNodes(t, s, orderKinds, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
	i := slices.IndexFunc(now, func(n *hub.Node) bool { return n.ID == last.ID })
	mustSameIDs(t, s, "pages after an insert", nodeIDs(rest), nodeIDs(now[i+1:]))
	seen := map[string]bool{}
	for _, n := range slices.Concat(page1, rest) {
		if seen[n.ID] {
			t.Errorf("%s was returned twice", n.Key)
		}
		seen[n.ID] = true
	}
	for _, n := range before {
		if !seen[n.ID] {
			t.Errorf("%s, present from the start, was skipped", n.Key)
		}
	}
	if seen[early.ID] {
		t.Error("a row inserted before the cursor was returned after it")
	}
	if !seen[late.ID] {
		t.Error("a row inserted after the cursor was not returned")
	}
	for _, twin := range []*hub.Node{twinA, twinB} {
		if want := twin.ID > last.ID; seen[twin.ID] != want {
			t.Errorf("a row with the cursor row's name and a %s id returned: %v, want %v",
				map[bool]string{true: "greater", false: "smaller"}[want], seen[twin.ID], want)
		}
	}
}

func testRelationshipFilters(t *testing.T, s Store) {
	n := newNetwork()
	mustApply(t, s, n.nodes(), n.rels())
	ids := func(ns ...*hub.Node) []string { return nodeIDs(ns) }
	types := func(ts ...hub.RelationshipType) []hub.RelationshipType { return ts }
	missing := hub.NodeID(hub.KindPilot, "missing")
	rs := func(r ...*hub.Relationship) []*hub.Relationship { return r }

	cases := []struct {
		name string
		f    hub.RelationshipFilter
		want []*hub.Relationship
	}{
		{"no filter", hub.RelationshipFilter{}, n.rels()},
		{"one type", hub.RelationshipFilter{Types: types(hub.Funds)}, rs(n.funds21, n.funds23)},
		{"any of two types", hub.RelationshipFilter{Types: types(hub.Funds, hub.PartOf)}, rs(n.funds21, n.funds23, n.partOf)},
		{"a type without relationships", hub.RelationshipFilter{Types: types(hub.Employs)}, nil},
		{"a node, no direction", hub.RelationshipFilter{NodeIDs: ids(n.pahee)}, rs(n.funds21, n.administers, n.partner, n.partOf, n.provides, n.funds23)},
		{"a node, BOTH", hub.RelationshipFilter{NodeIDs: ids(n.pahee), Direction: hub.Both}, rs(n.funds21, n.administers, n.partner, n.partOf, n.provides, n.funds23)},
		{"a node, OUT", hub.RelationshipFilter{NodeIDs: ids(n.pahee), Direction: hub.Out}, rs(n.partOf, n.provides)},
		{"a node, IN", hub.RelationshipFilter{NodeIDs: ids(n.pahee), Direction: hub.In}, rs(n.funds21, n.administers, n.partner, n.funds23)},
		{"two nodes sharing a relationship, BOTH", hub.RelationshipFilter{NodeIDs: ids(n.pahee, n.tuki)},
			rs(n.funds21, n.administers, n.partner, n.partOf, n.provides, n.serves, n.funds23)},
		{"two nodes sharing a relationship, OUT", hub.RelationshipFilter{NodeIDs: ids(n.pahee, n.tuki), Direction: hub.Out}, rs(n.partOf, n.provides, n.serves)},
		{"two nodes sharing a relationship, IN", hub.RelationshipFilter{NodeIDs: ids(n.pahee, n.tuki), Direction: hub.In},
			rs(n.funds21, n.administers, n.partner, n.provides, n.funds23)},
		{"two nodes linked both ways", hub.RelationshipFilter{NodeIDs: ids(n.helsinki, n.lahtiOrg)}, rs(n.administers, n.partner, n.refers)},
		{"a node with only outgoing relationships, IN", hub.RelationshipFilter{NodeIDs: ids(n.tem), Direction: hub.In}, nil},
		{"a missing node", hub.RelationshipFilter{NodeIDs: []string{missing}}, nil},
		{"from", hub.RelationshipFilter{FromIDs: ids(n.tem)}, rs(n.funds21, n.coordinates, n.funds23)},
		{"from any of two", hub.RelationshipFilter{FromIDs: ids(n.helsinki, n.lahtiOrg)}, rs(n.administers, n.partner, n.refers)},
		{"to", hub.RelationshipFilter{ToIDs: ids(n.pahee)}, rs(n.funds21, n.administers, n.partner, n.funds23)},
		{"from and to", hub.RelationshipFilter{FromIDs: ids(n.tem), ToIDs: ids(n.ote)}, rs(n.coordinates)},
		{"ids with a duplicate and a missing id", hub.RelationshipFilter{IDs: []string{n.partner.ID, n.partner.ID, hub.RelationshipID("missing")}}, rs(n.partner)},
		{"ids of nodes", hub.RelationshipFilter{IDs: ids(n.pahee)}, nil},
		{"ids and type", hub.RelationshipFilter{IDs: relIDs(rs(n.funds21, n.partOf)), Types: types(hub.Funds)}, rs(n.funds21)},
		{"a node, IN, and a type", hub.RelationshipFilter{NodeIDs: ids(n.pahee), Direction: hub.In, Types: types(hub.Funds)}, rs(n.funds21, n.funds23)},
		{"a node, IN, and from", hub.RelationshipFilter{NodeIDs: ids(n.ote), Direction: hub.In, FromIDs: ids(n.tem)}, rs(n.coordinates)},
		{"a node, OUT, and to", hub.RelationshipFilter{NodeIDs: ids(n.pahee), Direction: hub.Out, ToIDs: ids(n.tuki, n.nuoret)}, rs(n.provides)},
		{"a node and from, excluding each other", hub.RelationshipFilter{NodeIDs: ids(n.tuki), FromIDs: ids(n.tem)}, nil},
		{"every field", hub.RelationshipFilter{IDs: relIDs(rs(n.funds23, n.partOf, n.coordinates)), Types: types(hub.Funds, hub.Coordinates),
			NodeIDs: ids(n.pahee), Direction: hub.In, FromIDs: ids(n.tem), ToIDs: ids(n.pahee, n.ote)}, rs(n.funds23)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := relIDs(tc.want)
			var ref []string
			for _, r := range n.rels() {
				if relFilterHolds(&tc.f, r) {
					ref = append(ref, r.ID)
				}
			}
			mustSameIDSet(t, s, "the oracle (the test's own expectation)", ref, want)

			got := relIDs(allRelationships(t, s, tc.f))
			mustSameIDSet(t, s, "FindRelationships", got, want)
			if c := mustCountRelationships(t, s, tc.f); c != len(want) {
				t.Errorf("CountRelationships = %d, want %d", c, len(want))
			}
			walked := relIDs(walkRelationships(t, s, tc.f, nil, 2))
			mustSameIDs(t, s, "a walk of pages of 2", walked, got)
			if c := mustCountRelationships(t, s, tc.f); c != len(walked) {
				t.Errorf("CountRelationships = %d, but a walk of pages visits %d rows", c, len(walked))
			}
		})
	}
}

func testRelationshipOrders(t *testing.T, s Store) {
	n := newNetwork()
	mustApply(t, s, n.nodes(), n.rels())
	all := n.rels()
	idDesc := relsByID(all...)
	slices.Reverse(idDesc)
	rs := func(r ...*hub.Relationship) []*hub.Relationship { return r }

	cases := []struct {
		name   string
		orders []hub.Order
		want   []*hub.Relationship
	}{
		{"no order keys: ascending id", nil, relsByID(all...)},
		{"TYPE ascending, byte-wise (PARTNER_IN before PART_OF)", []hub.Order{asc(hub.OrderByType)},
			slices.Concat(rs(n.administers, n.coordinates), relsByID(n.funds21, n.funds23), rs(n.partner, n.partOf, n.provides, n.refers, n.serves))},
		{"TYPE descending, ties still by ascending id", []hub.Order{desc(hub.OrderByType)},
			slices.Concat(rs(n.serves, n.refers, n.provides, n.partOf, n.partner), relsByID(n.funds21, n.funds23), rs(n.coordinates, n.administers))},
		{"START_DATE ascending, unknown start first", []hub.Order{asc(hub.OrderByStartDate)},
			slices.Concat(relsByID(n.partner, n.partOf, n.serves, n.refers), rs(n.coordinates), relsByID(n.funds21, n.administers), rs(n.provides, n.funds23))},
		{"START_DATE descending, unknown start last", []hub.Order{desc(hub.OrderByStartDate)},
			slices.Concat(rs(n.funds23, n.provides), relsByID(n.funds21, n.administers), rs(n.coordinates), relsByID(n.partner, n.partOf, n.serves, n.refers))},
		{"TYPE then START_DATE descending", []hub.Order{asc(hub.OrderByType), desc(hub.OrderByStartDate)},
			rs(n.administers, n.coordinates, n.funds23, n.funds21, n.partner, n.partOf, n.provides, n.refers, n.serves)},
		{"ID descending", []hub.Order{desc(hub.OrderByID)}, idDesc},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := relIDs(tc.want)
			oracle, _ := oraclePage(all, hub.ListOptions{OrderBy: tc.orders, First: hub.Unlimited}, relationshipKeys, relID)
			mustSameIDs(t, s, "the oracle (the test's own expectation)", relIDs(oracle), want)

			got, hasNext := mustFindRelationships(t, s, hub.RelationshipFilter{}, hub.ListOptions{OrderBy: tc.orders, First: hub.Unlimited})
			mustSameIDs(t, s, "FindRelationships", relIDs(got), want)
			if hasNext {
				t.Error("FindRelationships with First=Unlimited says more rows follow")
			}
			page, hasNext := mustFindRelationships(t, s, hub.RelationshipFilter{}, hub.ListOptions{OrderBy: tc.orders, First: 4})
			mustSameIDs(t, s, "FindRelationships with First=4", relIDs(page), want[:4])
			if !hasNext {
				t.Error("FindRelationships with First=4 of 9 says no more rows follow")
			}
		})
	}
}

var relationshipOrders = []struct {
	name   string
	orders []hub.Order
}{
	{"id", nil},
	{"TYPE", []hub.Order{asc(hub.OrderByType)}},
	{"TYPE desc", []hub.Order{desc(hub.OrderByType)}},
	{"START_DATE", []hub.Order{asc(hub.OrderByStartDate)}},
	{"START_DATE desc, TYPE", []hub.Order{desc(hub.OrderByStartDate), asc(hub.OrderByType)}},
	{"ID desc", []hub.Order{desc(hub.OrderByID)}},
}

func testRelationshipPaging(t *testing.T, s Store) {
	n := newNetwork()
	// Parallel relationships whose types and start dates repeat.
	ends := []*hub.Node{n.tem, n.lahtiOrg, n.helsinki, n.pahee, n.tuki}
	types := []hub.RelationshipType{hub.Funds, hub.PartnerIn, hub.Serves, hub.HasTheme}
	starts := []string{"", "2021-03-01", "2020-09-01", "", "2023-01-01"}
	var filler []*hub.Relationship
	for i := range 23 {
		r := rel(types[i%len(types)], ends[i%len(ends)], ends[(i+2)%len(ends)], fmt.Sprintf("filler-%02d", i))
		if st := starts[i%len(starts)]; st != "" {
			r.Period = period(st, "")
		}
		filler = append(filler, r)
	}
	b := mustApply(t, s, n.nodes(), n.rels(), filler)

	filters := []struct {
		name string
		f    hub.RelationshipFilter
	}{
		{"all", hub.RelationshipFilter{}},
		{"FUNDS", hub.RelationshipFilter{Types: []hub.RelationshipType{hub.Funds}}},
		{"around pahee", hub.RelationshipFilter{NodeIDs: []string{n.pahee.ID}}},
		{"into pahee and tuki", hub.RelationshipFilter{NodeIDs: []string{n.pahee.ID, n.tuki.ID}, Direction: hub.In}},
		{"from tem", hub.RelationshipFilter{FromIDs: []string{n.tem.ID}}},
		{"no match", hub.RelationshipFilter{Types: []hub.RelationshipType{hub.Employs}}},
	}
	for _, fc := range filters {
		var matching []*hub.Relationship
		for _, r := range b.Relationships {
			if relFilterHolds(&fc.f, r) {
				matching = append(matching, r)
			}
		}
		for _, oc := range relationshipOrders {
			t.Run(fc.name+" by "+oc.name, func(t *testing.T) {
				opts := hub.ListOptions{OrderBy: oc.orders, First: hub.Unlimited}
				oracle, _ := oraclePage(matching, opts, relationshipKeys, relID)
				all, _ := mustFindRelationships(t, s, fc.f, opts)
				mustSameIDs(t, s, "FindRelationships with First=Unlimited against the oracle", relIDs(all), relIDs(oracle))
				if c := mustCountRelationships(t, s, fc.f); c != len(all) {
					t.Errorf("CountRelationships = %d, FindRelationships returns %d rows", c, len(all))
				}
				for _, first := range pageSizes {
					got := walkRelationships(t, s, fc.f, oc.orders, first)
					mustSameIDs(t, s, fmt.Sprintf("a walk with First=%d", first), relIDs(got), relIDs(all))
				}
			})
		}
	}
}

func testRelationshipPageEdges(t *testing.T, s Store) {
	n := newNetwork()
	mustApply(t, s, n.nodes(), n.rels())
	orders := []hub.Order{asc(hub.OrderByType)}
	around := hub.RelationshipFilter{NodeIDs: []string{n.pahee.ID}}
	all, _ := mustFindRelationships(t, s, around, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
	if len(all) != 6 {
		t.Fatalf("FindRelationships returns %d rows, want 6", len(all))
	}
	last := all[len(all)-1]
	after := &hub.Cursor{Values: hub.RelationshipOrderValues(last, orders), ID: last.ID}
	none := hub.RelationshipFilter{NodeIDs: []string{n.src.ID}}

	cases := []struct {
		name        string
		f           hub.RelationshipFilter
		first       int
		after       *hub.Cursor
		want        []*hub.Relationship
		wantHasNext bool
	}{
		{"First=0 returns no rows but says more follow", around, 0, nil, nil, true},
		{"First=0 with nothing matching says none follow", none, 0, nil, nil, false},
		{"First=Unlimited returns every row", around, hub.Unlimited, nil, all, false},
		{"First=count returns every row", around, 6, nil, all, false},
		{"First=count-1 leaves one", around, 5, nil, all[:5], true},
		{"after the last row", around, 10, after, nil, false},
		{"after the last row, unlimited", around, hub.Unlimited, after, nil, false},
		{"after the last row, First=0", around, 0, after, nil, false},
	}
	for _, tc := range cases {
		got, hasNext := mustFindRelationships(t, s, tc.f, hub.ListOptions{OrderBy: orders, First: tc.first, After: tc.after})
		mustSameIDs(t, s, tc.name, relIDs(got), relIDs(tc.want))
		if hasNext != tc.wantHasNext {
			t.Errorf("%s: hasNext = %v, want %v", tc.name, hasNext, tc.wantHasNext)
		}
	}
}

// mustFailEveryCall calls every method of s with ctx, applying b, and
// fails unless each returns a domain error.
func mustFailEveryCall(t *testing.T, ctx context.Context, s Store, what string, b *hub.Batch) {
	t.Helper()
	mustFailCalls(t, ctx, s, what, b, true)
}

// mustFailStoreCalls is mustFailEveryCall for the store's own calls
// alone: a closed store leaves the index serving what it holds.
func mustFailStoreCalls(t *testing.T, ctx context.Context, s Store, what string, b *hub.Batch) {
	t.Helper()
	mustFailCalls(t, ctx, s, what, b, false)
}

func mustFailCalls(t *testing.T, ctx context.Context, s Store, what string, b *hub.Batch, reads bool) {
	t.Helper()
	n := b.Nodes[0]
	list := hub.ListOptions{OrderBy: []hub.Order{asc(hub.OrderByName)}, First: 10}
	calls := []struct {
		name string
		call func() error
		read bool
	}{
		{"NodesByID", func() error { _, err := s.NodesByID(ctx, []string{n.ID}); return err }, true},
		{"FindNodes", func() error { _, _, err := s.FindNodes(ctx, hub.NodeFilter{}, list); return err }, true},
		{"CountNodes", func() error { _, err := s.CountNodes(ctx, hub.NodeFilter{}); return err }, true},
		{"RelationshipsByID", func() error { _, err := s.RelationshipsByID(ctx, []string{hub.RelationshipID("x")}); return err }, true},
		{"FindRelationships", func() error {
			_, _, err := s.FindRelationships(ctx, hub.RelationshipFilter{NodeIDs: []string{n.ID}}, hub.ListOptions{First: hub.Unlimited})
			return err
		}, true},
		{"CountRelationships", func() error { _, err := s.CountRelationships(ctx, hub.RelationshipFilter{}); return err }, true},
		{"Apply", func() error { return s.Apply(ctx, b) }, false},
		{"Load", func() error {
			return s.Load(ctx, func(*hub.Node) error { return nil }, func(*hub.Relationship) error { return nil })
		}, false},
		{"Ping", func() error { return s.Ping(ctx) }, false},
		{"Watch", func() error {
			cs, err := s.Watch(ctx, "")
			if err == nil {
				cs.Close()
			}
			return err
		}, false},
	}
	for _, c := range calls {
		if c.read && !reads {
			continue
		}
		err := c.call()
		if err == nil {
			t.Errorf("%s %s: no error", c.name, what)
			continue
		}
		var e *hub.Error
		if !errors.As(err, &e) {
			t.Errorf("%s %s: error %v (%T) is not a *hub.Error", c.name, what, err, err)
		}
	}
}

func testPing(t *testing.T, s Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping on an empty store: %v", err)
	}
	mustApply(t, s, Source())
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping after a write: %v", err)
	}
}

func testCancelledContext(t *testing.T, s Store) {
	mustApply(t, s, Source())
	fresh := func(key string) *hub.Batch {
		b := batchOf(node(hub.KindOrganisation, key, "Ei tallennettu"))
		mustPrepare(t, s, b, t0)
		return b
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	b1 := fresh("cancelled")
	mustFailEveryCall(t, cancelled, s, "with a cancelled context", b1)

	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	b2 := fresh("expired")
	mustFailEveryCall(t, expired, s, "with an expired context", b2)

	// A failed Apply leaves nothing of its batch visible.
	if got := mustNodesByID(t, s, b1.Nodes[0].ID, b2.Nodes[0].ID); got[0] != nil || got[1] != nil {
		t.Errorf("a batch whose Apply failed is visible: %v", got)
	}
	if n := mustCountNodes(t, s, hub.NodeFilter{}); n != 1 {
		t.Errorf("CountNodes = %d, want 1", n)
	}
}

func testClosed(t *testing.T, s Store) {
	mustApply(t, s, Source())
	b := batchOf(node(hub.KindOrganisation, "after-close", "Suljettu"))
	mustPrepare(t, s, b, t0)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	mustFailStoreCalls(t, t.Context(), s, "after Close", b)
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("a second Close panics: %v", p)
			}
		}()
		if err := s.Close(); err != nil {
			t.Logf("a second Close returns %v", err)
		}
	}()
}

func testConcurrentWritersAndReaders(t *testing.T, s Store) {
	region := node(hub.KindRegion, "keskus", "Keskus")
	mustApply(t, s, Source(), region)
	const writers, perWriter, readers = 4, 25, 4
	ctx := t.Context()
	orgs := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}
	members := hub.RelationshipFilter{NodeIDs: []string{region.ID}, Direction: hub.In}

	var writing, reading sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for i := range perWriter {
				n := node(hub.KindOrganisation, fmt.Sprintf("w%d-%02d", w, i), fmt.Sprintf("Kirjoittaja %d %d", w, i))
				n.RegionIDs = []string{region.ID}
				b := batchOf(n, rel(hub.MemberOf, n, region, ""))
				if err := hub.Prepare(ctx, s, b, t0); err != nil {
					t.Errorf("writer %d: Prepare: %v", w, err)
					return
				}
				if err := s.Apply(ctx, b); err != nil {
					t.Errorf("writer %d: Apply: %v", w, err)
					return
				}
				// An acknowledged write is visible at once.
				if got, err := s.NodesByID(ctx, []string{n.ID}); err != nil || got[0] == nil {
					t.Errorf("writer %d: its own write is not visible: %v, %v", w, got, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	for r := range readers {
		reading.Go(func() {
			seen := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				nodes, err := s.CountNodes(ctx, orgs)
				if err != nil {
					t.Errorf("reader %d: CountNodes: %v", r, err)
					return
				}
				rels, err := s.CountRelationships(ctx, members)
				if err != nil {
					t.Errorf("reader %d: CountRelationships: %v", r, err)
					return
				}
				if nodes < seen {
					t.Errorf("reader %d: CountNodes went down from %d to %d", r, seen, nodes)
				}
				// Each batch holds a node and its relationship: counting
				// nodes first, at least as many relationships follow.
				if rels < nodes {
					t.Errorf("reader %d: %d nodes but only %d of their relationships: a batch was visible in part", r, nodes, rels)
				}
				seen = nodes
				page, _, err := s.FindNodes(ctx, hub.NodeFilter{RegionIDs: []string{region.ID}}, hub.ListOptions{OrderBy: []hub.Order{asc(hub.OrderByName)}, First: 10})
				if err != nil {
					t.Errorf("reader %d: FindNodes: %v", r, err)
					return
				}
				got, err := s.NodesByID(ctx, nodeIDs(page))
				if err != nil || slices.Contains(got, nil) {
					t.Errorf("reader %d: NodesByID of a page: %v, %v", r, got, err)
					return
				}
				if _, _, err := s.FindRelationships(ctx, members, hub.ListOptions{First: hub.Unlimited}); err != nil {
					t.Errorf("reader %d: FindRelationships: %v", r, err)
					return
				}
			}
		})
	}
	writing.Wait()
	close(done)
	reading.Wait()

	if n := mustCountNodes(t, s, orgs); n != writers*perWriter {
		t.Errorf("CountNodes = %d, want %d", n, writers*perWriter)
	}
	if n := mustCountRelationships(t, s, members); n != writers*perWriter {
		t.Errorf("CountRelationships = %d, want %d", n, writers*perWriter)
	}
	if n := len(walkNodes(t, s, hub.NodeFilter{RegionIDs: []string{region.ID}}, []hub.Order{asc(hub.OrderByName)}, 7)); n != writers*perWriter {
		t.Errorf("a walk of the region's nodes visits %d rows, want %d", n, writers*perWriter)
	}
}

func testLargeBatch(t *testing.T, s Store) {
	const nodes, rels = 2000, 5000
	src := Source()
	orgs := make([]*hub.Node, nodes-1)
	for i := range orgs {
		orgs[i] = node(hub.KindOrganisation, fmt.Sprintf("org-%04d", i), fmt.Sprintf("Organisaatio %d", i))
	}
	rs := make([]*hub.Relationship, rels)
	for i := range rs {
		from := i % len(orgs)
		to := (i*7 + 3) % len(orgs)
		if to == from {
			to = (to + 1) % len(orgs)
		}
		rs[i] = rel(hub.PartnerIn, orgs[from], orgs[to], fmt.Sprintf("%d", i))
	}
	mustApply(t, s, src, orgs, rs)

	if n := mustCountNodes(t, s, hub.NodeFilter{}); n != nodes {
		t.Errorf("CountNodes = %d, want %d", n, nodes)
	}
	if n := mustCountNodes(t, s, hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}); n != nodes-1 {
		t.Errorf("CountNodes of organisations = %d, want %d", n, nodes-1)
	}
	if n := mustCountRelationships(t, s, hub.RelationshipFilter{}); n != rels {
		t.Errorf("CountRelationships = %d, want %d", n, rels)
	}
	if n := len(walkNodes(t, s, hub.NodeFilter{}, []hub.Order{asc(hub.OrderByName)}, hub.MaxPageSize)); n != nodes {
		t.Errorf("a walk of every node visits %d rows, want %d", n, nodes)
	}
	for _, probe := range []*hub.Node{orgs[0], orgs[3], orgs[1998]} {
		for _, dir := range []hub.Direction{hub.Out, hub.In, hub.Both} {
			f := hub.RelationshipFilter{NodeIDs: []string{probe.ID}, Direction: dir}
			var want []string
			for _, r := range rs {
				if relFilterHolds(&f, r) {
					want = append(want, r.ID)
				}
			}
			mustSameIDSet(t, s, fmt.Sprintf("relationships of %s, %s", probe.Key, dir), relIDs(allRelationships(t, s, f)), want)
			if n := mustCountRelationships(t, s, f); n != len(want) {
				t.Errorf("CountRelationships of %s, %s = %d, want %d", probe.Key, dir, n, len(want))
			}
		}
	}
	got := mustRelationshipsByID(t, s, rs[0].ID, rs[rels-1].ID)
	if got[0] == nil || got[1] == nil {
		t.Errorf("RelationshipsByID of the first and last relationship = %v", got)
	}
}

// ListOptions.Unordered may change the order of a bulk read, never its
// rows.
func testUnorderedBulkReads(t *testing.T, s Store) {
	nodes, rels := richNetwork()
	mustApply(t, s, nodes, rels)
	ids := nodeIDs(nodes)
	bulk := hub.ListOptions{First: hub.Unlimited, Unordered: true}
	for _, f := range []hub.NodeFilter{{}, {Kinds: []hub.Kind{hub.KindOrganisation, hub.KindPilot}}, {IDs: ids[:3]}} {
		want, _ := mustFindNodes(t, s, f, hub.ListOptions{First: hub.Unlimited})
		got, more := mustFindNodes(t, s, f, bulk)
		if more {
			t.Errorf("FindNodes(%+v) unordered says more rows follow", f)
		}
		mustSameIDSet(t, s, fmt.Sprintf("FindNodes(%+v) unordered", f), nodeIDs(got), nodeIDs(want))
	}
	for _, f := range []hub.RelationshipFilter{
		{},
		{Types: []hub.RelationshipType{hub.PartnerIn, hub.Funds}},
		{NodeIDs: ids[:4]},
		{NodeIDs: ids[:4], Direction: hub.In, Types: []hub.RelationshipType{hub.PartnerIn}},
		{FromIDs: ids},
	} {
		want, _ := mustFindRelationships(t, s, f, hub.ListOptions{First: hub.Unlimited})
		got, more := mustFindRelationships(t, s, f, bulk)
		if more {
			t.Errorf("FindRelationships(%+v) unordered says more rows follow", f)
		}
		mustSameIDSet(t, s, fmt.Sprintf("FindRelationships(%+v) unordered", f), relIDs(got), relIDs(want))
	}
}
