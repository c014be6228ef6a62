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
