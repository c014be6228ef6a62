package main

import (
	"testing"

	"github.com/otehub/hub"
)

// The table has one row per node kind of the domain, in its order, so
// that a kind added to the domain gets its collection or fails here.
func TestTableHasEveryKind(t *testing.T) {
	if len(kinds) != len(hub.Kinds) {
		t.Fatalf("%d rows for %d kinds", len(kinds), len(hub.Kinds))
	}
	for i, k := range hub.Kinds {
		if kinds[i].Name != string(k) {
			t.Errorf("row %d is %s, want %s", i, kinds[i].Name, k)
		}
		if (kinds[i].TypeField == "") != (len(hub.NodeTypes(k)) <= 1) {
			t.Errorf("%s: type filter %q, but the kind has %d types (a filter needs two)", k, kinds[i].TypeField, len(hub.NodeTypes(k)))
		}
	}
}
