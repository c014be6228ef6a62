package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/storetest"
)

// liveHub is the GraphQL handler over a seeded network, served over
// real HTTP so that WebSockets and event streams work as in the hub.
type liveHub struct {
	net hub.Network
	h   *graph.Handler
	url string
}

// startLive serves opts over the seeded network; middleware wraps the
// handler as in newClient. The handler is shut down when the test ends.
func startLive(t *testing.T, opts graph.Options, middleware ...func(http.Handler) http.Handler) *liveHub {
	t.Helper()
	if opts.Network == nil {
		opts.Network = MustOpenSeeded(t)
	}
	h := graph.NewHandler(opts)
	var hh http.Handler = h
	for _, m := range middleware {
		hh = m(hh)
	}
	srv := httptest.NewServer(hh)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &liveHub{net: opts.Network.(hub.Network), h: h, url: srv.URL}
}

// waitSubscribed waits until the index has n subscriptions: the
// subscriptions asked for are open and a write reaches them.
func (l *liveHub) waitSubscribed(t *testing.T, n int) {
	t.Helper()
	live := l.net.(*index.Live)
	for deadline := time.Now().Add(10 * time.Second); live.Subscribers() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions open, want %d", live.Subscribers(), n)
		}
	}
}

func (l *liveHub) dial(t *testing.T) *subscribetest.WebSocket {
	t.Helper()
	ws, _, err := subscribetest.DialWebSocket(t.Context(), l.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	return ws
}

func (l *liveHub) subscribeWS(t *testing.T, ws *subscribetest.WebSocket, id, query string) subscribetest.Stream {
	t.Helper()
	s, err := ws.Subscribe(t.Context(), id, subscribetest.Request{Query: query})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (l *liveHub) subscribeSSE(t *testing.T, query string, header http.Header) *subscribetest.EventStream {
	t.Helper()
	s, resp, err := subscribetest.PostEventStream(t.Context(), l.url, subscribetest.Request{Query: query}, header)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		b, _ := readAll(resp)
		t.Fatalf("no event stream: %s %s", resp.Status, b)
	}
	t.Cleanup(s.Close)
	return s
}

func readAll(resp *http.Response) (string, error) {
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// event is a changes event as the tests read it.
type event struct {
	Op, ID, Kind string
	Version      int
	At           time.Time
	Node         json.RawMessage
	Relationship json.RawMessage
}

// nextEvent reads one event of s, which must come within 10s.
func nextEvent(t *testing.T, s subscribetest.Stream) event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("no event: %v", err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var data struct{ Changes event }
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	return data.Changes
}

// mustEnd reads s up to its terminal error, which must carry code, and
// its completion; it returns the events before the error and the error.
func mustEnd(t *testing.T, s subscribetest.Stream, code string) ([]event, subscribetest.Error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var events []event
	for {
		r, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("the stream ended without an error (%d events): %v", len(events), err)
		}
		if len(r.Errors) == 0 {
			var data struct{ Changes event }
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatal(err)
			}
			events = append(events, data.Changes)
			continue
		}
		e := r.Errors[0]
		if len(r.Errors) != 1 || e.Code() != code {
			t.Fatalf("errors %+v, want one %s", r.Errors, code)
		}
		if _, err := s.Next(ctx); !errors.Is(err, subscribetest.ErrComplete) {
			t.Fatalf("after the terminal error: %v, want the stream completed", err)
		}
		return events, e
	}
}

// rewrite writes a new version of the nodes and relationships with
// these ids (a changed description), plus the new nodes, in one batch,
// and returns the version each row had before (0 for new rows).
func rewrite(t *testing.T, net hub.Network, nodeIDs, relIDs []string, fresh ...*hub.Node) map[string]int64 {
	t.Helper()
	ctx := t.Context()
	before := map[string]int64{}
	b := &hub.Batch{}
	nodes, err := net.NodesByID(ctx, nodeIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if n == nil {
			t.Fatalf("no node %s", nodeIDs[i])
		}
		before[n.ID] = n.Version
		c := n.Clone()
		c.Description.FI += " (muutettu)"
		b.Nodes = append(b.Nodes, c)
	}
	for _, n := range fresh {
		before[n.ID] = 0
		b.Nodes = append(b.Nodes, n)
	}
	rels, err := net.RelationshipsByID(ctx, relIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rels {
		if r == nil {
			t.Fatalf("no relationship %s", relIDs[i])
		}
		before[r.ID] = r.Version
		c := r.Clone()
		c.Role += " (muutettu)"
		b.Relationships = append(b.Relationships, c)
	}
	if err := hub.Prepare(ctx, net, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := net.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	return before
}

// firstOf returns the id of the first node of kind (by key).
func firstOf(t *testing.T, net hub.Reader, kind hub.Kind, key string) string {
	t.Helper()
	id := hub.NodeID(kind, key)
	got, err := net.NodesByID(t.Context(), []string{id})
	if err != nil || got[0] == nil {
		t.Fatalf("no %s %s: %v", kind, key, err)
	}
	return id
}

func relOfType(t *testing.T, net hub.Reader, typ hub.RelationshipType) *hub.Relationship {
	t.Helper()
	rels, _, err := net.FindRelationships(t.Context(), hub.RelationshipFilter{Types: []hub.RelationshipType{typ}}, hub.ListOptions{First: 1})
	if err != nil || len(rels) == 0 {
		t.Fatalf("no %s relationship: %v", typ, err)
	}
	return rels[0]
}

const changesFields = `op id kind version at node { id ... on Entity { key } } relationship { id type }`

func TestSubscriptions(t *testing.T) {
	t.Run("a subscriber over WebSocket and one over server-sent events get a write with its new version", func(t *testing.T) {
		l := startLive(t, graph.Options{})
		q := `subscription { changes(kinds: [Organisation]) { ` + changesFields + ` } }`
		ws := l.subscribeWS(t, l.dial(t), "1", q)
		sse := l.subscribeSSE(t, q, nil)
		l.waitSubscribed(t, 2)
		id := firstOf(t, l.net, hub.KindOrganisation, "eksote")
		start := time.Now().UTC().Truncate(time.Millisecond)
		before := rewrite(t, l.net, []string{id}, nil)
		for name, s := range map[string]subscribetest.Stream{"websocket": ws, "sse": sse} {
			ev := nextEvent(t, s)
			if ev.Op != "UPDATED" || ev.ID != id || ev.Kind != "Organisation" || int64(ev.Version) != before[id]+1 {
				t.Errorf("%s: %+v, want UPDATED Organisation %s v%d", name, ev, id, before[id]+1)
			}
			if ev.At.Before(start) || ev.At.After(time.Now()) {
				t.Errorf("%s: at %v, not the time of the write (after %v)", name, ev.At, start)
			}
			if !strings.Contains(string(ev.Node), `"key":"eksote"`) || string(ev.Relationship) != "null" {
				t.Errorf("%s: node %s relationship %s", name, ev.Node, ev.Relationship)
			}
		}
	})

	t.Run("kinds select nodes, types relationships, ids rows, as the schema describes", func(t *testing.T) {
		l := startLive(t, graph.Options{})
		org := firstOf(t, l.net, hub.KindOrganisation, "eksote")
		pilot := relOfType(t, l.net, hub.RelationshipType("ADMINISTERS")).ToID
		partner := relOfType(t, l.net, hub.RelationshipType("PARTNER_IN"))
		funds := relOfType(t, l.net, hub.RelationshipType("FUNDS"))
		src, created := storetest.Source(), storetest.Org("live-new")
		// The oracle: each row of the write with what the filters look at.
		type row struct {
			id, kind, typ, op string
		}
		rows := []row{
			{org, "Organisation", "", "UPDATED"},
			{pilot, "Pilot", "", "UPDATED"},
			{src.ID, "SourceDocument", "", "CREATED"},
			{created.ID, "Organisation", "", "CREATED"},
			{partner.ID, "Relationship", "PARTNER_IN", "UPDATED"},
			{funds.ID, "Relationship", "FUNDS", "UPDATED"},
		}
		cases := []struct {
			name, args        string
			kinds, types, ids []string
		}{
			{name: "no filter selects everything", args: ""},
			{name: "kinds alone select those nodes and no relationship", args: "kinds: [Organisation, SourceDocument]", kinds: []string{"Organisation", "SourceDocument"}},
			{name: "types alone select those relationships and no node", args: "types: [FUNDS]", types: []string{"FUNDS"}},
			{name: "kinds and types select both", args: "kinds: [Pilot], types: [PARTNER_IN]", kinds: []string{"Pilot"}, types: []string{"PARTNER_IN"}},
			{name: "ids alone select those rows", args: fmt.Sprintf("ids: [%q, %q]", org, funds.ID), ids: []string{org, funds.ID}},
			{name: "ids narrow kinds", args: fmt.Sprintf("kinds: [Organisation], ids: [%q, %q]", created.ID, funds.ID), kinds: []string{"Organisation"}, ids: []string{created.ID, funds.ID}},
		}
		want := func(kinds, types, ids []string) []row {
			var out []row
			for _, r := range rows {
				selected := len(kinds) == 0 && len(types) == 0
				if r.kind == "Relationship" {
					selected = selected || slices.Contains(types, r.typ)
				} else {
					selected = selected || slices.Contains(kinds, r.kind)
				}
				if selected && (len(ids) == 0 || slices.Contains(ids, r.id)) {
					out = append(out, r)
				}
			}
			return out
		}
		ws := l.dial(t)
		streams := make([]subscribetest.Stream, len(cases))
		for i, c := range cases {
			args := ""
			if c.args != "" {
				args = "(" + c.args + ")"
			}
			q := `subscription { changes` + args + ` { ` + changesFields + ` } }`
			if i%2 == 0 {
				streams[i] = l.subscribeWS(t, ws, fmt.Sprint(i), q)
			} else {
				streams[i] = l.subscribeSSE(t, q, nil)
			}
		}
		l.waitSubscribed(t, len(cases))
		// Reads a stream until no event comes for a while.
		drainQuiet := func(s subscribetest.Stream) []event {
			var out []event
			for {
				ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
				r, err := s.Next(ctx)
				cancel()
				if err != nil {
					return out
				}
				var data struct{ Changes event }
				json.Unmarshal(r.Data, &data)
				out = append(out, data.Changes)
			}
		}
		rewrite(t, l.net, []string{org, pilot}, []string{partner.ID, funds.ID}, src, created)
		for i, c := range cases {
			exp := want(c.kinds, c.types, c.ids)
			var got []event
			for range exp {
				got = append(got, nextEvent(t, streams[i]))
			}
			got = append(got, drainQuiet(streams[i])...)
			var gotIDs, wantIDs []string
			for _, ev := range got {
				gotIDs = append(gotIDs, ev.Op+" "+ev.Kind+" "+ev.ID)
			}
			for _, r := range exp {
				wantIDs = append(wantIDs, r.op+" "+r.kind+" "+r.id)
			}
			slices.Sort(gotIDs)
			slices.Sort(wantIDs)
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("%s:\n got %q\nwant %q", c.name, gotIDs, wantIDs)
			}
		}
	})

	t.Run("events show personal data only to callers with the right, as queries do", func(t *testing.T) {
		details := storetest.MustReadContactDetails(t, "../dataset/ote.json")
		net := MustOpenSeeded(t)
		// The rows whose texts hold a contact's details, by the oracle.
		var ids []string
		all, _, err := net.FindNodes(t.Context(), hub.NodeFilter{}, hub.ListOptions{First: hub.Unlimited})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range all {
			raw, _ := json.Marshal(n)
			if details.Find(string(raw)) != "" {
				ids = append(ids, n.ID)
			}
		}
		if len(ids) < 4 {
			t.Fatalf("%d nodes hold contact details; the test checks nothing", len(ids))
		}
		anonymous := startLive(t, graph.Options{Network: net})
		entitled := startLive(t, graph.Options{Network: net}, withPrincipal(&hub.Principal{Subject: "admin", PersonalData: true}))
		const q = `subscription { changes { id node { ... on Contact { email phone title }
			... on Entity { name names { fi sv en } description aliases sources { quote locator document { title } } } } } }`
		anon := anonymous.subscribeSSE(t, q, nil)
		ws := entitled.dial(t)
		right := entitled.subscribeWS(t, ws, "1", q)
		anonymous.waitSubscribed(t, 2)
		rewrite(t, net, ids, nil)
		emails := 0
		for range ids {
			ev := nextEvent(t, anon)
			if leak := details.Find(string(ev.Node)); leak != "" {
				t.Errorf("an anonymous subscriber sees %q in %s", leak, ev.Node)
			}
			ev = nextEvent(t, right)
			var n struct{ Email *string }
			json.Unmarshal(ev.Node, &n)
			if n.Email != nil {
				if !slices.Contains(details.Emails, strings.ToLower(*n.Email)) {
					t.Errorf("a subscriber with the right sees e-mail %q, not the stored one", *n.Email)
				}
				emails++
			}
		}
		if emails == 0 {
			t.Error("a subscriber with the personal-data right saw no contact's e-mail")
		}
	})

	t.Run("a WebSocket is opened from the hub's own pages and the CORS origins, refused from others with FORBIDDEN", func(t *testing.T) {
		l := startLive(t, graph.Options{Origins: []string{"https://dash.example.org", "https://*.partner.fi"}})
		host := strings.TrimPrefix(l.url, "http://")
		for origin, allowed := range map[string]bool{
			"":                         true,
			"http://" + host:           true,
			"https://dash.example.org": true,
			"https://DASH.example.org": true,
			"https://kela.partner.fi":  true,
			"https://evil.example.org": false,
			"https://partner.fi.evil":  false,
		} {
			header := http.Header{}
			if origin != "" {
				header.Set("Origin", origin)
			}
			ws, resp, err := subscribetest.DialWebSocket(t.Context(), l.url, header)
			if allowed {
				if err != nil {
					t.Errorf("origin %q refused: %v", origin, err)
					continue
				}
				ws.Close()
				continue
			}
			if err == nil {
				ws.Close()
				t.Errorf("origin %q allowed", origin)
				continue
			}
			var body struct{ Errors []gqlError }
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != http.StatusForbidden || len(body.Errors) != 1 || body.Errors[0].code() != "FORBIDDEN" {
				t.Errorf("origin %q: %s %+v, want 403 FORBIDDEN", origin, resp.Status, body.Errors)
			}
		}
	})

	t.Run("a bad argument is refused with BAD_USER_INPUT on both transports", func(t *testing.T) {
		l := startLive(t, graph.Options{})
		ws := l.dial(t)
		for i, args := range []string{`kinds: []`, `ids: ["not an id"]`, `types: []`} {
			q := `subscription { changes(` + args + `) { id } }`
			for name, s := range map[string]subscribetest.Stream{
				"websocket": l.subscribeWS(t, ws, fmt.Sprint(i), q),
				"sse":       l.subscribeSSE(t, q, nil),
			} {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				r, err := s.Next(ctx)
				cancel()
				if err != nil || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Errorf("%s, %s: %+v %v, want one BAD_USER_INPUT", name, args, r.Errors, err)
				}
			}
		}
		q := `subscription { changes(kinds: [Nothing]) { id } }`
		r, err := l.subscribeSSE(t, q, nil).Next(t.Context())
		if err != nil || len(r.Errors) == 0 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("an unknown kind: %+v %v", r.Errors, err)
		}
	})

	t.Run("plain GET and POST refuse a subscription, saying how to subscribe", func(t *testing.T) {
		c := newClient(graph.Options{Network: MustOpenSeeded(t)})
		errs := MustFailWith(t, c, "BAD_USER_INPUT", `subscription { changes { id } }`)
		if !strings.Contains(errs[0].Message, "text/event-stream") || !strings.Contains(errs[0].Message, "WebSocket") {
			t.Errorf("message %q does not say how to subscribe", errs[0].Message)
		}
		l := startLive(t, graph.Options{})
		resp, err := http.Get(l.url + "?query=" + strings.ReplaceAll(`subscription{changes{id}}`, "{", "%7B"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Errors []gqlError }
		json.NewDecoder(resp.Body).Decode(&body)
		if len(body.Errors) != 1 || body.Errors[0].code() != "BAD_USER_INPUT" {
			t.Errorf("GET: %s %+v", resp.Status, body.Errors)
		}
	})

	t.Run("a connection holds at most its limit of subscriptions and the hub its own", func(t *testing.T) {
		l := startLive(t, graph.Options{Limits: graph.Limits{SubscriptionsPerConnection: 2, Subscriptions: 3}})
		q := `subscription { changes { id } }`
		a, b := l.dial(t), l.dial(t)
		refused := func(s subscribetest.Stream) string {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			r, err := s.Next(ctx)
			if err != nil {
				return "" // still open
			}
			if len(r.Errors) == 1 {
				return r.Errors[0].Code() + ": " + r.Errors[0].Message
			}
			return fmt.Sprintf("%+v", r)
		}
		for _, id := range []string{"1", "2"} {
			if got := refused(l.subscribeWS(t, a, id, q)); got != "" {
				t.Fatalf("subscription %s on a: %s", id, got)
			}
		}
		if got := refused(l.subscribeWS(t, a, "3", q)); !strings.HasPrefix(got, "LIMIT_EXCEEDED") || !strings.Contains(got, "connection") {
			t.Errorf("the third on one connection: %q, want LIMIT_EXCEEDED naming the connection's limit", got)
		}
		if got := refused(l.subscribeWS(t, b, "1", q)); got != "" {
			t.Fatalf("the first on b: %s", got)
		}
		if got := refused(l.subscribeSSE(t, q, nil)); !strings.HasPrefix(got, "LIMIT_EXCEEDED") || !strings.Contains(got, "hub") {
			t.Errorf("one over the hub's limit: %q, want LIMIT_EXCEEDED naming the hub's limit", got)
		}
		if err := a.Stop(t.Context(), "1"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; ; i++ {
			if got := refused(l.subscribeWS(t, b, fmt.Sprint("again", i), q)); got == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an ended subscription's place was not given back")
			}
		}
	})

	t.Run("a subscriber that does not read ends with SUBSCRIPTION_OVERFLOW and the last event it got", func(t *testing.T) {
		l := startLive(t, graph.Options{SubscriptionBuffer: 1})
		live := l.net.(*index.Live)
		// The client reads nothing of the stream until it has ended. Big
		// events, so that the connection's buffers fill soon.
		s := l.subscribeSSE(t, `subscription { changes(kinds: [Organisation]) { id version node { ... on Entity { description } } } }`, nil)
		l.waitSubscribed(t, 1)
		orgs, _, err := l.net.FindNodes(t.Context(), hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}, hub.ListOptions{First: 100})
		if err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("Pitkä kuvaus. ", 200)
		for i := 0; live.Subscribers() > 0; i++ {
			if i == 500 {
				t.Fatal("500 writes and the subscription that is not read has not ended")
			}
			b := &hub.Batch{}
			for _, n := range orgs {
				c := n.Clone()
				c.Description.FI = fmt.Sprint(i, long)
				b.Nodes = append(b.Nodes, c)
			}
			if err := hub.Prepare(t.Context(), l.net, b, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := l.net.Apply(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			orgs = b.Nodes
		}
		events, e := mustEnd(t, s, "SUBSCRIPTION_OVERFLOW")
		if !strings.Contains(e.Message, "subscribe again") {
			t.Errorf("the message %q does not say to subscribe again", e.Message)
		}
		last, _ := e.Extensions["lastDelivered"].(map[string]any)
		if len(events) == 0 || last == nil {
			t.Fatalf("%d events, lastDelivered %v", len(events), e.Extensions["lastDelivered"])
		}
		if got := events[len(events)-1]; last["id"] != got.ID || last["version"] != float64(got.Version) {
			t.Errorf("lastDelivered %v, but the last event is %s v%d", last, got.ID, got.Version)
		}
	})

	t.Run("Shutdown ends every subscription with SHUTTING_DOWN, closes the WebSockets and refuses new streams", func(t *testing.T) {
		l := startLive(t, graph.Options{})
		ws := l.dial(t)
		q := `subscription { changes { id } }`
		a := l.subscribeWS(t, ws, "1", q)
		b := l.subscribeSSE(t, q, nil)
		l.waitSubscribed(t, 2)
		rewrite(t, l.net, []string{firstOf(t, l.net, hub.KindOrganisation, "eksote")}, nil)
		nextEvent(t, a)
		nextEvent(t, b)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := l.h.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, a, "SHUTTING_DOWN")
		mustEnd(t, b, "SHUTTING_DOWN")
		if code := ws.Ended(ctx); code != websocket.StatusNormalClosure {
			t.Errorf("the WebSocket ended with %v, want a close frame %v", code, websocket.StatusNormalClosure)
		}
		s, resp, err := subscribetest.PostEventStream(ctx, l.url, subscribetest.Request{Query: q}, nil)
		if err != nil || s != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a new stream after shutdown: %v %v", resp, err)
		}
	})
}
