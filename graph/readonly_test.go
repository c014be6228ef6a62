package graph_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/web"
)

// watchingReader remembers every value the network hands out, as JSON at
// the time it was handed out, so that a test can check that nobody
// changed one: values are read-only and shared (see hub.Reader).
type watchingReader struct {
	hub.Reader
	mu   sync.Mutex
	seen map[any]string
}

func (s *watchingReader) note(v any) {
	b, _ := json.Marshal(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[v]; !ok {
		s.seen[v] = string(b)
	}
}

func (s *watchingReader) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	out, err := s.Reader.NodesByID(ctx, ids)
	for _, n := range out {
		if n != nil {
			s.note(n)
		}
	}
	return out, err
}

func (s *watchingReader) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	out, more, err := s.Reader.FindNodes(ctx, f, opts)
	for _, n := range out {
		s.note(n)
	}
	return out, more, err
}

func (s *watchingReader) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	out, more, total, err := s.Reader.NodePage(ctx, f, opts)
	for _, n := range out {
		s.note(n)
	}
	return out, more, total, err
}

func (s *watchingReader) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	out, err := s.Reader.RelationshipsByID(ctx, ids)
	for _, r := range out {
		if r != nil {
			s.note(r)
		}
	}
	return out, err
}

func (s *watchingReader) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	out, more, err := s.Reader.FindRelationships(ctx, f, opts)
	for _, r := range out {
		s.note(r)
	}
	return out, more, err
}

// Every example query, and the shapes the benchmarks use, leave the
// network's values as they found them.
func TestResolversLeaveNetworkValuesAlone(t *testing.T) {
	s := &watchingReader{Reader: MustOpenSeeded(t), seen: map[any]string{}}
	c := newClient(graph.Options{Network: s})
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{
		`{ pilots(first: 100) { nodes { name administrators { name } partners { name } funding { amount funder { name } } } } }`,
		`{ relationships(first: 100, where: {typeIn: [FUNDS]}) { totalCount nodes { amount { amount } from { name } to { name } } } }`,
		`{ search(text: "ote", first: 20) { node { name key } match } }`,
		`{ organisations(first: 100) { nodes { name names { fi sv en } abbreviations aliases sources { document { title } quote } regions { name } relationships(first: 100) { nodes { type role period { start end } sources { quote } from { name } to { name } } } } } }`,
	}
	for _, e := range examples {
		// Mutations change the network by design (and need a key), and
		// the history is read from the store, which a Reader does not
		// have: the server's TestPlaygroundMutations runs them.
		if !e.Subscription && !e.Mutation && e.Name != "History" {
			queries = append(queries, e.Query)
		}
	}
	for _, q := range queries {
		if _, errs := MustErrors(t, c, q); len(errs) > 0 {
			t.Fatalf("%s: %+v", q, errs)
		}
	}
	if len(s.seen) < 100 {
		t.Fatalf("only %d values were read; the queries did not exercise the network", len(s.seen))
	}
	for v, before := range s.seen {
		if b, _ := json.Marshal(v); string(b) != before {
			t.Errorf("a value read from the network was changed:\nread    %s\nnow     %s", before, b)
		}
	}
}
