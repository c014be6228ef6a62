package dataset_test

import (
	"context"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/storetest"
)

// The dataset's integrity: it parses strictly, passes the domain's
// validation (every edge endpoint exists, every fact cites a source
// document, at most one parent per node), and holds no duplicates.
func TestDatasetIntegrity(t *testing.T) {
	b, err := dataset.Batch()
	if err != nil {
		t.Fatal(err)
	}
	store := storetest.Embedded(t)
	if err := hub.Prepare(context.Background(), store, b, time.Now()); err != nil {
		t.Fatalf("dataset does not validate: %v", err)
	}

	t.Run("every fact has a source", func(t *testing.T) {
		for _, n := range b.Nodes {
			if n.Kind != hub.KindSourceDocument && len(n.Sources) == 0 {
				t.Errorf("%s/%s has no source", n.Kind, n.Key)
			}
		}
		for _, r := range b.Relationships {
			if len(r.Sources) == 0 {
				t.Errorf("relationship %s has no source", r.Key)
			}
		}
	})
	t.Run("no duplicate nodes or relationships", func(t *testing.T) {
		// Same kind and normalised name is a duplicate too, not only the
		// same key.
		names := map[string]string{}
		for _, n := range b.Nodes {
			k := string(n.Kind) + "|" + hub.Normalize(n.Name.In(hub.Finnish))
			if other, dup := names[k]; dup {
				t.Errorf("%s/%s and %s have the same name", n.Kind, n.Key, other)
			}
			names[k] = n.Key
		}
		rels := map[string]string{}
		for _, r := range b.Relationships {
			k := string(r.Type) + "|" + r.FromID + "|" + r.ToID
			if r.Amount != nil {
				continue // conflicting figures are kept side by side on purpose
			}
			if other, dup := rels[k]; dup {
				t.Errorf("relationships %s and %s link the same nodes the same way", r.Key, other)
			}
			rels[k] = r.Key
		}
	})
	t.Run("all 19 regions with official codes", func(t *testing.T) {
		codes := map[string]bool{}
		for _, n := range b.Nodes {
			if n.Kind == hub.KindRegion && n.Type == "REGION" {
				codes[n.Code] = true
			}
		}
		for _, c := range []string{"01", "02", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "21"} {
			if !codes[c] {
				t.Errorf("region %s missing", c)
			}
		}
		if len(codes) != 19 {
			t.Errorf("got %d regions, want 19", len(codes))
		}
	})
	t.Run("the size the seeds call for", func(t *testing.T) {
		orgs, rels := 0, len(b.Relationships)
		for _, n := range b.Nodes {
			if n.Kind == hub.KindOrganisation || n.Kind == hub.KindEmployer {
				orgs++
			}
		}
		if orgs < 40 || rels < 100 {
			t.Errorf("got %d organisations and %d relationships, want at least 40 and 100", orgs, rels)
		}
	})
	t.Run("disagreeing sources are both kept", func(t *testing.T) {
		yho := hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote")
		var amounts []int64
		for _, r := range b.Relationships {
			if r.Type == hub.Funds && r.ToID == yho {
				amounts = append(amounts, r.Amount.Minor/100)
			}
		}
		if len(amounts) != 2 || amounts[0] == amounts[1] {
			t.Errorf("Yhdessä hyvä OTE funding = %v, want the two figures 1 200 000 and 1 500 000", amounts)
		}
	})
}

func TestSeedIfEmptyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	store := storetest.Embedded(t)
	seeded, err := dataset.SeedIfEmpty(ctx, store)
	if err != nil || !seeded {
		t.Fatalf("first seed: seeded=%v err=%v", seeded, err)
	}
	nodes, _ := store.CountNodes(ctx, hub.NodeFilter{})
	rels, _ := store.CountRelationships(ctx, hub.RelationshipFilter{})
	if seeded, err := dataset.SeedIfEmpty(ctx, store); err != nil || seeded {
		t.Fatalf("second seed: seeded=%v err=%v", seeded, err)
	}
	if err := dataset.Seed(ctx, store); err != nil {
		t.Fatalf("forced reseed: %v", err)
	}
	nodes2, _ := store.CountNodes(ctx, hub.NodeFilter{})
	rels2, _ := store.CountRelationships(ctx, hub.RelationshipFilter{})
	if nodes != nodes2 || rels != rels2 {
		t.Errorf("reseeding changed counts: %d/%d nodes, %d/%d relationships", nodes, nodes2, rels, rels2)
	}
}
