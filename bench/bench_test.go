package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/synthetic"
)

// TestMain stops the SecantusDB server, if a benchmark started one.
func TestMain(m *testing.M) { mongotest.Main(m) }

// benchDatabase is the MongoDB database the benchmarks load. It has a
// fixed name, dropped before loading, rather than mongotest's random one
// dropped when a test ends: the network must outlive every benchmark of
// the process, and no hook runs after the last one. On SecantusDB the
// data goes with the server; on a MONGODB_URI server this database is
// left behind (about 110 000 documents) and replaced by the next run.
const benchDatabase = "hubbench"

// network describes the generated network, for the queries to aim at.
type network struct {
	cfg synthetic.Config
	// busiest is the key of the organisation with the most
	// relationships, and degree its number of relationships.
	busiest string
	degree  int
	// funds counts the FUNDS relationships.
	funds int
}

var (
	netOnce sync.Once
	theNet  network
)

// benchNetwork returns the description of synthetic.Default10k.
func benchNetwork() network {
	netOnce.Do(func() {
		theNet.cfg = synthetic.Default10k()
		b := synthetic.Generate(theNet.cfg)
		orgs := map[string]string{}
		for _, n := range b.Nodes {
			if n.Kind == hub.KindOrganisation {
				orgs[n.ID] = n.Key
			}
		}
		degree := map[string]int{}
		for _, r := range b.Relationships {
			degree[r.FromID]++
			degree[r.ToID]++
			if r.Type == hub.Funds {
				theNet.funds++
			}
		}
		for id, key := range orgs {
			if d := degree[id]; d > theNet.degree || (d == theNet.degree && key < theNet.busiest) {
				theNet.busiest, theNet.degree = key, d
			}
		}
	})
	return theNet
}

// backend is one store holding the benchmark network, opened and loaded
// at most once per process, by the first benchmark that needs it.
type backend struct {
	name string
	open func(tb testing.TB) (hub.Store, error)

	mu     sync.Mutex
	tried  bool
	store  *countingStore
	failed string // why the store could not be had ("SKIP: ..." to skip)
}

var backends = []*backend{
	{name: "embedded", open: openEmbedded},
	{name: "mongodb", open: openMongoDB},
}

// get returns the loaded store, skipping or failing b when it cannot be
// had; a setup that failed once is not retried.
func (be *backend) get(b *testing.B) *countingStore {
	b.Helper()
	be.mu.Lock()
	defer be.mu.Unlock()
	if !be.tried {
		be.tried = true
		// open may end the benchmark (mongotest skips or fails it); then
		// failed keeps what recorder saw, or this.
		be.failed = "setup of the " + be.name + " store did not finish"
		be.setup(b)
		be.failed = ""
	}
	switch {
	case strings.HasPrefix(be.failed, "SKIP: "):
		b.Skip(strings.TrimPrefix(be.failed, "SKIP: "))
	case be.failed != "":
		b.Fatal(be.failed)
	}
	return be.store
}

func (be *backend) setup(b *testing.B) {
	nw := benchNetwork()
	began := time.Now()
	s, err := be.open(recorder{TB: b, failed: &be.failed})
	if err != nil {
		be.failed = fmt.Sprintf("open %s store: %v", be.name, err)
		b.Fatal(be.failed)
	}
	opened := time.Since(began)
	began = time.Now()
	batch := synthetic.Generate(nw.cfg)
	generated := time.Since(began)
	began = time.Now()
	if err := synthetic.Load(context.Background(), s, batch); err != nil {
		be.failed = fmt.Sprintf("load the network into the %s store: %v", be.name, err)
		b.Fatal(be.failed)
	}
	loaded := time.Since(began)
	rows := len(batch.Nodes) + len(batch.Relationships)
	b.Logf("%s: opened in %v; generated %d nodes and %d relationships in %v; loaded them in %v (%.0f rows/s, chunks of %d)",
		be.name, opened.Round(time.Millisecond), len(batch.Nodes), len(batch.Relationships), generated.Round(time.Millisecond),
		loaded.Round(time.Millisecond), float64(rows)/loaded.Seconds(), synthetic.LoadChunk)
	be.store = newCountingStore(s)
}

// recorder is the testing.TB the store openers get: it notes why
// mongotest skipped or failed, so that the later benchmarks of the
// backend say so too instead of trying again.
type recorder struct {
	testing.TB
	failed *string
}

func (r recorder) Skipf(format string, args ...any) {
	r.TB.Helper()
	*r.failed = "SKIP: " + fmt.Sprintf(format, args...)
	r.TB.Skipf(format, args...)
}

func (r recorder) Fatalf(format string, args ...any) {
	r.TB.Helper()
	*r.failed = fmt.Sprintf(format, args...)
	r.TB.Fatalf(format, args...)
}

// openEmbedded opens an embedded store in a temporary directory that is
// removed at once: the store keeps its open file, and the space returns
// when the process exits, since no hook runs after the last benchmark.
func openEmbedded(tb testing.TB) (hub.Store, error) {
	dir, err := os.MkdirTemp("", "hubbench-")
	if err != nil {
		return nil, err
	}
	s, err := embedded.Open(dir)
	if rmErr := os.RemoveAll(dir); rmErr != nil {
		tb.Logf("embedded store directory %s stays behind: %v", dir, rmErr)
	}
	return s, err
}

// openMongoDB opens the benchmark database on mongotest's server, empty.
// mongotest.URI names a fresh database, which stays unused (and is
// dropped when tb ends): only its server and options are taken.
func openMongoDB(tb testing.TB) (hub.Store, error) {
	uri := withDatabase(mongotest.URI(tb), benchDatabase)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, err
	}
	err = c.Database(benchDatabase).Drop(ctx)
	c.Disconnect(ctx)
	if err != nil {
		return nil, fmt.Errorf("drop %s: %w", benchDatabase, err)
	}
	// Chunks of 5 000 rows take seconds on SecantusDB: allow them.
	s, err := mongodb.Open(mongodb.Options{URI: uri, OperationTimeout: 10 * time.Minute})
	if err != nil {
		return nil, err
	}
	if err := s.Init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// withDatabase puts db into the path of a connection string.
func withDatabase(uri, db string) string {
	rest, query, hasQuery := strings.Cut(uri, "?")
	scheme, hosts, _ := strings.Cut(rest, "://")
	hosts, _, _ = strings.Cut(hosts, "/")
	out := scheme + "://" + hosts + "/" + db
	if hasQuery {
		out += "?" + query
	}
	return out
}

// countingStore counts the store calls (round trips) of the read
// methods; queries call no others.
type countingStore struct {
	hub.Store
	calls [numMethods]atomic.Int64
}

const (
	mNodesByID = iota
	mFindNodes
	mCountNodes
	mRelationshipsByID
	mFindRelationships
	mCountRelationships
	mPush
	numMethods
)

var methodNames = [numMethods]string{"NodesByID", "FindNodes", "CountNodes", "RelationshipsByID", "FindRelationships", "CountRelationships", "Push"}

func newCountingStore(s hub.Store) *countingStore { return &countingStore{Store: s} }

// reset forgets the calls counted so far.
func (s *countingStore) reset() {
	for i := range s.calls {
		s.calls[i].Store(0)
	}
}

// total returns the calls counted since the last reset.
func (s *countingStore) total() int64 {
	var n int64
	for i := range s.calls {
		n += s.calls[i].Load()
	}
	return n
}

// String lists the calls per method.
func (s *countingStore) String() string {
	var parts []string
	for i := range s.calls {
		if n := s.calls[i].Load(); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", methodNames[i], n))
		}
	}
	return strings.Join(parts, ", ")
}

func (s *countingStore) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	s.calls[mNodesByID].Add(1)
	return s.Store.NodesByID(ctx, ids)
}

func (s *countingStore) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	s.calls[mFindNodes].Add(1)
	return s.Store.FindNodes(ctx, f, opts)
}

func (s *countingStore) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	s.calls[mCountNodes].Add(1)
	return s.Store.CountNodes(ctx, f)
}

func (s *countingStore) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	s.calls[mRelationshipsByID].Add(1)
	return s.Store.RelationshipsByID(ctx, ids)
}

func (s *countingStore) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	s.calls[mFindRelationships].Add(1)
	return s.Store.FindRelationships(ctx, f, opts)
}

func (s *countingStore) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	s.calls[mCountRelationships].Add(1)
	return s.Store.CountRelationships(ctx, f)
}

var _ interface {
	hub.Store
	hub.GroupPusher
	hub.FundingPusher
	hub.CoveragePusher
	hub.ProvisionPusher
	hub.SelectPusher
} = (*countingStore)(nil)

// TestCountingStorePassesEveryPusher guards the benchmarks against
// measuring a generic implementation by mistake: every Push method of
// the MongoDB store must pass through the wrapper.
func TestCountingStorePassesEveryPusher(t *testing.T) {
	mongoStore, wrapper := reflect.TypeFor[*mongodb.Store](), reflect.TypeFor[*countingStore]()
	pushers := 0
	for m := range mongoStore.Methods() {
		if !strings.HasPrefix(m.Name, "Push") {
			continue
		}
		pushers++
		if _, ok := wrapper.MethodByName(m.Name); !ok {
			t.Errorf("countingStore hides %s", m.Name)
		}
	}
	if pushers == 0 {
		t.Error("the MongoDB store has no Push methods: the check checks nothing")
	}
}

// The optional pushers (aggregation pipelines) pass through, so that the
// wrapper does not turn the database's aggregates into the generic ones;
// a pushed aggregate is one round trip.

// push calls the store's pusher P, counting the call, or declines
// (done=false) when the store has none.
func push[P, R any](s *countingStore, call func(P) (R, bool, error)) (R, bool, error) {
	p, ok := s.Store.(P)
	if !ok {
		var none R
		return none, false, nil
	}
	s.calls[mPush].Add(1)
	return call(p)
}

func (s *countingStore) PushGroupBy(ctx context.Context, spec *hub.GroupSpec) ([]hub.Group, bool, error) {
	return push(s, func(p hub.GroupPusher) ([]hub.Group, bool, error) { return p.PushGroupBy(ctx, spec) })
}

func (s *countingStore) PushFundingTotals(ctx context.Context, spec *hub.FundingSpec) ([]hub.FundingBucket, bool, error) {
	return push(s, func(p hub.FundingPusher) ([]hub.FundingBucket, bool, error) { return p.PushFundingTotals(ctx, spec) })
}

func (s *countingStore) PushCoverage(ctx context.Context, f *hub.ProvisionFilter) ([]hub.CoverageCell, bool, error) {
	return push(s, func(p hub.CoveragePusher) ([]hub.CoverageCell, bool, error) { return p.PushCoverage(ctx, f) })
}

func (s *countingStore) PushProvisionRows(ctx context.Context, f *hub.ProvisionFilter) ([]hub.ProvisionRow, bool, error) {
	return push(s, func(p hub.ProvisionPusher) ([]hub.ProvisionRow, bool, error) { return p.PushProvisionRows(ctx, f) })
}

func (s *countingStore) PushSelect(ctx context.Context, base hub.NodeFilter, w *hub.Where, asOf *time.Time) ([]string, bool, error) {
	return push(s, func(p hub.SelectPusher) ([]string, bool, error) { return p.PushSelect(ctx, base, w, asOf) })
}

// query is one benchmarked GraphQL operation and the check of its
// answer's data (the response must also have no errors).
type query struct {
	text  func(network) string
	check func(nw network, data json.RawMessage) error
}

// post runs one GraphQL request through h and returns the body; it fails
// on a status other than 200.
func post(h http.Handler, body []byte) ([]byte, error) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.500s", rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes(), nil
}

// answer decodes a response and fails on GraphQL errors or missing data.
func answer(body []byte) (json.RawMessage, error) {
	var resp struct {
		Data   json.RawMessage
		Errors json.RawMessage
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decode response: %w: %.300s", err, body)
	}
	if len(resp.Errors) > 0 {
		return nil, fmt.Errorf("errors: %.500s", resp.Errors)
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return nil, fmt.Errorf("no data: %.300s", body)
	}
	return resp.Data, nil
}

var errorsKey = []byte(`"errors":`)

// run benchmarks q on every backend: one checked request first, then the
// timed loop, which checks every response for errors and for the size of
// the first answer (the data is fixed, so any change is a fault).
func run(b *testing.B, q query) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.get(b)
			nw := benchNetwork()
			// SecantusDB can take longer than the 30 s default for one
			// query; measure it rather than time out.
			h := graph.NewHandler(graph.Options{Store: s, Logger: slog.New(slog.DiscardHandler), Timeout: 10 * time.Minute})
			body, err := json.Marshal(map[string]string{"query": q.text(nw)})
			if err != nil {
				b.Fatal(err)
			}
			first, err := post(h, body)
			if err != nil {
				b.Fatal(err)
			}
			data, err := answer(first)
			if err != nil {
				b.Fatal(err)
			}
			if err := q.check(nw, data); err != nil {
				b.Fatalf("%v\ndata: %.500s", err, data)
			}
			size := len(first)
			b.ReportAllocs()
			s.reset()
			for b.Loop() {
				got, err := post(h, body)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != size || bytes.Contains(got, errorsKey) {
					_, err := answer(got)
					b.Fatalf("answer changed: %d bytes, first %d (%v)", len(got), size, err)
				}
			}
			b.ReportMetric(float64(s.total())/float64(b.N), "roundtrips/op")
		})
	}
}

// pilotsQuery is the two-level nested page of pilots.
func pilotsQuery(first int) string {
	return fmt.Sprintf(`{ pilots(first: %d) { nodes { name administrators { name } partners { name } funding { amount funder { name } } } } }`, first)
}

type pilotsAnswer struct {
	Pilots struct {
		Nodes []struct {
			Name           string
			Administrators []struct{ Name string }
			Partners       []struct{ Name string }
			Funding        []struct {
				Amount float64
				Funder struct{ Name string }
			}
		}
	}
}

// checkPilots checks a pilots page of want pilots, each with its
// administrator, at least 3 partners and funding with funders.
func checkPilots(data json.RawMessage, want int) error {
	var a pilotsAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	if len(a.Pilots.Nodes) != want {
		return fmt.Errorf("%d pilots, want %d", len(a.Pilots.Nodes), want)
	}
	for _, p := range a.Pilots.Nodes {
		if p.Name == "" || len(p.Administrators) != 1 || len(p.Partners) < 3 || len(p.Funding) < 1 {
			return fmt.Errorf("pilot %q: %d administrators, %d partners, %d funding", p.Name, len(p.Administrators), len(p.Partners), len(p.Funding))
		}
		for _, f := range p.Funding {
			if f.Amount <= 0 || f.Funder.Name == "" {
				return fmt.Errorf("pilot %q: funding %+v", p.Name, f)
			}
		}
	}
	return nil
}

// BenchmarkNestedPilots100 is a page of 100 pilots with two levels of
// nested relationships: administrators, partners, and funding with its
// funders.
func BenchmarkNestedPilots100(b *testing.B) {
	run(b, query{
		text:  func(network) string { return pilotsQuery(100) },
		check: func(_ network, data json.RawMessage) error { return checkPilots(data, 100) },
	})
}

// uusimaa is the region the filter benchmark asks for, the largest.
var uusimaa = hub.NodeID(hub.KindRegion, "01")

// checkFullOrganisationsPage checks a page of 50 organisations out of
// more.
func checkFullOrganisationsPage(_ network, data json.RawMessage) error {
	var a struct {
		Organisations struct {
			TotalCount int
			Nodes      []struct{ Name string }
		}
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	if a.Organisations.TotalCount <= 50 || len(a.Organisations.Nodes) != 50 {
		return fmt.Errorf("%d of %d organisations", len(a.Organisations.Nodes), a.Organisations.TotalCount)
	}
	return nil
}

// BenchmarkFilteredOrganisations is a filtered page of organisations
// with its total count.
func BenchmarkFilteredOrganisations(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return fmt.Sprintf(`{ organisations(first: 50, where: {typeIn: [ASSOCIATION, FOUNDATION], regionIn: [%q]}) { totalCount nodes { name } } }`, uusimaa)
		},
		check: checkFullOrganisationsPage,
	})
}

// searchText is a prefix that hundreds of generated names share: the
// genitive of the most common municipality ("Helsingin säätiö").
const searchText = "Helsingin"

// BenchmarkSearch is a ranked search whose text starts hundreds of names.
func BenchmarkSearch(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return fmt.Sprintf(`{ search(text: %q, first: 20) { node { name } match } }`, searchText)
		},
		check: func(_ network, data json.RawMessage) error {
			var a struct {
				Search []struct {
					Node  struct{ Name string }
					Match string
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if len(a.Search) != 20 {
				return fmt.Errorf("%d hits, want 20", len(a.Search))
			}
			for _, h := range a.Search {
				if h.Match != "PREFIX" || !strings.HasPrefix(h.Node.Name, searchText) {
					return fmt.Errorf("hit %+v", h)
				}
			}
			return nil
		},
	})
}

// BenchmarkRelationshipsByType is a page of FUNDS relationships with
// their total count and both ends.
func BenchmarkRelationshipsByType(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return `{ relationships(first: 100, where: {typeIn: [FUNDS]}) { totalCount nodes { amount { amount } from { name } to { name } } } }`
		},
		check: func(nw network, data json.RawMessage) error {
			var a struct {
				Relationships struct {
					TotalCount int
					Nodes      []struct {
						Amount   *struct{ Amount float64 }
						From, To struct{ Name string }
					}
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if a.Relationships.TotalCount != nw.funds || len(a.Relationships.Nodes) != 100 {
				return fmt.Errorf("%d of %d relationships, want 100 of %d", len(a.Relationships.Nodes), a.Relationships.TotalCount, nw.funds)
			}
			for _, r := range a.Relationships.Nodes {
				if r.Amount == nil || r.Amount.Amount <= 0 || r.From.Name == "" || r.To.Name == "" {
					return fmt.Errorf("relationship %+v", r)
				}
			}
			return nil
		},
	})
}

// BenchmarkNodeByKey fetches the busiest organisation by key with a page
// of its relationships and their other ends.
func BenchmarkNodeByKey(b *testing.B) {
	run(b, query{
		text: func(nw network) string {
			return fmt.Sprintf(`{ entityByKey(kind: Organisation, key: %q) { name relationships(first: 50) { nodes { type to { name } } } } }`, nw.busiest)
		},
		check: func(_ network, data json.RawMessage) error {
			var a struct {
				EntityByKey *struct {
					Name          string
					Relationships struct {
						Nodes []struct {
							Type string
							To   struct{ Name string }
						}
					}
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if a.EntityByKey == nil || a.EntityByKey.Name == "" || len(a.EntityByKey.Relationships.Nodes) != 50 {
				return fmt.Errorf("entity %+v", a.EntityByKey)
			}
			return nil
		},
	})
}

// TestRoundTripsDoNotGrowWithPageSize checks that the loaders batch per
// level: the nested pilots query needs as many store calls for 100
// pilots as for 10 (give or take one).
func TestRoundTripsDoNotGrowWithPageSize(t *testing.T) {
	const runs = 5
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg := synthetic.Config{
		Seed: 3, Organisations: 1000, Relationships: 8000, Pilots: 120,
		Services: 40, TargetGroups: 10, Themes: 3, Sources: 1,
	}
	if err := synthetic.Load(context.Background(), s, synthetic.Generate(cfg)); err != nil {
		t.Fatal(err)
	}
	cs := newCountingStore(s)
	h := graph.NewHandler(graph.Options{Store: cs, Logger: slog.New(slog.DiscardHandler)})
	measure := func(first int) []int64 {
		body, err := json.Marshal(map[string]string{"query": pilotsQuery(first)})
		if err != nil {
			t.Fatal(err)
		}
		var calls []int64
		for range runs {
			cs.reset()
			got, err := post(h, body)
			if err != nil {
				t.Fatal(err)
			}
			data, err := answer(got)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkPilots(data, first); err != nil {
				t.Fatal(err)
			}
			calls = append(calls, cs.total())
			t.Logf("first: %d: %d store calls (%s)", first, cs.total(), cs)
		}
		return calls
	}
	ten, hundred := measure(10), measure(100)
	for i := range runs {
		if d := hundred[i] - ten[i]; d > 1 || d < -1 {
			t.Errorf("store calls per run: %v for 10 pilots, %v for 100; the loaders do not batch per level", ten, hundred)
			break
		}
	}
}

// BenchmarkProvisions is a page of "who provides what to whom" in one
// region, with its total count and the three parties of every row.
func BenchmarkProvisions(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return fmt.Sprintf(`{ provisions(first: 50, where: {regionIn: [%q]}) { totalCount nodes { provider { name } service { name } recipient { name } basis } } }`, uusimaa)
		},
		check: func(_ network, data json.RawMessage) error {
			var a struct {
				Provisions struct {
					TotalCount int
					Nodes      []struct {
						Provider, Service struct{ Name string }
						Recipient         *struct{ Name string }
						Basis             string
					}
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if a.Provisions.TotalCount <= 50 || len(a.Provisions.Nodes) != 50 {
				return fmt.Errorf("%d of %d provisions", len(a.Provisions.Nodes), a.Provisions.TotalCount)
			}
			for _, p := range a.Provisions.Nodes {
				if p.Provider.Name == "" || p.Service.Name == "" || p.Basis == "" {
					return fmt.Errorf("provision %+v", p)
				}
			}
			return nil
		},
	})
}

// BenchmarkFundingByRegion is a dashboard aggregate: funding totalled by
// the recipients' regions, with the bucket's region.
func BenchmarkFundingByRegion(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return `{ aggregates { funding(by: REGION) { key total currency node { name } } } }`
		},
		check: func(_ network, data json.RawMessage) error {
			var a struct {
				Aggregates struct {
					Funding []struct {
						Key      *string
						Total    float64
						Currency string
						Node     *struct{ Name string }
					}
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if len(a.Aggregates.Funding) < 10 {
				return fmt.Errorf("%d buckets, want one per funded region", len(a.Aggregates.Funding))
			}
			for _, f := range a.Aggregates.Funding {
				if f.Key != nil && (f.Total <= 0 || f.Currency != "EUR" || f.Node == nil || f.Node.Name == "") {
					return fmt.Errorf("bucket %+v", f)
				}
			}
			return nil
		},
	})
}

// BenchmarkRichFilter is a page of organisations under a relationship
// condition with a count: those partnering in at least two pilots, with
// their total.
func BenchmarkRichFilter(b *testing.B) {
	run(b, query{
		text: func(network) string {
			return `{ organisations(first: 50, where: {relationships: [{direction: OUT, types: [PARTNER_IN], where: {kindIn: [Pilot]}, count: {gte: 2}}]}) { totalCount nodes { name } } }`
		},
		check: checkFullOrganisationsPage,
	})
}
