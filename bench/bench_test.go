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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/bench"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/synthetic"
)

var (
	netOnce sync.Once
	theNet  bench.Network
)

// benchConfig is the network every benchmark runs on.
var benchConfig = synthetic.Default10k()

// benchNetwork returns the counts of the benchmark network.
func benchNetwork() bench.Network {
	netOnce.Do(func() { theNet = bench.Describe(synthetic.Generate(benchConfig)) })
	return theNet
}

// theIndex is the benchmark network in memory, loaded once per process
// by the first benchmark that needs it. Every read of the hub is
// answered from this index, whatever the store (the store only fills
// it), so the GraphQL benchmarks run on one: the embedded store. The
// HTTP benchmark (bench/httpbench) runs the hub on both stores.
var (
	indexOnce sync.Once
	theIndex  hub.Reader
	indexErr  error
)

func benchIndex(b *testing.B) hub.Reader {
	b.Helper()
	indexOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hubbench-")
		if err != nil {
			indexErr = err
			return
		}
		s, err := embedded.Open(dir)
		// The store keeps its open file; the space returns when the
		// process exits, since no hook runs after the last benchmark.
		os.RemoveAll(dir)
		if err != nil {
			indexErr = err
			return
		}
		began := time.Now()
		live, err := index.Open(context.Background(), s, index.Options{})
		if err != nil {
			indexErr = err
			return
		}
		batch := synthetic.Generate(benchConfig)
		if err := synthetic.Load(context.Background(), live, batch); err != nil {
			indexErr = fmt.Errorf("load the network: %w", err)
			return
		}
		b.Logf("generated and loaded %d nodes and %d relationships in %v",
			len(batch.Nodes), len(batch.Relationships), time.Since(began).Round(time.Millisecond))
		theIndex = live
	})
	if indexErr != nil {
		b.Fatal(indexErr)
	}
	return theIndex
}

// query is one benchmarked GraphQL operation and the check of its
// answer's data (the response must also have no errors).
type query struct {
	text  func(bench.Network) string
	check func(nw bench.Network, data json.RawMessage) error
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

// run benchmarks q: one checked request first, then the timed loop,
// which holds every response to the first one, byte for byte (the data
// is fixed, so any change is a fault).
func run(b *testing.B, q query) {
	nw := benchNetwork()
	h := graph.NewHandler(graph.Options{Network: benchIndex(b), Logger: slog.New(slog.DiscardHandler), Timeout: time.Minute})
	body, err := json.Marshal(map[string]string{"query": q.text(nw)})
	if err != nil {
		b.Fatal(err)
	}
	first, err := post(h, body)
	if err != nil {
		b.Fatal(err)
	}
	data, err := bench.Data(first)
	if err != nil {
		b.Fatal(err)
	}
	if err := q.check(nw, data); err != nil {
		b.Fatalf("%v\ndata: %.500s", err, data)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := post(h, body)
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Equal(got, first) {
			b.Fatalf("answer changed: %d bytes, first %d: %.500s", len(got), len(first), got)
		}
	}
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
		text: func(bench.Network) string { return bench.NestedPilotsQuery() },
		check: func(nw bench.Network, data json.RawMessage) error {
			return checkPilots(data, min(bench.PilotsFirst, nw.Pilots))
		},
	})
}

// checkOrganisationsPage checks a first page of organisations out of
// total.
func checkOrganisationsPage(data json.RawMessage, total int) error {
	var a struct {
		Organisations struct {
			TotalCount int
			Nodes      []struct{ Name string }
		}
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	want := min(bench.OrganisationsFirst, total)
	if a.Organisations.TotalCount != total || len(a.Organisations.Nodes) != want {
		return fmt.Errorf("%d of %d organisations, want %d of %d", len(a.Organisations.Nodes), a.Organisations.TotalCount, want, total)
	}
	for _, o := range a.Organisations.Nodes {
		if o.Name == "" {
			return fmt.Errorf("an organisation without a name")
		}
	}
	return nil
}

// BenchmarkFilteredOrganisations is a filtered page of organisations
// with its total count.
func BenchmarkFilteredOrganisations(b *testing.B) {
	run(b, query{
		text: func(bench.Network) string { return bench.FilteredOrganisationsQuery() },
		check: func(nw bench.Network, data json.RawMessage) error {
			return checkOrganisationsPage(data, nw.Filtered)
		},
	})
}

// searchText is a prefix that hundreds of generated names share: the
// genitive of the most common municipality ("Helsingin säätiö").
const searchText = "Helsingin"

// BenchmarkSearch is a ranked search whose text starts hundreds of names.
func BenchmarkSearch(b *testing.B) {
	run(b, query{
		text: func(bench.Network) string {
			return fmt.Sprintf(`{ search(text: %q, first: 20) { node { name } match } }`, searchText)
		},
		check: func(_ bench.Network, data json.RawMessage) error {
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
		text: func(bench.Network) string {
			return `{ relationships(first: 100, where: {typeIn: [FUNDS]}) { totalCount nodes { amount { amount } from { name } to { name } } } }`
		},
		check: func(nw bench.Network, data json.RawMessage) error {
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
			if a.Relationships.TotalCount != nw.Funds || len(a.Relationships.Nodes) != 100 {
				return fmt.Errorf("%d of %d relationships, want 100 of %d", len(a.Relationships.Nodes), a.Relationships.TotalCount, nw.Funds)
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
		text: func(nw bench.Network) string { return bench.NodeByKeyQuery(nw.Busiest.Key) },
		check: func(nw bench.Network, data json.RawMessage) error {
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
			want := min(bench.RelationshipsFirst, nw.Degree)
			if e := a.EntityByKey; e == nil || e.Name != nw.Busiest.Name.FI || len(e.Relationships.Nodes) != want {
				return fmt.Errorf("entity %+v, want %q with %d relationships", e, nw.Busiest.Name.FI, want)
			}
			return nil
		},
	})
}

// BenchmarkProvisions is a page of "who provides what to whom" in one
// region, with its total count and the three parties of every row.
func BenchmarkProvisions(b *testing.B) {
	run(b, query{
		text: func(bench.Network) string {
			return fmt.Sprintf(`{ provisions(first: 50, where: {regionIn: [%q]}) { totalCount nodes { provider { name } service { name } recipient { name } basis } } }`, bench.Uusimaa)
		},
		check: func(_ bench.Network, data json.RawMessage) error {
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
		text: func(bench.Network) string {
			return `{ aggregates { funding(by: REGION) { key total currency node { name } } } }`
		},
		check: func(_ bench.Network, data json.RawMessage) error {
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

// BenchmarkCoverage is the dashboard's services × regions matrix: every
// cell, with its counts.
func BenchmarkCoverage(b *testing.B) {
	run(b, query{
		text: func(bench.Network) string {
			return `{ aggregates { coverage { service { id } region { id } provisions providers { id } } } }`
		},
		check: func(_ bench.Network, data json.RawMessage) error {
			var a struct {
				Aggregates struct {
					Coverage []struct {
						Service, Region struct{ ID string }
						Provisions      int
						Providers       []struct{ ID string }
					}
				}
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if len(a.Aggregates.Coverage) < 100 {
				return fmt.Errorf("%d cells", len(a.Aggregates.Coverage))
			}
			for _, c := range a.Aggregates.Coverage {
				if c.Service.ID == "" || c.Region.ID == "" || c.Provisions < len(c.Providers) || len(c.Providers) == 0 {
					return fmt.Errorf("cell %+v", c)
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
		text: func(bench.Network) string {
			return `{ organisations(first: 50, where: {relationships: [{direction: OUT, types: [PARTNER_IN], where: {kindIn: [Pilot]}, count: {gte: 2}}]}) { totalCount nodes { name } } }`
		},
		check: func(nw bench.Network, data json.RawMessage) error {
			return checkOrganisationsPage(data, nw.PilotPartners)
		},
	})
}
