package storetest

import (
	"encoding/json"
	"testing"

	"github.com/otehub/hub"
)

// Facts returns every row that s holds, by id, as generic JSON without
// its bookkeeping (createdAt, updatedAt, version): what two stores must
// share to hold the same network. It reads the rows through Load and
// compares nothing itself, so that it can judge code that copies
// networks (imports, exports).
func Facts(tb testing.TB, s hub.Store) map[string]map[string]any {
	tb.Helper()
	out := map[string]map[string]any{}
	add := func(id string, row any) {
		raw, err := json.Marshal(row)
		if err != nil {
			tb.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			tb.Fatal(err)
		}
		for _, f := range []string{"createdAt", "updatedAt", "version"} {
			delete(m, f)
		}
		out[id] = m
	}
	err := s.Load(tb.Context(),
		func(n *hub.Node) error { add(n.ID, n); return nil },
		func(r *hub.Relationship) error { add(r.ID, r); return nil })
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Versions returns the version of every row that s holds, by id.
func Versions(tb testing.TB, s hub.Store) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	err := s.Load(tb.Context(),
		func(n *hub.Node) error { out[n.ID] = n.Version; return nil },
		func(r *hub.Relationship) error { out[r.ID] = r.Version; return nil })
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// MustSameFacts fails tb for every row of want that got lacks or holds
// otherwise, and every row of got that want lacks.
func MustSameFacts(tb testing.TB, got, want map[string]map[string]any) {
	tb.Helper()
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			tb.Errorf("row %s (%v) is missing", id, w["key"])
			continue
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			tb.Errorf("row %s differs:\n got %s\nwant %s", id, gj, wj)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			tb.Errorf("row %s (%v) is extra", id, g["key"])
		}
	}
}
