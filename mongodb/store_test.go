package mongodb_test

import (
	"context"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

// MustOpen opens a store on a fresh database and closes it at the end.
// The test server answers a new connection within the store's default
// 3 seconds, except on a machine busy with the other packages' tests,
// where it has taken longer: the tests wait up to 30.
func MustOpen(tb testing.TB, uri string) *mongodb.Store {
	tb.Helper()
	s, err := mongodb.Open(mongodb.Options{URI: uri, ServerSelectionTimeout: 30 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Init(ctx); err != nil {
		tb.Fatalf("Init: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) hub.Store { return MustOpen(t, mongotest.URI(t)) })
}

func TestInitIsIdempotent(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := s.Init(ctx); err != nil {
			t.Fatalf("Init #%d: %v", i+2, err)
		}
	}
}

// Client strings are values, never operators: strings that look like
// query operators or regular expressions match nothing and break nothing.
func TestNoOperatorInjection(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ctx := context.Background()
	src := &hub.Node{Kind: hub.KindSourceDocument, Key: "src", Name: hub.LocalizedText{FI: "Lähde"}, Type: "WEB_PAGE", Document: &hub.Document{}}
	org := &hub.Node{Kind: hub.KindOrganisation, Key: "org", Name: hub.LocalizedText{FI: "Eksote"}, Type: "OTHER",
		Sources: []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "src")}}}
	b := &hub.Batch{Nodes: []*hub.Node{src, org}}
	if err := hub.Prepare(ctx, s, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, f := range []hub.NodeFilter{
		{Keys: []string{`{"$ne": null}`}},
		{Keys: []string{"$ne"}},
		{IDs: []string{`{"$gt": ""}`}},
		{Types: []string{"$where"}},
		{NameContains: "k.*z"},
		{NameContains: `^(?!x)`},
	} {
		nodes, _, err := s.FindNodes(ctx, f, hub.ListOptions{First: 10})
		if err != nil {
			t.Errorf("%+v: %v", f, err)
		}
		if len(nodes) != 0 {
			t.Errorf("%+v matched %d nodes", f, len(nodes))
		}
	}
}
