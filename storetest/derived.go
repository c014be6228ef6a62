package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

var derivedTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"a service's derived regions follow its providers and their links through every write", testDerivedRegions},
}

// testDerivedRegions writes a provider's move, a link's removal and a
// provider's deletion, and after each checks every region three ways:
// the services a region filter finds are the services of the
// provisions in that region, those the brute-force rule gives over the
// stored rows, and the hand-written answer.
func testDerivedRegions(t *testing.T, s Store) {
	r1, r2, r3 := node(hub.KindRegion, "r1", "Kainuu"), node(hub.KindRegion, "r2", "Uusimaa"), node(hub.KindRegion, "r3", "Lappi")
	o := node(hub.KindOrganisation, "o", "Yhdistys")
	o.RegionIDs = []string{r1.ID}
	p := node(hub.KindPilot, "p", "Pilotti")
	p.RegionIDs = []string{r2.ID}
	s1, s2 := node(hub.KindService, "s1", "Työhönvalmennus"), node(hub.KindService, "s2", "Arviointi")
	s1.RegionIDs = []string{r3.ID}
	byP := rel(hub.Provides, p, s2, "")
	mustApply(t, s, Source(), r1, r2, r3, o, p, s1, s2, rel(hub.Provides, o, s1, ""), byP)
	regions := []*hub.Node{r1, r2, r3}
	keyOf := map[string]string{s1.ID: "s1", s2.ID: "s2", r1.ID: "r1", r2.ID: "r2", r3.ID: "r3"}
	check := func(step string, want map[string]string) {
		t.Helper()
		net := mustLoadPlain(t, s)
		for _, n := range net.nodes {
			if len(n.DerivedRegionIDs) > 0 {
				t.Errorf("%s: the store holds derived regions %v of %s", step, n.DerivedRegionIDs, n.Key)
			}
		}
		for _, r := range regions {
			f := hub.NodeFilter{Kinds: []hub.Kind{hub.KindService}, RegionIDs: []string{r.ID}}
			got := nodeIDs(allNodes(t, s, f))
			rows, err := hub.ProvisionRows(t.Context(), s, hub.ProvisionFilter{RegionIDs: []string{r.ID}})
			if err != nil {
				t.Fatal(err)
			}
			// The services provided in r, and those the sources place
			// there themselves (a service no one provides has no
			// provision).
			var provided []string
			for _, row := range rows {
				if !slices.Contains(provided, row.ServiceID) {
					provided = append(provided, row.ServiceID)
				}
			}
			for _, n := range net.nodes {
				if n.Kind == hub.KindService && slices.Contains(n.RegionIDs, r.ID) && !slices.Contains(provided, n.ID) {
					provided = append(provided, n.ID)
				}
			}
			var brute []string
			for _, n := range net.nodes {
				if nodeFilterHolds(&f, n, net) {
					brute = append(brute, n.ID)
				}
			}
			var keys []string
			for _, id := range got {
				keys = append(keys, keyOf[id])
			}
			slices.Sort(keys)
			what := fmt.Sprintf("%s, services in %s", step, r.Key)
			mustSameIDSet(t, s, what+" (the provisions and own regions)", got, provided)
			mustSameIDSet(t, s, what+" (the brute-force rule)", got, brute)
			if g := strings.Join(keys, " "); g != want[r.Key] {
				t.Errorf("%s: got %q, want %q", what, g, want[r.Key])
			}
			if c := mustCountNodes(t, s, f); c != len(got) {
				t.Errorf("%s: CountNodes = %d, FindNodes finds %d", what, c, len(got))
			}
		}
		// An index that loads the store now, deriving once at the end of
		// the load, derives what the writes did.
		loaded := Follow(t, s)
		for _, id := range []string{s1.ID, s2.ID} {
			kept, fresh := mustNodesByID(t, s, id)[0], mustNodesByID(t, loaded, id)[0]
			if !slices.Equal(kept.Regions(), fresh.Regions()) {
				t.Errorf("%s: %s has regions %v, but %v in an index that loads the store", step, keyOf[id], kept.Regions(), fresh.Regions())
			}
		}
	}
	check("at first", map[string]string{"r1": "s1", "r2": "s2", "r3": "s1"})

	moved := o.Clone()
	moved.RegionIDs = []string{r2.ID}
	mustApply(t, s, moved)
	check("the provider moved to r2", map[string]string{"r1": "", "r2": "s1 s2", "r3": "s1"})
	if got := mustNodesByID(t, s, s1.ID)[0]; !slices.Equal(got.Regions(), []string{r3.ID, r2.ID}) {
		t.Errorf("s1's regions are %v, want its own r3, then r2 of its provider", got.Regions())
	}

	mustApplyBatch(t, s, &hub.Batch{DeleteRelationships: []string{byP.ID}})
	check("p no longer provides s2", map[string]string{"r1": "", "r2": "s1", "r3": "s1"})

	mustApplyBatch(t, s, &hub.Batch{DeleteNodes: []string{o.ID}, Cascade: true})
	check("the provider deleted", map[string]string{"r1": "", "r2": "", "r3": "s1"})
	if got := mustNodesByID(t, s, s1.ID)[0]; !slices.Equal(got.Regions(), []string{r3.ID}) {
		t.Errorf("s1's regions are %v, want its own r3 alone", got.Regions())
	}
}

// mustApplyBatch prepares b at t0 and applies it.
func mustApplyBatch(t *testing.T, s Store, b *hub.Batch) {
	t.Helper()
	mustPrepare(t, s, b, t0)
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}
