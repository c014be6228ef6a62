package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/mongodb/mongotest"
)

// writeEvent is an event of the subscription in
// TestMutationsThroughOneInstanceReachSubscribersOfAnother, kept whole
// for the personal-data check.
type writeEvent struct {
	Op, ID, Kind string
	Version      int64
	Node         *struct {
		Key, Name    string
		Email, Phone *string
		Sources      []struct{ Quote string }
	}
	raw string
}

const writeEventsQuery = `subscription { changes(kinds: [Organisation, Contact]) { op id kind version
	node { ... on Entity { key name sources { quote } } ... on Contact { email phone } } } }`

// nextWrite reads one event of s within d.
func nextWrite(t *testing.T, s subscribetest.Stream, d time.Duration) writeEvent {
	t.Helper()
	ev, raw := nextEvent[writeEvent](t, s, d)
	ev.raw = raw
	return ev
}

// postAs posts a GraphQL request with an API key ("" for none) to a
// hub process; the answer must be 200.
func (p *hubProcess) postAs(t *testing.T, key, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return out
}

// Two hub processes on one database: a client subscribed to changes on
// B sees what an editor creates, updates and deletes through A, with
// the versions A answered, within feedBound; an anonymous subscriber
// never sees a contact's e-mail or phone, which the editor's own
// mutation payload shows.
func TestMutationsThroughOneInstanceReachSubscribersOfAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hub and starts three processes")
	}
	dir := t.TempDir()
	db, err := secantus.Start(filepath.Join(dir, "db"), filepath.Join(dir, "secantus.log"))
	if err != nil {
		mongotest.Unavailable(t, err)
	}
	t.Cleanup(func() { db.Stop() })
	bin := filepath.Join(dir, "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, out)
	}
	keysFile := filepath.Join(dir, "keys")
	editor := mustNewKey(t, keysFile, "-role", "editor", "-subject", "toimittaja")
	env := []string{"MONGODB_URI=" + db.URI("ote"), "HUB_API_KEYS_FILE=" + keysFile}
	a := startHub(t, bin, env...)
	waitFor(t, "hub A ready", 90*time.Second, func() bool { c, _ := a.readyz(t); return c == http.StatusOK })
	b := startHub(t, bin, env...)
	waitFor(t, "hub B ready", 90*time.Second, func() bool { c, _ := b.readyz(t); return c == http.StatusOK })

	ws, _, err := subscribetest.DialWebSocket(t.Context(), b.url+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	onB, err := ws.Subscribe(t.Context(), "changes", subscribetest.Request{Query: writeEventsQuery})
	if err != nil {
		t.Fatal(err)
	}
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	citing := func(quote string) []any { return []any{map[string]any{"sourceId": source, "quote": quote}} }

	// The subscription is open once a write reaches it: rename a
	// warm-up organisation through A until one does, then read what is
	// left of those writes.
	warm := a.postAs(t, editor, createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": "lammittely",
		"fields": map[string]any{"name": map[string]any{"fi": "Lämmittely"}, "type": "ASSOCIATION", "sources": citing("testi")}}})
	warmID, _ := path(warm.Data, "createNode", "node", "id").(string)
	if warmID == "" {
		t.Fatalf("createNode through A: %+v", warm)
	}
	for v := 1; ; v++ {
		if v == 40 {
			t.Fatal("no write through A reached the subscriber on B")
		}
		r := a.postAs(t, editor, updateNode, map[string]any{"in": map[string]any{"id": warmID, "version": v,
			"set": map[string]any{"aliases": []any{fmt.Sprint("lämmittely ", v)}}}})
		if path(r.Data, "updateNode", "node", "version") != float64(v+1) {
			t.Fatalf("updateNode through A: %+v", r)
		}
		if tryNext(t, onB, 500*time.Millisecond) {
			break
		}
	}
	for tryNext(t, onB, 500*time.Millisecond) {
	}

	// expect reads the next event on B, which must be op of id at
	// version, and logs how long after A's acknowledgement it came.
	expect := func(what string, acked time.Time, op, id string, version int64) writeEvent {
		t.Helper()
		ev := nextWrite(t, onB, feedBound)
		lag := time.Since(acked)
		if ev.Op != op || ev.ID != id || ev.Version != version {
			t.Fatalf("%s: B sent %s %s v%d, want %s %s v%d", what, ev.Op, ev.ID, ev.Version, op, id, version)
		}
		t.Logf("%s: %s v%d reached the subscriber on B at most %v after A acknowledged it", what, op, version, lag.Round(time.Millisecond))
		return ev
	}

	t.Run("create, update and delete through A reach B's subscriber with A's versions", func(t *testing.T) {
		r := a.postAs(t, editor, createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": "kaksi-instanssia",
			"fields": map[string]any{"name": map[string]any{"fi": "Kaksi instanssia"}, "type": "ASSOCIATION", "sources": citing("testi")}}})
		acked := time.Now()
		id, _ := path(r.Data, "createNode", "node", "id").(string)
		if id != hub.NodeID(hub.KindOrganisation, "kaksi-instanssia") || path(r.Data, "createNode", "node", "version") != 1.0 {
			t.Fatalf("createNode through A: %+v", r)
		}
		if ev := expect("createNode", acked, "CREATED", id, 1); ev.Node == nil || ev.Node.Name != "Kaksi instanssia" {
			t.Errorf("the created node on B: %s", ev.raw)
		}

		r = a.postAs(t, editor, updateNode, map[string]any{"in": map[string]any{"id": id, "version": 1,
			"set": map[string]any{"name": map[string]any{"fi": "Kaksi instanssia ry"}}}})
		acked = time.Now()
		if path(r.Data, "updateNode", "node", "version") != 2.0 {
			t.Fatalf("updateNode through A: %+v", r)
		}
		if ev := expect("updateNode", acked, "UPDATED", id, 2); ev.Node == nil || ev.Node.Name != "Kaksi instanssia ry" {
			t.Errorf("the updated node on B: %s", ev.raw)
		}

		r = a.postAs(t, editor, deleteNode, map[string]any{"in": map[string]any{"id": id, "version": 2}})
		acked = time.Now()
		if ids := path(r.Data, "deleteNode", "deletedIds"); fmt.Sprint(ids) != fmt.Sprint([]any{id}) {
			t.Fatalf("deleteNode through A: %+v", r)
		}
		if ev := expect("deleteNode", acked, "DELETED", id, 3); ev.Node != nil {
			t.Errorf("a deletion's event carries a node: %s", ev.raw)
		}
		// B reads what its subscriber was told.
		if r := b.query(t, fmt.Sprintf(`{ node(id: %q) { id } }`, id)); path(r.Data, "node") != nil || len(r.Errors) > 0 {
			t.Errorf("B still answers the deleted node: %+v", r)
		}
	})

	t.Run("an anonymous subscriber on B never sees a contact's e-mail or phone; the editor's payload on A has them", func(t *testing.T) {
		const email, phone = "testi.henkilo@example.org", "040 123 4567"
		create := `mutation($in: CreateNodeInput!) { createNode(input: $in) {
			node { id version ... on Contact { name email phone sources { quote } } } userErrors { message code path } } }`
		r := a.postAs(t, editor, create, map[string]any{"in": map[string]any{"kind": "Contact", "key": "testi-henkilo",
			"fields": map[string]any{"name": map[string]any{"fi": "Testi Henkilö"}, "title": "projektipäällikkö",
				"contact": map[string]any{"email": email, "phone": phone},
				"sources": citing("Lisätietoja: Testi Henkilö, " + email + ", p. " + phone)}}})
		acked := time.Now()
		node := path(r.Data, "createNode", "node")
		if path(node, "email") != email || path(node, "phone") != phone ||
			!strings.Contains(fmt.Sprint(path(node, "sources", 0, "quote")), email) {
			t.Fatalf("the editor's createNode payload on A lacks the contact details: %+v", r)
		}
		ev := expect("createNode of a contact", acked, "CREATED", path(node, "id").(string), 1)
		if ev.Node == nil || ev.Node.Name != "Testi Henkilö" {
			t.Fatalf("the contact's event on B: %s", ev.raw)
		}
		if ev.Node.Email != nil || ev.Node.Phone != nil {
			t.Errorf("the anonymous subscriber got email %v, phone %v", ev.Node.Email, ev.Node.Phone)
		}
		digits := strings.ReplaceAll(phone, " ", "")
		for _, leak := range []string{email, "testi.henkilo", phone, digits, "123 4567"} {
			if strings.Contains(ev.raw, leak) {
				t.Errorf("the anonymous subscriber's event holds %q: %s", leak, ev.raw)
			}
		}
		if len(ev.Node.Sources) != 1 || !strings.Contains(ev.Node.Sources[0].Quote, hub.EmailRemoved) ||
			!strings.Contains(ev.Node.Sources[0].Quote, hub.PhoneRemoved) {
			t.Errorf("the quote on B: %+v, want the address and number replaced", ev.Node.Sources)
		}
	})
}
