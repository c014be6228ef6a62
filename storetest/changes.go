package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
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
	{"a feed carries each row as written and marks the last change of each write", testFeedCarriesRows},
	{"Load streams every stored row as written", testLoadStreamsEveryRow},
	{"every write of a row gives it the next version, also on the batch", testVersions},
}

func testFeedCarriesRows(t *testing.T, s Store) {
	mustApply(t, s, Source())
	cs := mustWatch(t, s, "")
	a, b := node(hub.KindOrganisation, "a", "A"), node(hub.KindOrganisation, "b", "B")
	r := rel(hub.PartnerIn, a, b, "")
	first := mustApply(t, s, a, b, r)
	c := node(hub.KindOrganisation, "c", "C")
	second := mustApply(t, s, c)
	var got []hub.Change
	for range 4 {
		got = append(got, mustNext(t, cs))
	}
	for i, ch := range got {
		if wantLast := i == 2 || i == 3; ch.Last != wantLast {
			t.Errorf("change %d (%s): Last = %v, want %v", i, ch.ID, ch.Last, wantLast)
		}
	}
	mustSameJSON(t, "node a as the feed carries it", got[0].Node, first.Nodes[0])
	mustSameJSON(t, "node b as the feed carries it", got[1].Node, first.Nodes[1])
	mustSameJSON(t, "the relationship as the feed carries it", got[2].Relationship, first.Relationships[0])
	mustSameJSON(t, "node c as the feed carries it", got[3].Node, second.Nodes[0])
}

// load returns every row Load streams, by id.
func load(t *testing.T, s Store) (map[string]*hub.Node, map[string]*hub.Relationship) {
	t.Helper()
	nodes, rels := map[string]*hub.Node{}, map[string]*hub.Relationship{}
	err := s.Load(t.Context(),
		func(n *hub.Node) error {
			if nodes[n.ID] != nil {
				t.Errorf("Load streams node %s twice", n.ID)
			}
			nodes[n.ID] = n
			return nil
		},
		func(r *hub.Relationship) error {
			if rels[r.ID] != nil {
				t.Errorf("Load streams relationship %s twice", r.ID)
			}
			rels[r.ID] = r
			return nil
		})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return nodes, rels
}

func testLoadStreamsEveryRow(t *testing.T, s Store) {
	if n, r := load(t, s); len(n)+len(r) != 0 {
		t.Errorf("an empty store loads %d nodes and %d relationships", len(n), len(r))
	}
	nodes, rels := richNetwork()
	b := mustApply(t, s, nodes, rels)
	// A second write of some rows: Load gives the latest.
	again := b.Nodes[1].Clone()
	again.Name.FI = "Toinen nimi"
	MustApplyAt(t, s, t1, again)
	gotNodes, gotRels := load(t, s)
	if len(gotNodes) != len(b.Nodes) || len(gotRels) != len(b.Relationships) {
		t.Fatalf("Load streams %d nodes and %d relationships, want %d and %d", len(gotNodes), len(gotRels), len(b.Nodes), len(b.Relationships))
	}
	for _, n := range b.Nodes {
		want := n
		if n.ID == again.ID {
			want = again
		}
		mustSameJSON(t, "loaded node "+n.Key, gotNodes[n.ID], want)
	}
	for _, r := range b.Relationships {
		mustSameJSON(t, "loaded relationship "+r.Key, gotRels[r.ID], r)
	}
	sentinel := errors.New("stop")
	if err := s.Load(t.Context(), func(*hub.Node) error { return sentinel }, func(*hub.Relationship) error { return nil }); !errors.Is(err, sentinel) {
		t.Errorf("Load with a failing callback = %v, want its error", err)
	}
}

func testVersions(t *testing.T, s Store) {
	a := node(hub.KindOrganisation, "a", "A")
	b := mustApply(t, s, Source(), a)
	if b.Nodes[1].Version != 1 {
		t.Errorf("a new row's version is %d on the batch, want 1", b.Nodes[1].Version)
	}
	for want := int64(2); want <= 3; want++ {
		again := a.Clone()
		b := mustApply(t, s, again)
		if b.Nodes[0].Version != want {
			t.Errorf("write %d: version %d on the batch, want %d", want, b.Nodes[0].Version, want)
		}
		if got := mustNodesByID(t, s, a.ID)[0]; got.Version != want {
			t.Errorf("write %d: the index holds version %d, want %d", want, got.Version, want)
		}
	}
	nodes, _ := load(t, s)
	if v := nodes[a.ID].Version; v != 3 {
		t.Errorf("Load gives version %d, want 3", v)
	}
	// Writers racing on one row: every write gets its own version.
	const writers = 8
	var wg sync.WaitGroup
	versions := make([]int64, writers)
	for i := range writers {
		wg.Go(func() {
			c := a.Clone()
			c.Name.FI = fmt.Sprintf("Kirjoittaja %d", i)
			b := &hub.Batch{Nodes: []*hub.Node{c}}
			if err := hub.Prepare(t.Context(), s, b, t1); err != nil {
				t.Error(err)
				return
			}
			if err := s.Apply(t.Context(), b); err != nil {
				t.Error(err)
				return
			}
			versions[i] = b.Nodes[0].Version
		})
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != int64(4+i) {
			t.Fatalf("versions of %d racing writes: %v, want 4 to %d, each once", writers, versions, 3+writers)
		}
	}
	final := mustNodesByID(t, s, a.ID)[0]
	if final.Version != 3+writers {
		t.Errorf("the index holds version %d after the race, want %d", final.Version, 3+writers)
	}
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
	src := Source()
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
	mustApply(t, s, Source())
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
	mustApply(t, s, Source(), old)
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
