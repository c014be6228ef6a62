package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"go.uber.org/goleak"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
)

// TestMain fails the package when a test leaves goroutines behind: the
// handler starts timeouts and concurrent resolvers, and every test
// network has an index that follows its store.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// MustOpenSeeded opens an embedded store in a fresh directory behind an
// in-memory index, as the hub serves it, and loads the OTE dataset
// through it. Both are closed when the test ends.
func MustOpenSeeded(tb testing.TB) hub.Network {
	tb.Helper()
	s, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := index.Open(ctx, s, index.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	// Cleanups run last first: the index stops before its store closes.
	tb.Cleanup(func() { n.Close() })
	if err := dataset.Seed(ctx, n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// newClient returns gqlgen's test client over the real handler. Extra
// middleware wraps the handler, outermost last.
func newClient(opts graph.Options, middleware ...func(http.Handler) http.Handler) *client.Client {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var h http.Handler = graph.NewHandler(opts)
	for _, m := range middleware {
		h = m(h)
	}
	return client.New(readableErrors(h))
}

// readableErrors turns HTTP 4xx and 5xx answers into 200: gqlgen answers
// parse and validation failures with 422 and the handler's timeout with
// 503, and the test client refuses to decode any status >= 400, but the
// GraphQL error bodies are what these tests assert on.
func readableErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(statusTo200{w}, r)
	})
}

type statusTo200 struct{ http.ResponseWriter }

func (w statusTo200) WriteHeader(code int) {
	if code >= 400 {
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}

// withPrincipal puts an authenticated caller on every request's context,
// as an authentication middleware in front of the handler would.
func withPrincipal(p *hub.Principal) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
		})
	}
}

// MustQuery runs query, which must succeed, and decodes its data into
// resp.
func MustQuery(tb testing.TB, c *client.Client, query string, resp any, opts ...client.Option) {
	tb.Helper()
	if err := c.Post(query, resp, opts...); err != nil {
		tb.Fatalf("query failed: %v\nquery: %s", err, query)
	}
}

// gqlError is one entry of a response's errors list.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string {
	s, _ := e.Extensions["code"].(string)
	return s
}

// MustErrors runs query and returns its data and errors, failing only
// when the exchange itself fails.
func MustErrors(tb testing.TB, c *client.Client, query string, opts ...client.Option) (any, []gqlError) {
	tb.Helper()
	resp, err := c.RawPost(query, opts...)
	if err != nil {
		tb.Fatalf("post: %v", err)
	}
	var errs []gqlError
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &errs); err != nil {
			tb.Fatalf("decode errors %s: %v", resp.Errors, err)
		}
	}
	return resp.Data, errs
}

// MustFailWith runs query, which must fail with every error carrying
// code, and returns the errors.
func MustFailWith(tb testing.TB, c *client.Client, code, query string, opts ...client.Option) []gqlError {
	tb.Helper()
	_, errs := MustErrors(tb, c, query, opts...)
	if len(errs) == 0 {
		tb.Fatalf("no error, want %s\nquery: %.300s", code, query)
	}
	for _, e := range errs {
		if e.code() != code {
			tb.Errorf("error code %q (%s), want %s\nquery: %.300s", e.code(), e.Message, code, query)
		}
	}
	return errs
}

// oteFile is dataset/ote.json as the tests read it, independently of the
// dataset package, to compute expected answers.
type oteFile struct {
	Sources []struct {
		Key, File, Title, Published, Kind string
	}
	Nodes         []oteNode
	Relationships []oteRel
}

type oteCitation struct {
	Source, Locator, Quote string
}

type oteNode struct {
	Kind, Key     string
	Name          hub.LocalizedText
	Abbreviations []string
	Aliases       []string
	Description   hub.LocalizedText
	Type          string
	Code          string
	Regions       []string
	Title         string
	Email, Phone  string
	Period        *struct{ Start, End string }
	Sources       []oteCitation
}

// ref is the node's "kind/key" reference, as relationships write it.
func (n oteNode) ref() string { return n.Kind + "/" + n.Key }

// terms are the node's names, abbreviations and aliases.
func (n oteNode) terms() []string {
	return append(n.Name.All(), append(slices.Clone(n.Abbreviations), n.Aliases...)...)
}

type oteRel struct {
	Type, From, To, Key, Role string
	Amount                    *struct {
		Value    float64
		Currency string
	}
	Period  *struct{ Start, End string }
	Sources []oteCitation
}

// fileKinds maps the file's kind names to domain kinds.
var fileKinds = map[string]hub.Kind{
	"organisation": hub.KindOrganisation, "employer": hub.KindEmployer,
	"programme": hub.KindProgramme, "pilot": hub.KindPilot, "service": hub.KindService,
	"region": hub.KindRegion, "targetGroup": hub.KindTargetGroup, "theme": hub.KindTheme,
	"agreement": hub.KindAgreement, "event": hub.KindEvent, "training": hub.KindTraining,
	"contact": hub.KindContact, "source": hub.KindSourceDocument,
}

// refOf turns a GraphQL type name and key into the file's "kind/key".
func refOf(typename, key string) string {
	for k, v := range fileKinds {
		if string(v) == typename {
			return k + "/" + key
		}
	}
	return "?" + typename + "/" + key
}

// MustReadDataset parses dataset/ote.json.
func MustReadDataset(tb testing.TB) *oteFile {
	tb.Helper()
	b, err := os.ReadFile("../dataset/ote.json")
	if err != nil {
		tb.Fatal(err)
	}
	var f oteFile
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	if len(f.Nodes) == 0 || len(f.Relationships) == 0 {
		tb.Fatal("dataset file is empty")
	}
	return &f
}

// id returns the global id of a "kind/key" reference.
func (f *oteFile) id(ref string) string {
	k, key, _ := strings.Cut(ref, "/")
	kind, ok := fileKinds[k]
	if !ok {
		panic("bad reference " + ref)
	}
	return hub.NodeID(kind, key)
}

// node returns the node with the "kind/key" reference.
func (f *oteFile) node(ref string) oteNode {
	for _, n := range f.Nodes {
		if n.ref() == ref {
			return n
		}
	}
	panic("no node " + ref)
}

// keys returns the sorted keys of the nodes of kind that match keep (all
// when keep is nil).
func (f *oteFile) keys(kind string, keep func(oteNode) bool) []string {
	var out []string
	for _, n := range f.Nodes {
		if n.Kind == kind && (keep == nil || keep(n)) {
			out = append(out, n.Key)
		}
	}
	slices.Sort(out)
	return out
}

// rels returns the relationships that match keep.
func (f *oteFile) rels(keep func(oteRel) bool) []oteRel {
	var out []oteRel
	for _, r := range f.Relationships {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// source returns the source document with key.
func (f *oteFile) source(key string) (title, file, published string) {
	for _, s := range f.Sources {
		if s.Key == key {
			return s.Title, s.File, s.Published
		}
	}
	panic("no source " + key)
}

// relLine writes a relationship as "TYPE from→to", for comparing lists.
func relLine(typ, from, to string) string { return typ + " " + from + "→" + to }

// sorted returns a sorted copy.
func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// countingReader counts the calls of each Reader method.
type countingReader struct {
	hub.Reader
	mu    sync.Mutex
	calls map[string]int
}

func newCountingReader(r hub.Reader) *countingReader {
	return &countingReader{Reader: r, calls: map[string]int{}}
}

func (r *countingReader) count(method string) {
	r.mu.Lock()
	r.calls[method]++
	r.mu.Unlock()
}

// reset forgets the calls counted so far.
func (r *countingReader) reset() {
	r.mu.Lock()
	r.calls = map[string]int{}
	r.mu.Unlock()
}

// snapshot returns the calls per method and their total.
func (r *countingReader) snapshot() (map[string]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.calls))
	total := 0
	for k, v := range r.calls {
		out[k] = v
		total += v
	}
	return out, total
}

func (r *countingReader) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	r.count("NodesByID")
	return r.Reader.NodesByID(ctx, ids)
}

func (r *countingReader) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	r.count("FindNodes")
	return r.Reader.FindNodes(ctx, f, opts)
}

func (r *countingReader) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	r.count("NodePage")
	return r.Reader.NodePage(ctx, f, opts)
}

func (r *countingReader) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	r.count("CountNodes")
	return r.Reader.CountNodes(ctx, f)
}

func (r *countingReader) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	r.count("RelationshipsByID")
	return r.Reader.RelationshipsByID(ctx, ids)
}

func (r *countingReader) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	r.count("FindRelationships")
	return r.Reader.FindRelationships(ctx, f, opts)
}

func (r *countingReader) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	r.count("CountRelationships")
	return r.Reader.CountRelationships(ctx, f)
}

// failingReader is a real network some of whose reads fail with a given
// error, as an index that cannot serve (not loaded yet, or a request
// that ran out of time) or a reader with a bug would.
type failingReader struct {
	hub.Reader
	findNodes, nodesByID, findRelationships error
	// block makes FindNodes and NodePage wait for their context to end
	// instead.
	block bool
}

// NodePage fails as FindNodes does: it is FindNodes with a count.
func (r *failingReader) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	if r.block {
		<-ctx.Done()
		return nil, false, 0, hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "request cancelled or timed out")
	}
	if r.findNodes != nil {
		return nil, false, 0, r.findNodes
	}
	return r.Reader.NodePage(ctx, f, opts)
}

func (r *failingReader) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	if r.block {
		<-ctx.Done()
		return nil, false, hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "request cancelled or timed out")
	}
	if r.findNodes != nil {
		return nil, false, r.findNodes
	}
	return r.Reader.FindNodes(ctx, f, opts)
}

func (r *failingReader) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	if r.nodesByID != nil {
		return nil, r.nodesByID
	}
	return r.Reader.NodesByID(ctx, ids)
}

func (r *failingReader) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	if r.findRelationships != nil {
		return nil, false, r.findRelationships
	}
	return r.Reader.FindRelationships(ctx, f, opts)
}

// syncBuffer is a log sink that the handler's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// MustAddSyntheticPilots adds pilots extra pilots to n, each administered
// by the first of its partners organisations (every one located in
// Kymenlaakso), funded by the OTE programme and providing job coaching;
// every fact cites an existing source document of the dataset.
func MustAddSyntheticPilots(tb testing.TB, n hub.Network, pilots, partners int) {
	tb.Helper()
	src := []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "seed-002"), Locator: "synthetic test row"}}
	kymenlaakso := hub.NodeID(hub.KindRegion, "08")
	programme := hub.NodeID(hub.KindProgramme, "ote")
	coaching := hub.NodeID(hub.KindService, "tyohonvalmennus")
	b := &hub.Batch{}
	for p := range pilots {
		pkey := fmt.Sprintf("synthetic-pilot-%02d", p)
		pid := hub.NodeID(hub.KindPilot, pkey)
		b.Nodes = append(b.Nodes, &hub.Node{
			Kind: hub.KindPilot, Key: pkey, Type: "PILOT",
			Name:      hub.LocalizedText{FI: fmt.Sprintf("Synteettinen kokeilu %02d", p)},
			RegionIDs: []string{kymenlaakso}, Sources: src,
		})
		b.Relationships = append(b.Relationships,
			&hub.Relationship{
				Key: hub.RelationshipKey(hub.Funds, "programme/ote", "pilot/"+pkey, ""), Type: hub.Funds,
				FromID: programme, ToID: pid, Amount: &hub.Money{Minor: int64(100000+p) * 100, Currency: "EUR"}, Sources: src,
			},
			&hub.Relationship{
				Key: hub.RelationshipKey(hub.Provides, "pilot/"+pkey, "service/tyohonvalmennus", ""), Type: hub.Provides,
				FromID: pid, ToID: coaching, Sources: src,
			})
		for o := range partners {
			okey := fmt.Sprintf("synthetic-org-%02d-%d", p, o)
			oid := hub.NodeID(hub.KindOrganisation, okey)
			b.Nodes = append(b.Nodes, &hub.Node{
				Kind: hub.KindOrganisation, Key: okey, Type: "OTHER",
				Name:      hub.LocalizedText{FI: fmt.Sprintf("Synteettinen kumppani %02d-%d", p, o)},
				RegionIDs: []string{kymenlaakso}, Sources: src,
			})
			b.Relationships = append(b.Relationships, &hub.Relationship{
				Key: hub.RelationshipKey(hub.PartnerIn, "organisation/"+okey, "pilot/"+pkey, ""), Type: hub.PartnerIn,
				FromID: oid, ToID: pid, Sources: src,
			})
			if o == 0 {
				b.Relationships = append(b.Relationships, &hub.Relationship{
					Key: hub.RelationshipKey(hub.Administers, "organisation/"+okey, "pilot/"+pkey, ""), Type: hub.Administers,
					FromID: oid, ToID: pid, Sources: src,
				})
			}
		}
	}
	ctx := context.Background()
	if err := hub.Prepare(ctx, n, b, time.Now()); err != nil {
		tb.Fatal(err)
	}
	if err := n.Apply(ctx, b); err != nil {
		tb.Fatal(err)
	}
}
