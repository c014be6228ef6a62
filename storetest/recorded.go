package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// recordedTests pin recorded time: the history streamed by time
// (Store.Revisions) and the network as the hub recorded it at a past
// time, checked against what the store loaded at that time.
var recordedTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"Revisions streams every revision recorded after a time, deleted rows included", testRevisions},
	{"the network as recorded at each past time is what the store loaded then", testAsRecorded},
}

// pause waits long enough that the next write is recorded at a later
// millisecond than a time taken now.
func pause() { time.Sleep(3 * time.Millisecond) }

// recordedNow is a time at or after every write acknowledged so far and
// before every later one (with pause).
func recordedNow() time.Time {
	t := time.Now()
	pause()
	return t
}

// applyNow prepares and applies b at the present time.
func applyNow(t *testing.T, s Store, b *hub.Batch) {
	t.Helper()
	mustPrepare(t, s, b, time.Now())
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func mustRevisions(t *testing.T, s Store, after time.Time) []hub.Revision {
	t.Helper()
	var out []hub.Revision
	if err := s.Revisions(t.Context(), after, func(r *hub.Revision) error { out = append(out, *r); return nil }); err != nil {
		t.Fatalf("Revisions(%v): %v", after, err)
	}
	slices.SortFunc(out, func(a, b hub.Revision) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Version, b.Version)) })
	return out
}

func testRevisions(t *testing.T, s Store) {
	start := recordedNow()
	a, b := Org("a"), Org("b")
	ab := rel(hub.RefersTo, a, b, "")
	first := batchOf(Source(), a, b, ab)
	first.Actor = "alice"
	applyNow(t, s, first)
	mid := recordedNow()
	a2 := a.Clone()
	a2.Name.FI, a2.Aliases = "Uusi nimi", []string{"Uusi"}
	second := &hub.Batch{Nodes: []*hub.Node{a2}, DeleteNodes: []string{b.ID}, Cascade: true, Actor: "bob",
		Sources: []hub.Citation{{SourceID: sourceID, Quote: "poistettu"}}}
	applyNow(t, s, second)
	end := recordedNow()

	// Every revision as the history holds it, by row and version.
	var history []hub.Revision
	for _, id := range []string{sourceID, a.ID, b.ID, ab.ID} {
		revs, _ := mustHistory(t, s, id, 0, 100)
		history = append(history, revs...)
	}
	byTime := func(lo, hi time.Time) []hub.Revision {
		var out []hub.Revision
		for _, r := range history {
			if r.At.After(lo) && !r.At.After(hi) {
				out = append(out, r)
			}
		}
		slices.SortFunc(out, func(a, b hub.Revision) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Version, b.Version)) })
		return out
	}
	if len(history) != 7 {
		t.Fatalf("the history holds %d revisions, want 7 (4 created, 1 updated, 2 deleted)", len(history))
	}
	mustSameJSON(t, "revisions after a time before every write", mustRevisions(t, s, start), byTime(start, end))
	mustSameJSON(t, "revisions after the first write", mustRevisions(t, s, mid), byTime(mid, end))
	if got := mustRevisions(t, s, mid); len(got) != 3 {
		t.Errorf("after the first write: %d revisions, want 3 (a updated, b and its relationship deleted)", len(got))
	}
	if got := mustRevisions(t, s, end); len(got) != 0 {
		t.Errorf("after the last write: %+v, want none", got)
	}
	for _, r := range mustRevisions(t, s, start) {
		mustUTCMillis(t, fmt.Sprintf("At of %s@%d", r.ID, r.Version), r.At, r.At)
	}
	// The time is exclusive: a revision recorded at it is not after it.
	if at := second.Revisions[0].At; len(mustRevisions(t, s, at)) != 0 {
		t.Errorf("Revisions(at the last write's time) streams revisions recorded at that time")
	}
	if got := mustRevisions(t, s, second.Revisions[0].At.Add(-time.Millisecond)); len(got) != 3 {
		t.Errorf("Revisions(a millisecond before the last write) streams %d revisions, want 3", len(got))
	}

	stop := errors.New("stop")
	calls := 0
	err := s.Revisions(t.Context(), start, func(*hub.Revision) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("a callback error: Revisions = %v after %d calls, want it returned after one", err, calls)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Revisions(ctx, start, func(*hub.Revision) error { return nil }); err == nil {
		t.Error("Revisions with a cancelled context succeeds")
	}
}

// recorder is what AsRecorded needs: index.Live in the suite.
type recorder interface {
	AsRecorded(ctx context.Context, t time.Time) (hub.Reader, error)
}

// readerFacts is Facts over a reader: every row it holds, by id, as
// generic JSON without bookkeeping.
func readerFacts(t *testing.T, r hub.Reader) (map[string]map[string]any, map[string]int64) {
	t.Helper()
	all := hub.ListOptions{First: hub.Unlimited, Unordered: true}
	nodes, _, err := r.FindNodes(t.Context(), hub.NodeFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	rels, _, err := r.FindRelationships(t.Context(), hub.RelationshipFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	facts, versions := map[string]map[string]any{}, map[string]int64{}
	add := func(id string, version int64, row any) {
		raw, _ := json.Marshal(row)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"createdAt", "updatedAt", "version"} {
			delete(m, f)
		}
		facts[id], versions[id] = m, version
	}
	for _, n := range nodes {
		add(n.ID, n.Version, n)
	}
	for _, r := range rels {
		add(r.ID, r.Version, r)
	}
	return facts, versions
}

func testAsRecorded(t *testing.T, s Store) {
	rec, ok := s.(recorder)
	if !ok {
		t.Fatalf("%T cannot answer the network as recorded", s)
	}
	type state struct {
		at       time.Time
		facts    map[string]map[string]any
		versions map[string]int64
	}
	var states []state
	record := func() {
		states = append(states, state{recordedNow(), Facts(t, s), Versions(t, s)})
	}
	record() // empty

	a, b, c := Org("a"), Org("b"), Org("c")
	b.Abbreviations = []string{"BEE"}
	p := node(hub.KindPilot, "p", "Pilotti")
	p.Period = &hub.Period{Start: day("2017-01-01"), End: day("2018-12-31")}
	ap, bp := rel(hub.PartnerIn, a, p, ""), rel(hub.Funds, b, p, "")
	bp.Amount = &hub.Money{Minor: 120000000, Currency: "EUR"}
	applyNow(t, s, batchOf(Source(), a, b, c, p, ap, bp))
	record()

	// Updates: a renamed and dated, the funding corrected.
	a2 := a.Clone()
	a2.Name.FI, a2.Aliases, a2.Period = "Organisaatio A (uusi)", []string{"A-org"}, &hub.Period{Start: day("2016-05-01")}
	bp2 := bp.Clone()
	bp2.Amount = &hub.Money{Minor: 150000000, Currency: "EUR"}
	bp2.Role = "rahoittaja"
	applyNow(t, s, batchOf(a2, bp2))
	record()

	// A deletion and a field cleared in one write.
	b2 := b.Clone()
	b2.Abbreviations = nil
	applyNow(t, s, &hub.Batch{Nodes: []*hub.Node{b2}, DeleteNodes: []string{c.ID}})
	record()

	// A cascade: a and its relationship go.
	applyNow(t, s, &hub.Batch{DeleteNodes: []string{a.ID}, Cascade: true})
	record()

	// c created again under another name, with a relationship.
	c2 := Org("c")
	c2.Name.FI = "Organisaatio C, toinen"
	cp := rel(hub.PartnerIn, c2, p, "")
	applyNow(t, s, batchOf(c2, cp))
	record()

	// The pilot's period cleared and a description set; the funding
	// corrected again.
	p2 := p.Clone()
	p2.Period, p2.Description = nil, hub.LocalizedText{FI: "Kuvaus"}
	bp3 := bp2.Clone()
	bp3.Amount, bp3.Role = nil, ""
	applyNow(t, s, batchOf(p2, bp3))
	record()

	// A merge: d folded into c, its relationship moved, its names kept.
	d := Org("d")
	d.Aliases = []string{"Dee"}
	dp := rel(hub.Leads, d, p, "")
	applyNow(t, s, batchOf(d, dp))
	record()
	applyNow(t, s, &hub.Batch{Merges: []hub.Merge{{Keep: c2.ID, Remove: d.ID}}})
	record()

	check := func(what string, st state) {
		t.Helper()
		snap, err := rec.AsRecorded(t.Context(), st.at)
		if err != nil {
			t.Fatalf("AsRecorded(%s): %v", what, err)
		}
		facts, versions := readerFacts(t, snap)
		MustSameFacts(t, facts, st.facts)
		mustSameJSON(t, what+": versions", versions, st.versions)
		nodes, _, _ := snap.FindNodes(t.Context(), hub.NodeFilter{}, hub.ListOptions{First: hub.Unlimited, Unordered: true})
		for _, n := range nodes {
			if n.UpdatedAt.After(st.at) || n.CreatedAt.After(n.UpdatedAt) {
				t.Errorf("%s: node %s created %v, updated %v: after the recorded time %v or in the wrong order", what, n.Key, n.CreatedAt, n.UpdatedAt, st.at)
			}
		}
	}
	for i, st := range states {
		t.Run(fmt.Sprintf("after write %d", i), func(t *testing.T) { check(fmt.Sprintf("after write %d", i), st) })
	}
	// The name index follows the snapshot: a name filter finds the old
	// name, not the new one.
	snap, err := rec.AsRecorded(t.Context(), states[1].at)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := snap.CountNodes(t.Context(), hub.NodeFilter{NameContains: hub.Normalize("(uusi)")}); n != 0 {
		t.Errorf("the network as first written finds %d nodes by the later name", n)
	}
	if got, _ := snap.CountRelationships(t.Context(), hub.RelationshipFilter{NodeIDs: []string{a.ID}}); got != 1 {
		t.Errorf("the network as first written has %d relationships of a, want 1", got)
	}
	// A time in the future is now.
	future, err := rec.AsRecorded(t.Context(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	facts, _ := readerFacts(t, future)
	MustSameFacts(t, facts, Facts(t, s))
	// The current network did not change by being looked back at.
	facts, _ = readerFacts(t, s)
	MustSameFacts(t, facts, states[len(states)-1].facts)
}
