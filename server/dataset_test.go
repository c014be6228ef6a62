package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// rawFunding is a FUNDS relationship of dataset/ote.json as the file
// states it.
type rawFunding struct {
	From, To, Key string
	Amount        float64
	Currency      string
	Sources       []string
}

// readRawFunding reads the FUNDS relationships and the source document
// keys of dataset/ote.json itself, not through the hub.
func readRawFunding(tb testing.TB) (figures []rawFunding, sources []string) {
	tb.Helper()
	raw, err := os.ReadFile("../dataset/ote.json")
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Sources []struct {
			Key string `json:"key"`
		} `json:"sources"`
		Relationships []struct {
			Type, From, To, Key string
			Amount              *struct {
				Value    float64 `json:"value"`
				Currency string  `json:"currency"`
			} `json:"amount"`
			Sources []struct {
				Source string `json:"source"`
			} `json:"sources"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		tb.Fatal(err)
	}
	for _, s := range file.Sources {
		sources = append(sources, s.Key)
	}
	for _, r := range file.Relationships {
		if r.Type != "FUNDS" || r.Amount == nil {
			continue
		}
		f := rawFunding{From: r.From, To: r.To, Key: r.Key, Amount: r.Amount.Value, Currency: r.Amount.Currency}
		for _, c := range r.Sources {
			f.Sources = append(f.Sources, c.Source)
		}
		figures = append(figures, f)
	}
	return figures, sources
}

// rawTotal totals figures by a policy as the schema states it: figures
// for one funder, recipient and currency are alternatives, of which
// HIGHEST counts the highest, LOWEST the lowest, EVERY all.
func rawTotal(figures []rawFunding, policy string) float64 {
	type pair struct{ from, to, currency string }
	chosen := map[pair][]float64{}
	for _, f := range figures {
		p := pair{f.From, f.To, f.Currency}
		chosen[p] = append(chosen[p], f.Amount)
	}
	total := 0.0
	for _, amounts := range chosen {
		switch policy {
		case "HIGHEST":
			total += slices.Max(amounts)
		case "LOWEST":
			total += slices.Min(amounts)
		default:
			for _, a := range amounts {
				total += a
			}
		}
	}
	return total
}

// TestFundingTotalsPerSourceDocument: the funding aggregate, the FUNDS
// relationships and a pilot's funding records of one source document
// are those dataset/ote.json gives that document, under every policy,
// on both stores; and the default policy counts the higher of
// Yhdessä hyvä OTE's two figures once.
func TestFundingTotalsPerSourceDocument(t *testing.T) {
	figures, sources := readRawFunding(t)
	const q = `query($s: [ID!]) {
		aggregates {
			highest: funding(by: FUNDER, sourceIn: $s) { total currency counted { amount } figures { amount } }
			lowest: funding(by: FUNDER, policy: LOWEST, sourceIn: $s) { total counted { amount } figures { amount } }
			every: funding(by: FUNDER, policy: EVERY, sourceIn: $s) { total counted { amount } figures { amount } }
			yho: funding(by: PILOT, sourceIn: $s, where: {keyIn: ["yhdessa-hyva-ote"]}) { total counted { amount } figures { amount } }
		}
		relationships(first: 100, where: {typeIn: [FUNDS], sourceIn: $s}) { totalCount nodes { key } }
		entityByKey(kind: Pilot, key: "yhdessa-hyva-ote") { ... on Pilot { funding(sourceIn: $s) { amount } } }
	}`
	sum := func(buckets any, field string) float64 {
		total := 0.0
		for _, b := range buckets.([]any) {
			total += path(b, field).(float64)
		}
		return total
	}
	count := func(buckets any, field string) int {
		n := 0
		for _, b := range buckets.([]any) {
			n += len(path(b, field).([]any))
		}
		return n
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, b.env(t))
			MustBeReady(t, m, 30*time.Second)

			// Without a source filter: every figure, hand-checked against
			// the seed: Yhdessä hyvä OTE has 1 200 000 (the pilot list)
			// and 1 500 000 (its slide), both in seed-002.
			r := postQuery(t, m, q, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			for _, tc := range []struct {
				policy string
				want   float64
			}{{"highest", 5_135_800}, {"lowest", 4_835_800}, {"every", 6_335_800}} {
				if got := sum(path(r.Data, "aggregates", tc.policy), "total"); got != tc.want {
					t.Errorf("all sources, %s: total %v, want %v", tc.policy, got, tc.want)
				}
			}
			if got, want := fmt.Sprint(path(r.Data, "aggregates", "yho", 0, "total"), path(r.Data, "aggregates", "yho", 0, "counted")),
				"1.5e+06 [map[amount:1.5e+06]]"; got != want {
				t.Errorf("Yhdessä hyvä OTE by default: %s, want %s", got, want)
			}
			if n := count(path(r.Data, "aggregates", "yho"), "figures"); n != 2 {
				t.Errorf("Yhdessä hyvä OTE has %d figures, want 2", n)
			}

			for _, source := range append(sources, "no-such-source") {
				id := hub.NodeID(hub.KindSourceDocument, source)
				var own []rawFunding
				var keys []string
				for _, f := range figures {
					if slices.Contains(f.Sources, source) {
						own = append(own, f)
						keys = append(keys, hub.RelationshipKey(hub.Funds, f.From, f.To, f.Key))
					}
				}
				r := postQuery(t, m, q, map[string]any{"s": []string{id}})
				if len(r.Errors) > 0 {
					t.Fatalf("%s: errors: %+v", source, r.Errors)
				}
				for _, policy := range []string{"HIGHEST", "LOWEST", "EVERY"} {
					buckets := path(r.Data, "aggregates", map[string]string{"HIGHEST": "highest", "LOWEST": "lowest", "EVERY": "every"}[policy])
					if got, want := sum(buckets, "total"), rawTotal(own, policy); math.Abs(got-want) > 0.005 {
						t.Errorf("%s, %s: total %v, want %v", source, policy, got, want)
					}
					if n := count(buckets, "figures"); n != len(own) {
						t.Errorf("%s, %s: %d figures, want %d", source, policy, n, len(own))
					}
				}
				var got []string
				for _, n := range path(r.Data, "relationships", "nodes").([]any) {
					got = append(got, path(n, "key").(string))
				}
				slices.Sort(got)
				slices.Sort(keys)
				if !slices.Equal(got, keys) || path(r.Data, "relationships", "totalCount") != float64(len(keys)) {
					t.Errorf("%s: FUNDS relationships %q (totalCount %v), want %q", source, got, path(r.Data, "relationships", "totalCount"), keys)
				}
				var yho []float64
				for _, f := range own {
					if f.To == "pilot/yhdessa-hyva-ote" {
						yho = append(yho, f.Amount)
					}
				}
				var records []float64
				for _, f := range path(r.Data, "entityByKey", "funding").([]any) {
					records = append(records, path(f, "amount").(float64))
				}
				slices.Sort(yho)
				slices.Sort(records)
				if !slices.Equal(records, yho) {
					t.Errorf("%s: Yhdessä hyvä OTE's funding records %v, want %v", source, records, yho)
				}
			}
			// The one source that states funding gives both figures for
			// Yhdessä hyvä OTE: the policy still decides between them.
			r = postQuery(t, m, q, map[string]any{"s": []string{hub.NodeID(hub.KindSourceDocument, "seed-002")}})
			if got := sum(path(r.Data, "aggregates", "highest"), "total"); got != 5_135_800 {
				t.Errorf("seed-002, highest: %v, want 5135800", got)
			}
		})
	}
}

// servicesOfProvisions pages through provisions(where: {regionIn: [region]})
// and returns the distinct services.
func servicesOfProvisions(t *testing.T, m *Main, region string) []string {
	t.Helper()
	const q = `query($r: ID!, $after: String) { provisions(first: 100, after: $after, where: {regionIn: [$r]}) {
		nodes { service { id } } pageInfo { hasNextPage endCursor } } }`
	var out []string
	var after any
	for {
		r := postQuery(t, m, q, map[string]any{"r": region, "after": after})
		if len(r.Errors) > 0 {
			t.Fatalf("provisions: %+v", r.Errors)
		}
		for _, p := range path(r.Data, "provisions", "nodes").([]any) {
			if id := path(p, "service", "id").(string); !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		if path(r.Data, "provisions", "pageInfo", "hasNextPage") != true {
			break
		}
		after = path(r.Data, "provisions", "pageInfo", "endCursor")
	}
	slices.Sort(out)
	return out
}

// TestServiceRegionsFollowProvisions: for every region, the services a
// region filter finds are the services provisions give in that region
// (the oracle), and each names the region among its regions, on both
// stores; and still after a write moves a provider to another region.
func TestServiceRegionsFollowProvisions(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	const servicesIn = `query($r: ID!) { services(first: 100, where: {regionIn: [$r]}) { totalCount nodes { id regions { id } } } }`
	check := func(t *testing.T, m *Main, regions []string) map[string][]string {
		t.Helper()
		found := map[string][]string{}
		for _, region := range regions {
			r := postQuery(t, m, servicesIn, map[string]any{"r": region})
			if len(r.Errors) > 0 {
				t.Fatalf("services: %+v", r.Errors)
			}
			var got []string
			for _, s := range path(r.Data, "services", "nodes").([]any) {
				got = append(got, path(s, "id").(string))
				var in []string
				for _, x := range path(s, "regions").([]any) {
					in = append(in, path(x, "id").(string))
				}
				if !slices.Contains(in, region) {
					t.Errorf("service %s is found in %s but its regions are %v", path(s, "id"), region, in)
				}
			}
			slices.Sort(got)
			if want := servicesOfProvisions(t, m, region); !slices.Equal(got, want) {
				t.Errorf("region %s: services %v, the provisions' services %v", region, got, want)
			}
			found[region] = got
		}
		return found
	}
	regionID := func(key string) string { return hub.NodeID(hub.KindRegion, key) }
	savon := hub.NodeID(hub.KindPilot, "savon-ote")
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile))
			MustBeReady(t, m, 30*time.Second)
			r := postQuery(t, m, `{ regions(first: 100) { nodes { id } } }`, nil)
			var regions []string
			for _, n := range path(r.Data, "regions", "nodes").([]any) {
				regions = append(regions, path(n, "id").(string))
			}
			if len(regions) < 20 {
				t.Fatalf("the dataset has %d regions: %+v", len(regions), r)
			}
			before := check(t, m, regions)
			// Kymenlaakso (08): Yhdessä hyvä OTE's eleven services.
			if n := len(before[regionID("08")]); n != 11 {
				t.Errorf("Kymenlaakso has %d services, want 11", n)
			}
			if n := len(before[regionID("10")]); n != 8 {
				t.Errorf("Etelä-Savo has %d services, want Savon OTE's 8", n)
			}

			// Savon OTE moves to Pohjois-Karjala (12): its services move
			// with it.
			r = postQuery(t, m, `query($id: ID!) { node(id: $id) { ... on Pilot { version } } }`, map[string]any{"id": savon})
			_, r = postAs(t, m, editorKey, `mutation($in: UpdateNodeInput!) { updateNode(input: $in) { node { id } userErrors { message } } }`,
				map[string]any{"in": map[string]any{"id": savon, "version": path(r.Data, "node", "version"),
					"set": map[string]any{"regionIds": []string{regionID("12")}}}})
			if path(r.Data, "updateNode", "node", "id") != savon {
				t.Fatalf("updateNode: %+v", r)
			}
			after := check(t, m, regions)
			if n := len(after[regionID("10")]); n != 0 {
				t.Errorf("Etelä-Savo still has %d services after Savon OTE moved", n)
			}
			if got, want := after[regionID("12")], before[regionID("10")]; !slices.Equal(got, want) {
				t.Errorf("Pohjois-Karjala has services %v, want Savon OTE's %v", got, want)
			}
		})
	}
}
