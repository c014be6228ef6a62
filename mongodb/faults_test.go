package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
)

// startServer starts a SecantusDB server of the test's own, which the
// test may freeze, stop and restart, on storage under dir.
func startServer(t *testing.T) (*secantus.Server, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := secantus.Start(filepath.Join(dir, "data"), filepath.Join(dir, "secantus.log"))
	if err != nil {
		mongotest.Unavailable(t, err)
	}
	t.Cleanup(func() { db.Stop() })
	return db, dir
}

// organisation is a node to write, keyed by key.
func organisation(key string) *hub.Node {
	n := &hub.Node{Kind: hub.KindOrganisation, Key: key, Name: hub.LocalizedText{FI: key}}
	n.ID = hub.NodeID(n.Kind, n.Key)
	return n
}

// A server that stops answering without closing its connections (here
// frozen with SIGSTOP) fails a write within the operation timeout and
// the abort's bound, and breaks the change feed within a round trip's
// bound, instead of holding both until the server wakes.
func TestFrozenServerFailsWritesAndFeedFast(t *testing.T) {
	db, _ := startServer(t)
	const opTimeout = 2 * time.Second
	s, err := mongodb.Open(mongodb.Options{URI: db.URI("ote"), OperationTimeout: opTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	// Idle pooled connections to the server, as a serving hub has:
	// concurrent writes open several.
	errs := make(chan error)
	for i := range 4 {
		go func() {
			errs <- s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation(fmt.Sprint("ennen-", i))}})
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	feed, err := s.Watch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	// A write shows that the feed follows.
	if err := s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation("seuranta")}}); err != nil {
		t.Fatal(err)
	}
	if ch, err := feed.Next(ctx); err != nil || ch.ID != hub.NodeID(hub.KindOrganisation, "seuranta") {
		t.Fatalf("the feed before the freeze: %+v, %v", ch, err)
	}

	if err := db.Freeze(); err != nil {
		t.Fatal(err)
	}
	defer db.Thaw()

	feedFailed := make(chan time.Duration, 1)
	fctx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	began := time.Now()
	go func() {
		for {
			if _, err := feed.Next(fctx); err != nil {
				if hub.ErrorCode(err) != hub.EUNAVAILABLE {
					t.Errorf("the feed failed with %v, want EUNAVAILABLE", err)
				}
				feedFailed <- time.Since(began)
				return
			}
		}
	}()

	// The bounds: the operation timeout, the abort's second, and a
	// margin for a loaded host (the driver's own bound, which the store
	// had before, is two minutes).
	const margin = 5 * time.Second
	const writeBound = opTimeout + time.Second + margin
	for i, key := range []string{"jaassa-1", "jaassa-2"} {
		start := time.Now()
		err := s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation(key)}})
		took := time.Since(start)
		if hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("write %d on a frozen server: %v, want EUNAVAILABLE", i+1, err)
		}
		if took > writeBound {
			t.Errorf("write %d on a frozen server took %v, want at most %v", i+1, took, writeBound)
		}
		t.Logf("write %d on a frozen server failed after %v", i+1, took.Round(time.Millisecond))
	}
	// One round trip of the feed waits a second for changes; then the
	// operation timeout; then the margin.
	const feedBound = time.Second + opTimeout + margin
	select {
	case took := <-feedFailed:
		t.Logf("the feed failed %v into the freeze", took.Round(time.Millisecond))
	case <-time.After(feedBound - time.Since(began)):
		t.Errorf("the feed still waits %v into the freeze", feedBound)
		stopFeed()
		<-feedFailed // before the deferred Close
	}

	if err := db.Thaw(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation("jalkeen")}})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write after the thaw: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A server restarted without its data takes no write and opens no feed:
// both fail with EUNAVAILABLE caused by hub.ErrStoreReplaced, and the
// new database stays empty (read with a client of the test's own). With
// the data back, writes and feeds work again.
func TestServerRestartedEmptyTakesNoWrite(t *testing.T) {
	db, dir := startServer(t)
	s, err := mongodb.Open(mongodb.Options{URI: db.URI("ote"), OperationTimeout: 5 * time.Second, ServerSelectionTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation("ennen")}}); err != nil {
		t.Fatal(err)
	}
	data := db.Storage()
	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.RestartIn(filepath.Join(dir, "empty")); err != nil {
		t.Fatal(err)
	}

	err = s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation("tyhjaan")}})
	if hub.ErrorCode(err) != hub.EUNAVAILABLE || !errors.Is(err, hub.ErrStoreReplaced) {
		t.Errorf("a write into the empty database: %v, want EUNAVAILABLE for a replaced store", err)
	}
	if feed, err := s.Watch(ctx, ""); hub.ErrorCode(err) != hub.EUNAVAILABLE || !errors.Is(err, hub.ErrStoreReplaced) {
		if feed != nil {
			feed.Close()
		}
		t.Errorf("a feed on the empty database: %v, want EUNAVAILABLE for a replaced store", err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI("ote")))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	for _, coll := range []string{mongodb.NodesCollection, mongodb.HistoryCollection, mongodb.MetaCollection} {
		if n, err := client.Database("ote").Collection(coll).CountDocuments(ctx, bson.M{}); err != nil || n != 0 {
			t.Errorf("the empty database's %s holds %d documents (%v), want none", coll, n, err)
		}
	}

	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.RestartIn(data); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, &hub.Batch{Nodes: []*hub.Node{organisation("palautettu")}}); err != nil {
		t.Errorf("a write with the data restored: %v", err)
	}
	feed, err := s.Watch(ctx, "")
	if err != nil {
		t.Fatalf("a feed with the data restored: %v", err)
	}
	feed.Close()
}
