package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
)

// Store is what every test of the suite gets: the store under test with
// an in-memory index (index.Live) that follows its change feed, as in
// the hub. Reads go through the index, so that every read test also
// checks what the store's Load and change feed deliver; Apply is the
// index's, acknowledged once the index holds the write; Load, Watch,
// Ping and Close are the store's own.
type Store interface {
	hub.Store
	hub.Reader
}

type followed struct {
	*index.Live
	store hub.Store
}

// Follow returns s behind a live index that has loaded it.
func Follow(t testing.TB, s hub.Store) Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	live, err := index.Open(ctx, s, index.Options{RetryDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("load the index: %v", err)
	}
	t.Cleanup(func() { live.Close() })
	return followed{Live: live, store: s}
}

func (f followed) Load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	return f.store.Load(ctx, node, rel)
}

func (f followed) Watch(ctx context.Context, after string) (hub.ChangeStream, error) {
	return f.store.Watch(ctx, after)
}

func (f followed) Ping(ctx context.Context) error { return f.store.Ping(ctx) }

func (f followed) Close() error {
	f.Live.Close()
	return f.store.Close()
}

// Embedded returns an empty embedded store in a temporary directory,
// behind a live index, closed when the test ends.
func Embedded(tb testing.TB) Store {
	tb.Helper()
	s, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatalf("open the embedded store: %v", err)
	}
	f := Follow(tb, s)
	tb.Cleanup(func() { f.Close() })
	return f
}
