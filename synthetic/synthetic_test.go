package synthetic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/storetest"
	"github.com/otehub/hub/synthetic"
)

// mid is between Small and Default10k: enough pilots for a full page.
var mid = synthetic.Config{
	Seed: 3, Organisations: 1000, Relationships: 8000, Pilots: 120,
	Services: 40, TargetGroups: 10, Themes: 3, Sources: 1,
}

var configs = []struct {
	name string
	cfg  synthetic.Config
}{
	{"small", synthetic.Small(1)},
	{"mid", mid},
	{"default 10k", synthetic.Default10k()},
}

var (
	generated   = map[string]*hub.Batch{}
	generatedMu sync.Mutex
)

// generate returns the batch of the named config, generated once per
// test binary (the 10k one takes a while under -race). Callers must not
// change it.
func generate(name string, cfg synthetic.Config) *hub.Batch {
	generatedMu.Lock()
	defer generatedMu.Unlock()
	if b, ok := generated[name]; ok {
		return b
	}
	b := synthetic.Generate(cfg)
	generated[name] = b
	return b
}

// MustMarshal encodes a batch as JSON, the form compared byte for byte.
func MustMarshal(tb testing.TB, b *hub.Batch) []byte {
	tb.Helper()
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// MustOpen opens an empty embedded store behind a live index, closed
// when the test ends.
func MustOpen(tb testing.TB) storetest.Store {
	tb.Helper()
	return storetest.Embedded(tb)
}

func TestGenerateIsDeterministic(t *testing.T) {
	// The 10k network takes the same code paths as the mid-size one and
	// would add seconds (under -race, ten) for nothing more.
	for _, c := range configs[:2] {
		t.Run(c.name+": the same seed gives the same bytes", func(t *testing.T) {
			a, b := MustMarshal(t, generate(c.name, c.cfg)), MustMarshal(t, synthetic.Generate(c.cfg))
			if !bytes.Equal(a, b) {
				t.Fatalf("two batches of seed %d differ (%d and %d bytes)", c.cfg.Seed, len(a), len(b))
			}
		})
	}
	t.Run("another seed gives another network", func(t *testing.T) {
		other := synthetic.Small(2)
		if bytes.Equal(MustMarshal(t, generate("small", synthetic.Small(1))), MustMarshal(t, synthetic.Generate(other))) {
			t.Fatal("seeds 1 and 2 give the same batch")
		}
	})
}

func TestCountsMatchTheConfig(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			b := generate(c.name, c.cfg)
			kinds := map[hub.Kind]int{}
			for _, n := range b.Nodes {
				kinds[n.Kind]++
			}
			want := map[hub.Kind]int{
				hub.KindOrganisation:   c.cfg.Organisations,
				hub.KindPilot:          c.cfg.Pilots,
				hub.KindService:        c.cfg.Services,
				hub.KindTargetGroup:    c.cfg.TargetGroups,
				hub.KindTheme:          c.cfg.Themes,
				hub.KindSourceDocument: c.cfg.Sources,
				hub.KindRegion:         19,
				hub.KindProgramme:      1 + synthetic.SubProjects,
			}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("%d %s nodes, want %d", kinds[k], k, n)
				}
			}
			if len(kinds) != len(want) {
				t.Errorf("node kinds %v, want only %v", kinds, want)
			}
			if len(b.Relationships) != c.cfg.Relationships {
				t.Errorf("%d relationships, want %d", len(b.Relationships), c.cfg.Relationships)
			}
		})
	}
}

func TestShape(t *testing.T) {
	codes := []string{"01", "02", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "21"}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range configs {
		b := generate(c.name, c.cfg)
		byID := map[string]*hub.Node{}
		for _, n := range b.Nodes {
			byID[n.ID] = n
		}
		// per pilot: relationships by type, in and out.
		pilotRels := map[string]map[hub.RelationshipType][]*hub.Relationship{}
		for _, r := range b.Relationships {
			for _, id := range []string{r.FromID, r.ToID} {
				if byID[id] != nil && byID[id].Kind == hub.KindPilot {
					if pilotRels[id] == nil {
						pilotRels[id] = map[hub.RelationshipType][]*hub.Relationship{}
					}
					pilotRels[id][r.Type] = append(pilotRels[id][r.Type], r)
				}
			}
		}

		t.Run(c.name+": at most one PART_OF per node, and no loops", func(t *testing.T) {
			parent := map[string]string{}
			for _, r := range b.Relationships {
				if r.Type != hub.PartOf {
					continue
				}
				if p, ok := parent[r.FromID]; ok {
					t.Fatalf("%s has two parents: %s and %s", r.FromID, p, r.ToID)
				}
				parent[r.FromID] = r.ToID
			}
			for child := range parent {
				seen := map[string]bool{}
				for n := child; n != ""; n = parent[n] {
					if seen[n] {
						t.Fatalf("PART_OF loops through %s", n)
					}
					seen[n] = true
				}
			}
		})

		t.Run(c.name+": every fact cites a synthetic reference document", func(t *testing.T) {
			check := func(what string, cs []hub.Citation) {
				if len(cs) == 0 {
					t.Fatalf("%s has no source", what)
				}
				for _, cit := range cs {
					src := byID[cit.SourceID]
					if src == nil || src.Kind != hub.KindSourceDocument || src.Type != "REFERENCE_DATA" || src.Document == nil {
						t.Fatalf("%s cites %q, not a synthetic reference document", what, cit.SourceID)
					}
				}
			}
			for _, n := range b.Nodes {
				if n.Kind != hub.KindSourceDocument {
					check(string(n.Kind)+"/"+n.Key, n.Sources)
				}
			}
			for _, r := range b.Relationships {
				check(r.Key, r.Sources)
			}
		})

		t.Run(c.name+": the 19 regions with their codes", func(t *testing.T) {
			var got []string
			for _, n := range b.Nodes {
				if n.Kind == hub.KindRegion {
					got = append(got, n.Code)
					if n.Key != n.Code || n.Type != "REGION" || n.Name.FI == "" || n.Name.SV == "" {
						t.Errorf("region %+v", n)
					}
				}
			}
			if !slices.Equal(got, codes) {
				t.Errorf("region codes %v, want %v", got, codes)
			}
		})

		t.Run(c.name+": organisations have a known type and 1-2 regions", func(t *testing.T) {
			types := map[string]int{}
			for _, n := range b.Nodes {
				if n.Kind != hub.KindOrganisation {
					continue
				}
				types[n.Type]++
				if !slices.Contains(hub.OrganisationTypes, n.Type) {
					t.Fatalf("%s has type %q", n.Key, n.Type)
				}
				if len(n.RegionIDs) < 1 || len(n.RegionIDs) > 2 {
					t.Fatalf("%s is in %d regions", n.Key, len(n.RegionIDs))
				}
				for _, r := range n.RegionIDs {
					if byID[r] == nil || byID[r].Kind != hub.KindRegion {
						t.Fatalf("%s names region %q", n.Key, r)
					}
				}
			}
			if c.cfg.Organisations >= 5000 && len(types) != len(hub.OrganisationTypes) {
				t.Errorf("organisation types used %v, want all of %v", types, hub.OrganisationTypes)
			}
		})

		t.Run(c.name+": every pilot has its administrator, partners, funding, programme and period", func(t *testing.T) {
			maxPilots := 0
			for _, n := range b.Nodes {
				if n.Kind != hub.KindPilot {
					continue
				}
				rels := pilotRels[n.ID]
				if n.Period == nil || n.Period.Start == nil || n.Period.End == nil ||
					n.Period.Start.Before(start) || n.Period.End.After(end) || n.Period.End.Before(*n.Period.Start) {
					t.Errorf("%s: period %v", n.Key, n.Period)
				}
				if a := rels[hub.Administers]; len(a) != 1 || a[0].ToID != n.ID || byID[a[0].FromID].Kind != hub.KindOrganisation {
					t.Errorf("%s: %d administrators", n.Key, len(a))
				}
				if p := rels[hub.PartnerIn]; len(p) < 3 || len(p) > 15 {
					t.Errorf("%s: %d partners", n.Key, len(p))
				}
				f := rels[hub.Funds]
				if len(f) < 1 || len(f) > 3 {
					t.Errorf("%s: %d funders", n.Key, len(f))
				}
				for _, r := range f {
					if r.Amount == nil || r.Amount.Minor <= 0 || r.Amount.Currency != "EUR" || r.ToID != n.ID {
						t.Errorf("%s: funding %+v", n.Key, r.Amount)
					}
				}
				if p := rels[hub.PartOf]; len(p) != 1 || p[0].FromID != n.ID || byID[p[0].ToID].Kind != hub.KindProgramme {
					t.Errorf("%s: PART_OF %d", n.Key, len(p))
				}
				if len(rels[hub.HasTheme]) == 0 || len(rels[hub.Provides]) == 0 {
					t.Errorf("%s: %d themes, %d services", n.Key, len(rels[hub.HasTheme]), len(rels[hub.Provides]))
				}
			}
			// Partnerships are skewed: some organisation is a partner in
			// several pilots.
			partners := map[string]int{}
			for _, r := range b.Relationships {
				if r.Type == hub.PartnerIn {
					partners[r.FromID]++
					maxPilots = max(maxPilots, partners[r.FromID])
				}
			}
			if c.cfg.Pilots >= 100 && maxPilots < 10 {
				t.Errorf("the busiest partner is in %d pilots; want a skewed network", maxPilots)
			}
			t.Logf("the busiest partner organisation is in %d of %d pilots", maxPilots, c.cfg.Pilots)
		})

		t.Run(c.name+": relationships have domain keys, valid ends and many have periods", func(t *testing.T) {
			refKind := map[hub.Kind]string{
				hub.KindOrganisation: "organisation", hub.KindProgramme: "programme", hub.KindPilot: "pilot",
				hub.KindService: "service", hub.KindTargetGroup: "targetGroup", hub.KindTheme: "theme",
			}
			periods := 0
			for _, r := range b.Relationships {
				from, to := byID[r.FromID], byID[r.ToID]
				if from == nil || to == nil {
					t.Fatalf("%s: an end is missing", r.Key)
				}
				want := hub.RelationshipKey(r.Type, refKind[from.Kind]+"/"+from.Key, refKind[to.Kind]+"/"+to.Key, "")
				if r.Key != want {
					t.Fatalf("key %q, want %q", r.Key, want)
				}
				if r.Type == hub.Serves && from.Kind == hub.KindService && to.Kind != hub.KindTargetGroup {
					t.Fatalf("%s: a service serves a %s", r.Key, to.Kind)
				}
				if r.Period != nil {
					periods++
				}
			}
			if periods < len(b.Relationships)/3 {
				t.Errorf("%d of %d relationships have a period", periods, len(b.Relationships))
			}
		})
	}
}

func TestTheBatchPassesPrepare(t *testing.T) {
	ctx := context.Background()
	t.Run("the small network as one batch on an empty embedded store", func(t *testing.T) {
		s := MustOpen(t)
		b := synthetic.Generate(synthetic.Small(1))
		if err := hub.Prepare(ctx, s, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		MustHold(t, s, synthetic.Small(1))
	})
	t.Run("Load writes the mid-size network in chunks", func(t *testing.T) {
		s := MustOpen(t)
		if err := synthetic.Load(ctx, s, synthetic.Generate(mid)); err != nil {
			t.Fatal(err)
		}
		MustHold(t, s, mid)
	})
	// The 10k network is loaded, and so checked chunk by chunk, by the
	// benchmarks in package bench: loading it takes too long for every
	// test run.
}

// MustHold checks that s holds exactly the network of cfg.
func MustHold(tb testing.TB, s hub.Reader, cfg synthetic.Config) {
	tb.Helper()
	ctx := context.Background()
	nodes, err := s.CountNodes(ctx, hub.NodeFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	orgs, err := s.CountNodes(ctx, hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}})
	if err != nil {
		tb.Fatal(err)
	}
	rels, err := s.CountRelationships(ctx, hub.RelationshipFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	wantNodes := cfg.Organisations + cfg.Pilots + cfg.Services + cfg.TargetGroups + cfg.Themes + cfg.Sources + 19 + 1 + synthetic.SubProjects
	if nodes != wantNodes || orgs != cfg.Organisations || rels != cfg.Relationships {
		tb.Fatalf("store holds %d nodes (%d organisations) and %d relationships, want %d (%d) and %d",
			nodes, orgs, rels, wantNodes, cfg.Organisations, cfg.Relationships)
	}
}

func TestImpossibleConfigsPanic(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*synthetic.Config)
		want string
	}{
		{"no organisations", func(c *synthetic.Config) { c.Organisations = 0 }, "organisation"},
		{"no source documents", func(c *synthetic.Config) { c.Sources = 0 }, "source"},
		{"pilots without services", func(c *synthetic.Config) { c.Services = 0 }, "service"},
		{"fewer relationships than the pilots need", func(c *synthetic.Config) { c.Relationships = 20 }, "too few"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := synthetic.Small(1)
			c.edit(&cfg)
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(fmt.Sprint(p), c.want) {
					t.Fatalf("panic %v, want one about %q", p, c.want)
				}
			}()
			synthetic.Generate(cfg)
		})
	}
}
