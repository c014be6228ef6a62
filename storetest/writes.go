package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/index"
)

// writeTests pin the write contract: deletions, cascades, expected
// versions, integrity under concurrency and the history.
var writeTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"deleting a node removes it everywhere and leaves a tombstone", testDeleteNode},
	{"a node that has relationships is deleted only with cascade", testDeleteCascade},
	{"deleting a row that is not stored fails and writes nothing", testDeleteMissing},
	{"a relationship to a node that does not exist is refused by the store", testDanglingRefused},
	{"expected versions: a stale one is a conflict and writes nothing", testExpectedVersions},
	{"concurrent read-modify-write with expected versions loses no update", testNoLostUpdate},
	{"relationships written while their node is deleted never dangle", testNoDanglingUnderConcurrency},
	{"history lists every revision newest first, field by field, in pages", testHistory},
	{"a row created again goes on from its tombstone's version", testRecreateAfterDelete},
	{"merging moves relationships and names to the node kept and leaves a redirect", testMerge},
	{"a merge of nodes of two kinds, or of a missing node, writes nothing", testMergeRefused},
	{"a region kept in a merge without a code takes the other's code and classification", testMergeRegionCode},
	{"a business ID belongs to one node of a kind, also when writers race", testBusinessIDs},
	{"external ids are stored, replaced, read back and found by scheme and id", testExternalIDs},
	{"an external id belongs to one node of a kind, also when writers race", testUniqueExternalIDs},
}

// mustFail applies b and checks that it fails with code and leaves the
// stored network as it was.
func mustFail(t *testing.T, s Store, b *hub.Batch, code string) {
	t.Helper()
	beforeNodes, beforeRels := load(t, s)
	err := s.Apply(t.Context(), b)
	if hub.ErrorCode(err) != code {
		t.Fatalf("Apply = %v, want %s", err, code)
	}
	afterNodes, afterRels := load(t, s)
	mustSameJSON(t, "nodes after a failed write", afterNodes, beforeNodes)
	mustSameJSON(t, "relationships after a failed write", afterRels, beforeRels)
}

func mustHistory(t *testing.T, s Store, id string, before int64, first int) ([]hub.Revision, bool) {
	t.Helper()
	revs, more, err := s.History(t.Context(), id, before, first)
	if err != nil {
		t.Fatalf("History(%s): %v", id, err)
	}
	return revs, more
}

func testDeleteNode(t *testing.T, s Store) {
	a, b := Org("a"), Org("b")
	mustApply(t, s, Source(), a, b)
	cs := mustWatch(t, s, "")
	del := &hub.Batch{DeleteNodes: []string{a.ID}, Actor: "tester", Sources: []hub.Citation{{SourceID: sourceID, Quote: "lakkautettu"}}}
	if err := s.Apply(t.Context(), del); err != nil {
		t.Fatal(err)
	}
	if got := mustNodesByID(t, s, a.ID, b.ID); got[0] != nil || got[1] == nil {
		t.Fatalf("after deleting a: NodesByID(a, b) = %v, want [nil b]", got)
	}
	if n := mustCountNodes(t, s, hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}); n != 1 {
		t.Errorf("%d organisations after the deletion, want 1", n)
	}
	nodes, _ := load(t, s)
	if _, ok := nodes[a.ID]; ok {
		t.Error("Load still streams the deleted node")
	}
	ch := mustNext(t, cs)
	if ch.Op != hub.ChangeDelete || ch.ID != a.ID || ch.Row != hub.RowNode || ch.Version != 2 || !ch.Last {
		t.Errorf("feed: %+v, want the last change of a write deleting %s at version 2", ch, a.ID)
	}
	revs, _ := mustHistory(t, s, a.ID, 0, 10)
	if len(revs) != 2 || revs[0].Op != hub.RevisionDelete || revs[0].Version != 2 || revs[1].Op != hub.RevisionCreate || revs[1].Version != 1 {
		t.Fatalf("history of the deleted node: %+v, want DELETE v2 then CREATE v1", revs)
	}
	tomb := revs[0]
	if tomb.Actor != "tester" || len(tomb.Sources) != 1 || tomb.Sources[0].Quote != "lakkautettu" {
		t.Errorf("tombstone %+v: want actor tester and the batch's source", tomb)
	}
	// The tombstone keeps what the row said: every fact goes from its
	// value to nothing.
	var name json.RawMessage
	for _, c := range tomb.Changes {
		if c.Field == "name" {
			name = c.Before
			if c.After != nil {
				t.Errorf("tombstone's name after = %s, want none", c.After)
			}
		}
	}
	if string(name) != `{"fi":"Organisaatio a"}` {
		t.Errorf("tombstone's name before = %s", name)
	}
}

func testDeleteCascade(t *testing.T, s Store) {
	a, b, c := Org("a"), Org("b"), Org("c")
	ab, ca, bc := rel(hub.RefersTo, a, b, ""), rel(hub.RefersTo, c, a, ""), rel(hub.RefersTo, b, c, "")
	mustApply(t, s, Source(), a, b, c, ab, ca, bc)
	mustFail(t, s, &hub.Batch{DeleteNodes: []string{a.ID}}, hub.ECONFLICT)
	// Deleting the relationships in the same write is enough.
	mustApply(t, s, a.Clone(), rel(hub.RefersTo, a, b, "x"))
	ax := rel(hub.RefersTo, a, b, "x")
	b2 := &hub.Batch{DeleteNodes: []string{a.ID}, DeleteRelationships: []string{ab.ID}}
	mustFail(t, s, b2, hub.ECONFLICT) // ca and ax still touch a
	casc := &hub.Batch{DeleteNodes: []string{a.ID}, DeleteRelationships: []string{ab.ID}, Cascade: true}
	if err := s.Apply(t.Context(), casc); err != nil {
		t.Fatal(err)
	}
	_, rels := load(t, s)
	if len(rels) != 1 || rels[bc.ID] == nil {
		t.Errorf("relationships after the cascade: %v, want only %s", slices.Collect(mapsKeys(rels)), bc.Key)
	}
	if got := mustRelationshipsByID(t, s, ab.ID, ca.ID, ax.ID, bc.ID); got[0] != nil || got[1] != nil || got[2] != nil || got[3] == nil {
		t.Errorf("index after the cascade: %v", got)
	}
	var deleted []string
	for _, r := range casc.Revisions {
		if r.Op != hub.RevisionDelete {
			t.Errorf("revision %+v in a deletion", r)
		}
		deleted = append(deleted, r.ID)
	}
	mustSameIDSet(t, s, "rows the cascade deleted", deleted, []string{a.ID, ab.ID, ca.ID, ax.ID})
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func testDeleteMissing(t *testing.T, s Store) {
	a := Org("a")
	mustApply(t, s, Source())
	b := &hub.Batch{Nodes: []*hub.Node{a}, DeleteNodes: []string{hub.NodeID(hub.KindOrganisation, "ghost")}}
	mustPrepare(t, s, b, t0)
	mustFail(t, s, b, hub.ENOTFOUND)
	mustFail(t, s, &hub.Batch{DeleteRelationships: []string{hub.RelationshipID("nothing")}}, hub.ENOTFOUND)
}

func testDanglingRefused(t *testing.T, s Store) {
	a, ghost := Org("a"), Org("ghost")
	mustApply(t, s, Source(), a)
	r := rel(hub.RefersTo, a, ghost, "")
	// Prepared against a network that has the node, applied to a store
	// that has not: the store's own check is what refuses it.
	b := &hub.Batch{Relationships: []*hub.Relationship{r}}
	mustPrepare(t, readerWith(s, ghost), b, t0)
	mustFail(t, s, b, hub.EINVALID)
}

// readerWith is s with extra nodes visible to NodesByID.
type extraNodes struct {
	Store
	extra []*hub.Node
}

func readerWith(s Store, extra ...*hub.Node) hub.Reader { return extraNodes{s, extra} }

func (e extraNodes) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	out, err := e.Store.NodesByID(ctx, ids)
	for i, id := range ids {
		for _, n := range e.extra {
			if n.ID == id {
				out[i] = n
			}
		}
	}
	return out, err
}

func testExpectedVersions(t *testing.T, s Store) {
	a := Org("a")
	mustApply(t, s, Source(), a)
	mustApply(t, s, a.Clone()) // version 2
	stale := a.Clone()
	stale.Name.FI = "Vanhentunut"
	b := &hub.Batch{Nodes: []*hub.Node{stale}, Expect: map[string]int64{a.ID: 1}}
	mustPrepare(t, s, b, t1)
	mustFail(t, s, b, hub.ECONFLICT)
	b = &hub.Batch{Nodes: []*hub.Node{Org("a")}, Expect: map[string]int64{a.ID: 0}}
	mustPrepare(t, s, b, t1)
	mustFail(t, s, b, hub.ECONFLICT)
	b = &hub.Batch{Nodes: []*hub.Node{Org("new")}, Expect: map[string]int64{hub.NodeID(hub.KindOrganisation, "new"): 3}}
	mustPrepare(t, s, b, t1)
	mustFail(t, s, b, hub.ECONFLICT)
	fresh := a.Clone()
	fresh.Name.FI = "Ajan tasalla"
	b = &hub.Batch{Nodes: []*hub.Node{fresh}, Expect: map[string]int64{a.ID: 2}}
	mustPrepare(t, s, b, t1)
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply with the current version: %v", err)
	}
	if got := mustNodesByID(t, s, a.ID)[0]; got.Version != 3 || got.Name.FI != "Ajan tasalla" {
		t.Errorf("after the write: version %d, name %q", got.Version, got.Name.FI)
	}
}

// testNoLostUpdate has writers each add their own aliases to one node by
// read-modify-write, naming the version they read and retrying on a
// conflict. Every acknowledged alias must be in the final row, and the
// final version must count every acknowledged write.
func testNoLostUpdate(t *testing.T, s Store) {
	a := Org("a")
	mustApply(t, s, Source(), a)
	const writers, each = 6, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []string
	conflicts := 0
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				alias := fmt.Sprintf("w%d-%d", w, i)
				for {
					cur, err := s.NodesByID(t.Context(), []string{a.ID})
					if err != nil {
						t.Error(err)
						return
					}
					next := cur[0].Clone()
					next.Aliases = append(next.Aliases, alias)
					b := &hub.Batch{Nodes: []*hub.Node{next}, Expect: map[string]int64{a.ID: cur[0].Version}}
					if err := hub.Prepare(t.Context(), s, b, t1); err != nil {
						t.Error(err)
						return
					}
					err = s.Apply(t.Context(), b)
					if hub.ErrorCode(err) == hub.ECONFLICT {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked = append(acked, alias)
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Wait()
	nodes, _ := load(t, s)
	final := nodes[a.ID]
	slices.Sort(acked)
	got := slices.Sorted(slices.Values(final.Aliases))
	if !slices.Equal(got, acked) {
		t.Errorf("final aliases %v, want the %d acknowledged ones %v", got, len(acked), acked)
	}
	if final.Version != int64(1+len(acked)) {
		t.Errorf("final version %d, want %d (one per acknowledged write)", final.Version, 1+len(acked))
	}
	t.Logf("%d acknowledged writes, %d conflicts retried", len(acked), conflicts)
}

// testNoDanglingUnderConcurrency races writers of relationships to a node
// with a deletion of that node, round after round: whatever wins, no
// stored relationship may end at a node that is not stored.
func testNoDanglingUnderConcurrency(t *testing.T, s Store) {
	hubNode := Org("hub")
	mustApply(t, s, Source(), hubNode)
	const rounds, writers = 4, 4
	for round := range rounds {
		target := Org(fmt.Sprintf("target-%d", round))
		mustApply(t, s, target)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				r := rel(hub.RefersTo, hubNode, target, fmt.Sprint(w))
				b := &hub.Batch{Relationships: []*hub.Relationship{r}}
				if err := hub.Prepare(t.Context(), readerWith(s, target), b, t1); err != nil {
					t.Error(err)
					return
				}
				if err := s.Apply(t.Context(), b); err != nil && hub.ErrorCode(err) != hub.EINVALID {
					t.Errorf("relationship write: %v", err)
				}
			})
		}
		wg.Go(func() {
			err := s.Apply(t.Context(), &hub.Batch{DeleteNodes: []string{target.ID}})
			if err != nil && hub.ErrorCode(err) != hub.ECONFLICT {
				t.Errorf("deletion: %v", err)
			}
		})
		wg.Wait()
	}
	nodes, rels := load(t, s)
	for _, r := range rels {
		if nodes[r.FromID] == nil || nodes[r.ToID] == nil {
			t.Errorf("relationship %s dangles", r.Key)
		}
	}
}

func testHistory(t *testing.T, s Store) {
	a := Org("a")
	first := &hub.Batch{Nodes: []*hub.Node{Source(), a}, Actor: "alice"}
	mustPrepare(t, s, first, t0)
	if err := s.Apply(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	names := []string{"Organisaatio a", "Toinen", "Kolmas", "Neljäs", "Viides"}
	for i, name := range names[1:] {
		n := a.Clone()
		n.Name.FI = name
		b := &hub.Batch{Nodes: []*hub.Node{n}, Actor: fmt.Sprintf("writer-%d", i+2)}
		mustPrepare(t, s, b, t1)
		if err := s.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		if len(b.Revisions) != 1 || b.Revisions[0].Version != int64(i+2) {
			t.Fatalf("revisions on the batch: %+v", b.Revisions)
		}
	}
	// Page through two at a time, newest first.
	var all []hub.Revision
	var before int64
	for range 10 {
		page, more := mustHistory(t, s, a.ID, before, 2)
		all = append(all, page...)
		if !more {
			break
		}
		before = page[len(page)-1].Version
	}
	if len(all) != len(names) {
		t.Fatalf("history has %d revisions, want %d: %+v", len(all), len(names), all)
	}
	for i, rev := range all {
		v := int64(len(names) - i)
		if rev.Version != v || rev.ID != a.ID || rev.Row != hub.RowNode || rev.At.IsZero() {
			t.Errorf("revision %d: %+v, want version %d of %s", i, rev, v, a.ID)
		}
		wantActor := fmt.Sprintf("writer-%d", v)
		wantOp := hub.RevisionUpdate
		if v == 1 {
			wantActor, wantOp = "alice", hub.RevisionCreate
		}
		if rev.Actor != wantActor || rev.Op != wantOp {
			t.Errorf("revision v%d: actor %q op %s, want %q %s", v, rev.Actor, rev.Op, wantActor, wantOp)
		}
		if v == 1 {
			continue
		}
		want := []hub.FieldChange{{Field: "name",
			Before: json.RawMessage(fmt.Sprintf(`{"fi":%q}`, names[v-2])),
			After:  json.RawMessage(fmt.Sprintf(`{"fi":%q}`, names[v-1]))}}
		mustSameJSON(t, fmt.Sprintf("changes of v%d", v), rev.Changes, want)
		if len(rev.Sources) != 1 || rev.Sources[0].SourceID != sourceID {
			t.Errorf("revision v%d sources %+v", v, rev.Sources)
		}
	}
	if revs, more := mustHistory(t, s, hub.NodeID(hub.KindOrganisation, "never"), 0, 5); len(revs) != 0 || more {
		t.Errorf("history of a row never written: %+v %v", revs, more)
	}
	if revs, more := mustHistory(t, s, a.ID, 1, 5); len(revs) != 0 || more {
		t.Errorf("history before version 1: %+v %v", revs, more)
	}
}

func testRecreateAfterDelete(t *testing.T, s Store) {
	a := Org("a")
	mustApply(t, s, Source(), a)
	mustApply(t, s, a.Clone())
	if err := s.Apply(t.Context(), &hub.Batch{DeleteNodes: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	again := mustApply(t, s, Org("a"))
	if v := again.Nodes[0].Version; v != 4 {
		t.Errorf("the node created again has version %d, want 4 (after the tombstone's 3)", v)
	}
	if got := mustNodesByID(t, s, a.ID)[0]; got == nil || got.Version != 4 {
		t.Errorf("index holds %+v, want version 4", got)
	}
	revs, _ := mustHistory(t, s, a.ID, 0, 10)
	var ops []string
	for _, r := range revs {
		ops = append(ops, fmt.Sprintf("%s%d", r.Op, r.Version))
	}
	if want := []string{"CREATE4", "DELETE3", "UPDATE2", "CREATE1"}; !slices.Equal(ops, want) {
		t.Errorf("history %v, want %v", ops, want)
	}
}

func testMerge(t *testing.T, s Store) {
	a, b, c, p := Org("a"), Org("b"), Org("c"), node(hub.KindPilot, "p", "Pilotti")
	b.Aliases = []string{"Bee"}
	b.Sources = []hub.Citation{{SourceID: sourceID, Quote: "b mainitaan"}}
	b.Description = hub.LocalizedText{FI: "B:n kuvaus"}
	a.ExternalIDs = []hub.ExternalID{{Scheme: "kela", ID: "A-1"}}
	b.ExternalIDs = []hub.ExternalID{{Scheme: "kela", ID: "B-1"}, {Scheme: "ytj", ID: "B-2"}}
	ap, bp := rel(hub.PartnerIn, a, p, ""), rel(hub.PartnerIn, b, p, "")
	bp.Sources = []hub.Citation{{SourceID: sourceID, Quote: "b on kumppani"}}
	cb, ab := rel(hub.RefersTo, c, b, ""), rel(hub.RefersTo, a, b, "")
	mustApply(t, s, Source(), a, b, c, p, ap, bp, cb, ab)
	cs := mustWatch(t, s, "")
	m := &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: b.ID}}, Expect: map[string]int64{a.ID: 1, b.ID: 1}, Actor: "tester"}
	if err := s.Apply(t.Context(), m); err != nil {
		t.Fatalf("merge: %v", err)
	}
	nodes, rels := load(t, s)
	if nodes[b.ID] != nil {
		t.Error("the merged node is still stored")
	}
	kept := nodes[a.ID]
	if kept == nil || kept.Version != 2 {
		t.Fatalf("the kept node: %+v", kept)
	}
	for _, alias := range []string{"Organisaatio b", "Bee"} {
		if !slices.Contains(kept.Aliases, alias) {
			t.Errorf("the kept node's aliases %v lack %q", kept.Aliases, alias)
		}
	}
	if kept.Description.FI != "B:n kuvaus" || !slices.Equal(kept.MergedIDs, []string{b.ID}) {
		t.Errorf("the kept node: description %q, merged ids %v", kept.Description.FI, kept.MergedIDs)
	}
	// The kept node keeps its own id of a scheme both have, and gains
	// the other's of a scheme it lacks.
	if want := []hub.ExternalID{{Scheme: "kela", ID: "A-1"}, {Scheme: "ytj", ID: "B-2"}}; !slices.Equal(kept.ExternalIDs, want) {
		t.Errorf("the kept node's external ids %v, want %v", kept.ExternalIDs, want)
	}
	if !slices.ContainsFunc(kept.Sources, func(c hub.Citation) bool { return c.Quote == "b mainitaan" }) {
		t.Errorf("the kept node's sources %v lack the merged node's", kept.Sources)
	}
	// Oracle: every relationship of b, rewritten by hand.
	ca := rel(hub.RefersTo, c, a, "")
	want := map[string]bool{ap.ID: true, ca.ID: true}
	for id, r := range rels {
		if r.FromID == b.ID || r.ToID == b.ID {
			t.Errorf("relationship %s still touches the merged node", r.Key)
		}
		if r.FromID == r.ToID {
			t.Errorf("relationship %s links a node to itself", r.Key)
		}
		if !want[id] {
			t.Errorf("unexpected relationship %s", r.Key)
		}
	}
	if len(rels) != len(want) {
		t.Errorf("%d relationships after the merge, want %d", len(rels), len(want))
	}
	if r := rels[ap.ID]; r == nil || !slices.ContainsFunc(r.Sources, func(c hub.Citation) bool { return c.Quote == "b on kumppani" }) {
		t.Errorf("the kept node's PARTNER_IN does not cite the merged one's source: %+v", r)
	}
	if r := rels[ca.ID]; r == nil || r.Version != 1 {
		t.Errorf("the moved relationship: %+v", r)
	}
	// The old id resolves to the kept node, in this index and in a
	// newly loaded one.
	if got := mustNodesByID(t, s, b.ID)[0]; got == nil || got.ID != a.ID {
		t.Errorf("NodesByID(merged id) = %v, want the kept node", got)
	}
	fresh, err := index.Open(t.Context(), s, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if got, _ := fresh.NodesByID(t.Context(), []string{b.ID}); got[0] == nil || got[0].ID != a.ID {
		t.Errorf("a newly loaded index resolves the merged id to %v", got[0])
	}
	// The history and the feed say it was a merge.
	revs, _ := mustHistory(t, s, b.ID, 0, 5)
	if len(revs) == 0 || revs[0].Op != hub.RevisionMerge || revs[0].MergedInto != a.ID || revs[0].Actor != "tester" {
		t.Errorf("the merged node's last revision: %+v", revs)
	}
	var merged bool
	for range len(m.Revisions) {
		ch := mustNext(t, cs)
		if ch.ID == b.ID {
			merged = ch.Op == hub.ChangeDelete && ch.MergedInto == a.ID && ch.Version == 2
		}
		if ch.Last {
			break
		}
	}
	if !merged {
		t.Error("the feed does not report the merged node's deletion with the node kept")
	}
}

func testMergeRefused(t *testing.T, s Store) {
	a, p := Org("a"), node(hub.KindPilot, "p", "Pilotti")
	mustApply(t, s, Source(), a, p)
	mustFail(t, s, &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: p.ID}}}, hub.EINVALID)
	mustFail(t, s, &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: hub.NodeID(hub.KindOrganisation, "ghost")}}}, hub.ENOTFOUND)
	mustFail(t, s, &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: a.ID}}}, hub.EINVALID)
	b := Org("b")
	mustApply(t, s, b)
	mustFail(t, s, &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: b.ID}}, Expect: map[string]int64{b.ID: 7}}, hub.ECONFLICT)
}

func testBusinessIDs(t *testing.T, s Store) {
	testUniqueKey(t, s, "business ID", func(n *hub.Node, v string) { n.BusinessID = v },
		func(n *hub.Node) string { return n.BusinessID }, [3]string{"0245437-2", "0246246-0", "0112038-9"})
}

func testUniqueExternalIDs(t *testing.T, s Store) {
	testUniqueKey(t, s, "kela id", func(n *hub.Node, v string) {
		n.ExternalIDs = []hub.ExternalID{{Scheme: "partner:acme", ID: n.Key}, {Scheme: "kela", ID: v}}
	},
		func(n *hub.Node) string {
			if i := slices.IndexFunc(n.ExternalIDs, func(e hub.ExternalID) bool { return e.Scheme == "kela" }); i >= 0 {
				return n.ExternalIDs[i].ID
			}
			return ""
		}, [3]string{"K-1", "K-2", "K-3"})
}

// testUniqueKey checks what only one node of a kind may hold (set writes
// it, get reads it): refused by the store when Prepare did not see the
// holder, free to move from its holder within one write, and won by one
// of several racing writers. values are three distinct values.
func testUniqueKey(t *testing.T, s Store, what string, set func(*hub.Node, string), get func(*hub.Node) string, values [3]string) {
	a, e := Org("a"), node(hub.KindEmployer, "a", "Työnantaja a")
	set(a, values[0])
	set(e, values[0]) // an employer may be the same legal person
	mustApply(t, s, Source(), a, e)
	b := Org("b")
	set(b, values[0])
	// Prepared against a network without a, applied to the store: the
	// store's own check refuses it.
	bb := &hub.Batch{Nodes: []*hub.Node{b}}
	mustPrepare(t, readerWithout{s}, bb, t1)
	mustFail(t, s, bb, hub.ECONFLICT)
	// Freed by its holder in the same write, it may move.
	a2 := a.Clone()
	set(a2, values[1])
	mustApply(t, s, a2, b)
	nodes, _ := load(t, s)
	if get(nodes[a.ID]) != values[1] || get(nodes[b.ID]) != values[0] || get(nodes[e.ID]) != values[0] {
		t.Errorf("%ss after the move: a %s, b %s, employer %s", what, get(nodes[a.ID]), get(nodes[b.ID]), get(nodes[e.ID]))
	}
	// Writers racing for one value: one wins.
	const writers = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for w := range writers {
		wg.Go(func() {
			n := Org(fmt.Sprintf("racer-%d", w))
			set(n, values[2])
			b := &hub.Batch{Nodes: []*hub.Node{n}}
			if err := hub.Prepare(t.Context(), readerWithout{s}, b, t1); err != nil {
				t.Error(err)
				return
			}
			err := s.Apply(t.Context(), b)
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case hub.ErrorCode(err) != hub.ECONFLICT:
				t.Errorf("racer %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d writers got %s %s, want 1", won, what, values[2])
	}
}

func testExternalIDs(t *testing.T, s Store) {
	a, b, e := Org("a"), Org("b"), node(hub.KindEmployer, "a", "Työnantaja a")
	a.ExternalIDs = []hub.ExternalID{{Scheme: "ytj", ID: "0245437-2"}, {Scheme: "partner:acme", ID: "A 17"}}
	b.ExternalIDs = []hub.ExternalID{{Scheme: "kela", ID: "0245437-2"}}
	e.ExternalIDs = []hub.ExternalID{{Scheme: "ytj", ID: "0245437-2"}}
	mustApply(t, s, Source(), a, b, e)
	nodes, _ := load(t, s)
	for _, want := range []*hub.Node{a, b, e} {
		if got := nodes[want.ID].ExternalIDs; !slices.Equal(got, want.ExternalIDs) {
			t.Errorf("%s/%s read back with external ids %v, want %v", want.Kind, want.Key, got, want.ExternalIDs)
		}
	}
	find := func(kinds []hub.Kind, scheme, id string) []string {
		t.Helper()
		got, err := hub.Select(t.Context(), s, hub.NodeFilter{Kinds: kinds}, &hub.Where{ExternalID: &hub.ExternalID{Scheme: scheme, ID: id}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	orgs := []hub.Kind{hub.KindOrganisation}
	both := []hub.Kind{hub.KindOrganisation, hub.KindEmployer}
	for _, tc := range []struct {
		kinds      []hub.Kind
		scheme, id string
		want       []string
	}{
		{orgs, "ytj", "0245437-2", []string{a.ID}},
		{both, "ytj", "0245437-2", sorted(a.ID, e.ID)},
		{orgs, "partner:acme", "A 17", []string{a.ID}},
		{orgs, "kela", "0245437-2", []string{b.ID}},
		{orgs, "partner:acme", "a 17", nil}, // ids compare exactly
		{orgs, "kela", "A 17", nil},         // the id of another scheme
		{orgs, "ytj", "0245437", nil},
	} {
		if got := find(tc.kinds, tc.scheme, tc.id); !slices.Equal(got, tc.want) {
			t.Errorf("%v with %s=%s: %v, want %v", tc.kinds, tc.scheme, tc.id, got, tc.want)
		}
	}
	// A write replaces the list: the removed id no longer finds it.
	a2 := a.Clone()
	a2.ExternalIDs = []hub.ExternalID{{Scheme: "partner:acme", ID: "A 18"}}
	mustApply(t, s, a2)
	nodes, _ = load(t, s)
	if got := nodes[a.ID].ExternalIDs; !slices.Equal(got, a2.ExternalIDs) {
		t.Errorf("after the update a has external ids %v, want %v", got, a2.ExternalIDs)
	}
	if got := find(orgs, "ytj", "0245437-2"); len(got) != 0 {
		t.Errorf("the removed ytj id still finds %v", got)
	}
	if got := find(orgs, "partner:acme", "A 18"); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("the new id finds %v, want %v", got, []string{a.ID})
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// readerWithout is s with no organisations or employers to list, so
// that Prepare's own business and external id checks pass and the
// store's are tested.
type readerWithout struct{ Store }

func (r readerWithout) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	return nil, false, nil
}

func testMergeRegionCode(t *testing.T, s Store) {
	a, b := node(hub.KindRegion, "a", "Alue a"), node(hub.KindRegion, "b", "Alue b")
	a.Type, b.Type = "WELLBEING_SERVICES_COUNTY", "WELLBEING_SERVICES_COUNTY"
	b.Code = "11"
	b.Classification = &hub.Classification{Scheme: "hyvinvointialue", Year: 2023, URL: "https://example.org/hyvinvointialue"}
	mustApply(t, s, Source(), a, b)
	if err := s.Apply(t.Context(), &hub.Batch{Merges: []hub.Merge{{Keep: a.ID, Remove: b.ID}}}); err != nil {
		t.Fatalf("merge: %v", err)
	}
	kept := mustNodesByID(t, s, a.ID)[0]
	if kept == nil || kept.Code != "11" || kept.Classification == nil || *kept.Classification != *b.Classification {
		t.Errorf("the kept region: %+v", kept)
	}
}
