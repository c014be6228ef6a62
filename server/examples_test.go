package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/web"
)

// TestPlaygroundMutations runs the playground's mutation examples in
// their order with an editor's key, as a user who pasted a key into the
// playground would, on both backends: every field of every mutation is
// written without user errors, the update and deletion name the
// versions the earlier examples wrote, the deletion cascades, and the
// history example then shows the three writes. The other tests that
// run every example leave the mutations to this one.
func TestPlaygroundMutations(t *testing.T) {
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	var mutations []web.Example
	var history string
	for _, e := range examples {
		if e.Mutation {
			mutations = append(mutations, e)
		}
		if e.Name == "History" {
			history = e.Query
		}
	}
	var names []string
	for _, e := range mutations {
		names = append(names, e.Name)
	}
	if want := []string{"CreateNode", "UpdateNode", "DeleteNode"}; !slices.Equal(names, want) || history == "" {
		t.Fatalf("mutation examples %v and a History example, want %v", names, want)
	}
	keysFile := filepath.Join(t.TempDir(), "keys")
	key := mustNewKey(t, keysFile, "-role", "editor", "-subject", "playground")
	org := hub.NodeID(hub.KindOrganisation, "esimerkki-ry")
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile))
			MustBeReady(t, m, 30*time.Second)

			if _, r := postAs(t, m, "", history, nil); len(r.Errors) > 0 || len(path(r.Data, "history", "nodes").([]any)) != 0 {
				t.Fatalf("History before the writes: %+v, want an empty history", r)
			}
			answers := map[string]gqlResponse{}
			for _, e := range mutations {
				_, r := postAs(t, m, key, e.Query, nil)
				if len(r.Errors) > 0 || r.Data == nil {
					t.Fatalf("%s: errors %+v", e.Name, r.Errors)
				}
				for field, payload := range r.Data {
					if errs := path(payload, "userErrors"); len(errs.([]any)) > 0 {
						t.Fatalf("%s: %s: user errors %v", e.Name, field, errs)
					}
				}
				answers[e.Name] = r
			}

			created := answers["CreateNode"].Data
			if path(created, "organisation", "node", "id") != org || path(created, "organisation", "node", "version") != 1.0 ||
				path(created, "organisation", "node", "regions", 0, "name") != "Etelä-Karjala" {
				t.Errorf("CreateNode's organisation: %+v", path(created, "organisation"))
			}
			if path(created, "partnership", "relationship", "to", "name") != "Yhdessä hyvä OTE" ||
				path(created, "partnership", "relationship", "from", "name") != "Esimerkki ry" {
				t.Errorf("CreateNode's partnership: %+v", path(created, "partnership"))
			}
			relID, _ := path(created, "partnership", "relationship", "id").(string)
			updated := answers["UpdateNode"].Data
			if path(updated, "updateNode", "node", "version") != 2.0 || path(updated, "updateNode", "node", "name") != "Example Association of South Karelia" {
				t.Errorf("UpdateNode: %+v", updated)
			}
			deleted := slices.Sorted(slices.Values(stringList(path(answers["DeleteNode"].Data, "deleteNode", "deletedIds"))))
			if !slices.Equal(deleted, slices.Sorted(slices.Values([]string{org, relID}))) {
				t.Errorf("DeleteNode deleted %v, want the organisation and its partnership", deleted)
			}

			// Running an example again is refused by its versions (or
			// by the key it would create), and writes nothing.
			_, r := postAs(t, m, key, mutations[1].Query, nil)
			if path(r.Data, "updateNode", "userErrors", 0, "code") != "NOT_FOUND" {
				t.Errorf("UpdateNode after the deletion: %+v, want NOT_FOUND", r)
			}

			_, r = postAs(t, m, "", history, nil)
			var ops []string
			for _, rev := range path(r.Data, "history", "nodes").([]any) {
				ops = append(ops, fmt.Sprintf("%v%v:%v", path(rev, "operation"), path(rev, "version"), path(rev, "actor")))
			}
			if want := []string{"DELETE3:playground", "UPDATE2:playground", "CREATE1:playground"}; !slices.Equal(ops, want) {
				t.Errorf("History: %v, want %v", ops, want)
			}
			if q := path(r.Data, "history", "nodes", 0, "sources", 0, "quote"); q != "no longer listed" {
				t.Errorf("the deletion's source: %v", q)
			}
		})
	}
}
