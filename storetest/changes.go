package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// changeFeedTests pin the Watch contract.
var changeFeedTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"a feed reports every row of a later write, in order", testFeedReportsWrites},
	{"a feed resumes after a token without repeating or skipping", testFeedResumes},
	{"a feed does not report writes from before it opened", testFeedStartsNow},
	{"waiting on a feed ends with the context", testFeedWaitEndsWithContext},
	{"a foreign resume token is refused", testFeedRefusesForeignToken},
}

func mustWatch(t *testing.T, s Store, after string) hub.ChangeStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := s.Watch(ctx, after)
	if err != nil {
		t.Fatalf("Watch(%q): %v", after, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func mustNext(t *testing.T, cs hub.ChangeStream) hub.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ch, err := cs.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return ch
}

func testFeedReportsWrites(t *testing.T, s Store) {
	src := source()
	mustApply(t, s, src)
	cs := mustWatch(t, s, "")
	a, b := node(hub.KindOrganisation, "a", "A"), node(hub.KindOrganisation, "b", "B")
	r := rel(hub.PartnerIn, a, b, "")
	mustApply(t, s, a, b, r)
	want := []struct{ row, id string }{{hub.RowNode, a.ID}, {hub.RowNode, b.ID}, {hub.RowRelationship, r.ID}}
	for i, w := range want {
		ch := mustNext(t, cs)
		if ch.Row != w.row || ch.ID != w.id || ch.Op != hub.ChangeUpsert || ch.Token == "" {
			t.Errorf("change %d = %+v, want %s %s UPSERT with a token", i, ch, w.row, w.id)
		}
	}
}

func testFeedResumes(t *testing.T, s Store) {
	mustApply(t, s, source())
	cs := mustWatch(t, s, "")
	a, b, c := node(hub.KindOrganisation, "a", "A"), node(hub.KindOrganisation, "b", "B"), node(hub.KindOrganisation, "c", "C")
	mustApply(t, s, a)
	mustApply(t, s, b)
	first := mustNext(t, cs)
	if first.ID != a.ID {
		t.Fatalf("first change is %s, want %s", first.ID, a.ID)
	}
	cs.Close()
	mustApply(t, s, c)
	resumed := mustWatch(t, s, first.Token)
	for _, want := range []string{b.ID, c.ID} {
		if ch := mustNext(t, resumed); ch.ID != want {
			t.Errorf("resumed change %s, want %s", ch.ID, want)
		}
	}
}

func testFeedStartsNow(t *testing.T, s Store) {
	old := node(hub.KindOrganisation, "old", "Old")
	mustApply(t, s, source(), old)
	cs := mustWatch(t, s, "")
	fresh := node(hub.KindOrganisation, "fresh", "Fresh")
	mustApply(t, s, fresh)
	if ch := mustNext(t, cs); ch.ID != fresh.ID {
		t.Errorf("first change %s, want the write after Watch (%s)", ch.ID, fresh.ID)
	}
}

func testFeedWaitEndsWithContext(t *testing.T, s Store) {
	cs := mustWatch(t, s, "")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := cs.Next(ctx); err == nil {
		t.Fatal("Next returned a change on an idle store")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("Next returned %v after its context ended", waited)
	}
}

func testFeedRefusesForeignToken(t *testing.T, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := s.Watch(ctx, "not-a-token-of-this-store")
	if err == nil {
		// Some servers only check the token on the first read.
		defer cs.Close()
		nctx, ncancel := context.WithTimeout(ctx, 2*time.Second)
		defer ncancel()
		_, err = cs.Next(nctx)
	}
	if hub.ErrorCode(err) != hub.EINVALID {
		t.Fatalf("a foreign token gave %v, want an %s error", err, hub.EINVALID)
	}
}
