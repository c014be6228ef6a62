package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/web"
)

// changeEvent is one event of the changes subscription.
type changeEvent struct {
	Op, ID, Kind string
	Version      int64
	Node         struct{ Key, Name string }
}

const changesQuery = `subscription { changes(kinds: [Organisation]) { op id kind version node { ... on Entity { key name(language: EN) } } } }`

// nextChange reads one event of s within d.
func nextChange(t *testing.T, s subscribetest.Stream, d time.Duration) changeEvent {
	t.Helper()
	ev, _ := nextEvent[changeEvent](t, s, d)
	return ev
}

// nextEvent reads one event of s within d: its changes field decoded as
// T, and the event's data as sent.
func nextEvent[T any](t *testing.T, s subscribetest.Stream, d time.Duration) (T, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	r, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("no event within %v: %v", d, err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var data struct{ Changes T }
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	return data.Changes, string(r.Data)
}

// mustEndWith reads s until its terminal error, which must carry code,
// within d.
func mustEndWith(t *testing.T, s subscribetest.Stream, code string, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	for {
		r, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("the stream ended without %s: %v", code, err)
		}
		if len(r.Errors) == 0 {
			continue
		}
		if len(r.Errors) != 1 || r.Errors[0].Code() != code {
			t.Fatalf("errors %+v, want %s", r.Errors, code)
		}
		if _, err := s.Next(ctx); !errors.Is(err, subscribetest.ErrComplete) {
			t.Fatalf("after %s: %v, want the stream completed", code, err)
		}
		return
	}
}

// The real server on the embedded store: a subscriber over WebSocket
// and one over server-sent events get a write, and stopping the server
// ends both streams, closes the WebSocket with a close frame and does
// not wait for them.
func TestSubscriptionsOnTheEmbeddedStore(t *testing.T) {
	m := MustRunMain(t, nil)
	url := m.URL() + "/graphql"
	ws, _, err := subscribetest.DialWebSocket(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	a, err := ws.Subscribe(t.Context(), "a", subscribetest.Request{Query: changesQuery})
	if err != nil {
		t.Fatal(err)
	}
	b, resp, err := subscribetest.PostEventStream(t.Context(), url, subscribetest.Request{Query: changesQuery}, nil)
	if err != nil || b == nil {
		t.Fatalf("event stream: %v %v", resp, err)
	}
	defer b.Close()
	// The playground's subscription example, over an event stream.
	var example string
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		if e.Subscription {
			example = e.Query
		}
	}
	ex, resp, err := subscribetest.PostEventStream(t.Context(), url, subscribetest.Request{Query: example}, nil)
	if err != nil || ex == nil {
		t.Fatalf("the example's event stream: %v %v", resp, err)
	}
	defer ex.Close()
	for m.Network.Subscribers() != 3 {
		time.Sleep(5 * time.Millisecond)
	}

	found, err := m.Network.NodesByID(t.Context(), []string{hub.NodeID(hub.KindOrganisation, "eksote")})
	if err != nil || found[0] == nil {
		t.Fatalf("eksote: %v", err)
	}
	n := found[0].Clone()
	n.Name.EN = "Renamed for the subscribers"
	batch := &hub.Batch{Nodes: []*hub.Node{n}}
	if err := hub.Prepare(t.Context(), m.Network, batch, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := m.Network.Apply(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]subscribetest.Stream{"websocket": a, "sse": b} {
		ev := nextChange(t, s, 10*time.Second)
		if ev.Op != "UPDATED" || ev.ID != n.ID || ev.Version != found[0].Version+1 || ev.Node.Name != n.Name.EN {
			t.Errorf("%s: %+v, want UPDATED %s v%d named %q", name, ev, n.ID, found[0].Version+1, n.Name.EN)
		}
	}
	if ev := nextChange(t, ex, 10*time.Second); ev.Op != "UPDATED" || ev.ID != n.ID || ev.Version != found[0].Version+1 {
		t.Errorf("the playground's example: %+v", ev)
	}

	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- m.Close() }()
	mustEndWith(t, a, "SHUTTING_DOWN", 10*time.Second)
	mustEndWith(t, b, "SHUTTING_DOWN", 10*time.Second)
	mustEndWith(t, ex, "SHUTTING_DOWN", 10*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if code := ws.Ended(ctx); code != websocket.StatusNormalClosure {
		t.Errorf("the WebSocket ended with %v, want a close frame", code)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the server took %v to stop with open streams", took)
	}
}

// TestSubscriberKeyInInitPayload: a WebSocket subscriber that sends its
// API key in connection_init sees what its key allows (contacts' e-mail),
// an anonymous one does not, and an unknown key is refused.
func TestSubscriberKeyInInitPayload(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	key := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	m := MustRunMain(t, map[string]string{"HUB_API_KEYS_FILE": keysFile})
	MustBeReady(t, m, 30*time.Second)
	url := m.URL() + "/graphql"
	const contacts = `subscription { changes(kinds: [Contact]) { op node { ... on Contact { key email } } } }`
	subscribe := func(init string) subscribetest.Stream {
		ws, _, err := subscribetest.DialWebSocketWith(t.Context(), url, nil, json.RawMessage(init))
		if err != nil {
			t.Fatalf("dial with %s: %v", init, err)
		}
		t.Cleanup(ws.Close)
		s, err := ws.Subscribe(t.Context(), "c", subscribetest.Request{Query: contacts})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	keyed := subscribe(`{"Authorization": "Bearer ` + key + `"}`)
	anonymous := subscribe(`{}`)
	if _, _, err := subscribetest.DialWebSocketWith(t.Context(), url, nil, json.RawMessage(`{"Authorization": "Bearer ote_unknown"}`)); err == nil {
		t.Error("a WebSocket with an unknown key was accepted")
	}
	for m.Network.Subscribers() != 2 {
		time.Sleep(5 * time.Millisecond)
	}
	_, r := postAs(t, m, key, createNode, map[string]any{"in": map[string]any{"kind": "Contact", "key": "testihenkilo", "fields": map[string]any{
		"name": map[string]any{"fi": "Testi Henkilö"}, "contact": map[string]any{"email": "testi.henkilo@example.fi"},
		"sources": []any{map[string]any{"statedBy": true}}}}})
	if path(r.Data, "createNode", "node", "id") == nil {
		t.Fatalf("createNode: %+v", r)
	}
	read := func(s subscribetest.Stream) string {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		resp, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(resp.Data)
	}
	if got := read(keyed); !strings.Contains(got, "testi.henkilo@example.fi") {
		t.Errorf("the subscriber with a key got %s, want the e-mail", got)
	}
	if got := read(anonymous); strings.Contains(got, "@example.fi") || !strings.Contains(got, "testihenkilo") {
		t.Errorf("the anonymous subscriber got %s, want the contact without its e-mail", got)
	}
}
