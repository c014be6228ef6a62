package index

import (
	"testing"

	"github.com/otehub/hub"
)

func TestDeletedRowsAreTheRowsHeldBeforeTheWrite(t *testing.T) {
	idx := New()
	n := &hub.Node{ID: hub.NodeID(hub.KindOrganisation, "a"), Kind: hub.KindOrganisation, Key: "a", Version: 3}
	r := &hub.Relationship{ID: "rel-1", Type: hub.RelationshipType("FUNDS"), Version: 2}
	idx.putNode(n)
	idx.putRelationship(r)
	got := deletedRows(idx, []hub.Change{
		{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: "other"},
		{Op: hub.ChangeDelete, Row: hub.RowNode, ID: n.ID},
		{Op: hub.ChangeDelete, Row: hub.RowRelationship, ID: r.ID},
		{Op: hub.ChangeDelete, Row: hub.RowNode, ID: "never-held"},
	})
	if len(got) != 2 || got[n.ID].Node != n || got[r.ID].Relationship != r {
		t.Errorf("deleted rows %v, want the held node and relationship only", got)
	}
	if got := deletedRows(idx, []hub.Change{{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID}}); got != nil {
		t.Errorf("a write without deletes: %v, want nil", got)
	}
}
