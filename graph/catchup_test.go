package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// laggingIndex answers one node as it stood at an older version (or
// not at all) until lagUntil, as the index of an instance that has not
// yet applied the newest change of the store would.
type laggingIndex struct {
	hub.Network
	id       string
	old      *hub.Node // nil: the node is not there yet
	lagUntil atomic.Pointer[time.Time]
}

func (l *laggingIndex) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	found, err := l.Network.NodesByID(ctx, ids)
	if until := l.lagUntil.Load(); err == nil && until != nil && time.Now().Before(*until) {
		for i, id := range ids {
			if id == l.id {
				found[i] = l.old
			}
		}
	}
	return found, err
}

// A mutation through an instance whose index lags behind the version
// its caller names waits for the index to catch up, then writes from the
// newest version; past the wait it fails with STORE_UNAVAILABLE and
// writes nothing. Before, it refused a node just created elsewhere with
// NOT_FOUND, and built an update from the older version, which the
// store took as made from the newer one: the newer version's changes
// were lost.
func TestMutationsWaitForALaggingIndex(t *testing.T) {
	net := MustOpenSeeded(t)
	editor := &hub.Principal{Subject: "toimittaja", Role: hub.RoleEditor}
	ctx := hub.WithPrincipal(t.Context(), editor)
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")

	// create writes an organisation through the network, as another
	// instance would, and returns it.
	create := func(key string) *hub.Node {
		n := &hub.Node{Kind: hub.KindOrganisation, Key: key, Name: hub.LocalizedText{FI: key}, Type: "ASSOCIATION",
			Sources: []hub.Citation{{SourceID: source, Quote: "testi"}}}
		b := &hub.Batch{Nodes: []*hub.Node{n}, Expect: map[string]int64{hub.NodeID(n.Kind, key): 0}}
		if err := hub.Prepare(ctx, net, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := net.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		found, err := net.NodesByID(ctx, []string{b.Nodes[0].ID})
		if err != nil || found[0] == nil {
			t.Fatalf("%s: %v", key, err)
		}
		return found[0]
	}
	const update = `mutation($in: UpdateNodeInput!) { updateNode(input: $in) { node { id version } userErrors { code message } } }`
	type answer struct {
		UpdateNode struct {
			Node *struct {
				ID      string
				Version int64
			}
			UserErrors []struct{ Code, Message string }
		}
	}
	post := func(lag *laggingIndex, in map[string]any) (answer, error) {
		c := newClient(graph.Options{Network: lag, Writer: net}, withPrincipal(editor))
		var a answer
		err := c.Post(update, &a, client.Var("in", in))
		return a, err
	}
	lagFor := func(l *laggingIndex, d time.Duration) {
		until := time.Now().Add(d)
		l.lagUntil.Store(&until)
	}

	t.Run("an update naming a version the index has not reached waits, and keeps that version's changes", func(t *testing.T) {
		v1 := create("viiveella-paivitetty")
		lag := &laggingIndex{Network: net, id: v1.ID, old: v1}
		// Version 2, written elsewhere, adds a description.
		v2 := v1.Clone()
		v2.Description = hub.LocalizedText{FI: "Versiossa 2 lisätty kuvaus"}
		b := &hub.Batch{Nodes: []*hub.Node{v2}, Expect: map[string]int64{v1.ID: 1}}
		if err := hub.Prepare(ctx, net, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := net.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		lagFor(lag, 300*time.Millisecond)
		a, err := post(lag, map[string]any{"id": v1.ID, "version": 2, "set": map[string]any{"aliases": []any{"alias"}}})
		if err != nil || a.UpdateNode.Node == nil || a.UpdateNode.Node.Version != 3 {
			t.Fatalf("updateNode from version 2: %+v %v", a, err)
		}
		found, _ := net.NodesByID(ctx, []string{v1.ID})
		if got := found[0]; got.Version != 3 || got.Description.FI != "Versiossa 2 lisätty kuvaus" || fmt.Sprint(got.Aliases) != "[alias]" {
			t.Errorf("stored: v%d description %q aliases %v; want v3 with version 2's description and the alias", got.Version, got.Description.FI, got.Aliases)
		}
	})

	t.Run("an update of a node the index does not hold yet waits for it", func(t *testing.T) {
		n := create("viiveella-luotu")
		lag := &laggingIndex{Network: net, id: n.ID}
		lagFor(lag, 300*time.Millisecond)
		a, err := post(lag, map[string]any{"id": n.ID, "version": 1, "set": map[string]any{"aliases": []any{"alias"}}})
		if err != nil || a.UpdateNode.Node == nil || a.UpdateNode.Node.Version != 2 {
			t.Fatalf("updateNode of a node created elsewhere: %+v %v", a, err)
		}
	})

	t.Run("an index that does not catch up in time: STORE_UNAVAILABLE, nothing written", func(t *testing.T) {
		v1 := create("jaljessa")
		v2 := v1.Clone()
		v2.Description = hub.LocalizedText{FI: "kuvaus"}
		b := &hub.Batch{Nodes: []*hub.Node{v2}, Expect: map[string]int64{v1.ID: 1}}
		if err := hub.Prepare(ctx, net, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := net.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		lag := &laggingIndex{Network: net, id: v1.ID, old: v1}
		lagFor(lag, time.Hour)
		_, err := post(lag, map[string]any{"id": v1.ID, "version": 2, "set": map[string]any{"aliases": []any{"alias"}}})
		if err == nil || !strings.Contains(err.Error(), "STORE_UNAVAILABLE") {
			t.Errorf("updateNode through an index far behind: %v, want STORE_UNAVAILABLE", err)
		}
		found, _ := net.NodesByID(ctx, []string{v1.ID})
		if found[0].Version != 2 || len(found[0].Aliases) != 0 {
			t.Errorf("stored v%d aliases %v, want version 2 untouched", found[0].Version, found[0].Aliases)
		}
	})
}
