package graph_test

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// countyCodes are the codes of Statistics Finland's wellbeing services
// county classification of 2023 as published (the dataset's oracle,
// dataset/testdata/statfi-2023), less Åland (91), which the hub has as
// region 21.
func countyCodes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../dataset/testdata/statfi-2023/hyvinvointialue.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, rec := range recs[1:] {
		if rec[0] != "91" {
			codes = append(codes, rec[0])
		}
	}
	return codes
}

// Wellbeing services counties are valid time: they exist from
// 2023-01-01, and so does a municipality's membership.
func TestWellbeingServicesCounties(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	want := countyCodes(t)

	t.Run("regions lists the counties on days from 2023 only", func(t *testing.T) {
		for _, tc := range []struct {
			asOf string
			want []string
		}{
			{"2022-06-01", nil},
			{"2022-12-31", nil},
			{"2023-01-01", want},
			{"2023-06-01", want},
		} {
			var resp struct {
				Regions struct {
					TotalCount int
					Nodes      []struct{ Code, Level string }
				}
			}
			MustQuery(t, c, `query($d: Date) { regions(first: 100, asOf: $d, where: {levelIn: [WELLBEING_SERVICES_COUNTY]}) {
				totalCount nodes { code level } } }`, &resp, client.Var("d", tc.asOf))
			var got []string
			for _, n := range resp.Regions.Nodes {
				got = append(got, n.Code)
			}
			if !slices.Equal(sorted(got), tc.want) || resp.Regions.TotalCount != len(tc.want) {
				t.Errorf("asOf %s: %d counties %v, want %v", tc.asOf, resp.Regions.TotalCount, got, tc.want)
			}
		}
	})

	t.Run("a municipality's county follows the day", func(t *testing.T) {
		const q = `query($d: Date) { entityByKey(kind: Region, key: "405") { ... on Region {
			county: wellbeingServicesCounty(asOf: $d) { code level name names { sv } classification { scheme year }
				children { key } }
			today: wellbeingServicesCounty { code }
			parent { code } } } }`
		for _, tc := range []struct {
			asOf, county string
		}{
			{"2022-06-01", ""},
			{"2023-06-01", "11"},
		} {
			var resp struct {
				EntityByKey struct {
					County *struct {
						Code, Level, Name string
						Names             struct{ Sv string }
						Classification    struct {
							Scheme string
							Year   int
						}
						Children []struct{ Key string }
					}
					Today  *struct{ Code string }
					Parent struct{ Code string }
				}
			}
			MustQuery(t, c, q, &resp, client.Var("d", tc.asOf))
			e := resp.EntityByKey
			if e.Parent.Code != "09" {
				t.Errorf("Lappeenranta's region %q, want 09 (Etelä-Karjala)", e.Parent.Code)
			}
			if e.Today == nil || e.Today.Code != "11" {
				t.Errorf("Lappeenranta's county today %+v, want 11", e.Today)
			}
			if tc.county == "" {
				if e.County != nil {
					t.Errorf("asOf %s: county %+v, want none", tc.asOf, e.County)
				}
				continue
			}
			got := e.County
			if got == nil {
				t.Fatalf("asOf %s: no county", tc.asOf)
			}
			if got.Code != tc.county || got.Level != "WELLBEING_SERVICES_COUNTY" || got.Name != "Etelä-Karjalan hyvinvointialue" ||
				got.Names.Sv != "Södra Karelens välfärdsområde" || got.Classification.Scheme != "hyvinvointialue" || got.Classification.Year != 2023 {
				t.Errorf("asOf %s: county %+v", tc.asOf, got)
			}
			if len(got.Children) != 1 || got.Children[0].Key != "405" {
				t.Errorf("county 11's municipalities %+v, want Lappeenranta (405)", got.Children)
			}
		}
	})

	t.Run("every region names its classification", func(t *testing.T) {
		var resp struct {
			Regions struct {
				Nodes []struct {
					Key, Level     string
					Classification *struct {
						Scheme string
						Year   int
						URL    *string
					}
				}
			}
		}
		MustQuery(t, c, `{ regions(first: 100) { nodes { key level classification { scheme year url } } } }`, &resp)
		schemes := map[string]string{"REGION": "maakunta", "MUNICIPALITY": "kunta", "WELLBEING_SERVICES_COUNTY": "hyvinvointialue"}
		for _, r := range resp.Regions.Nodes {
			cl := r.Classification
			if cl == nil || cl.Scheme != schemes[r.Level] || cl.Year != 2023 || cl.URL == nil ||
				!strings.Contains(*cl.URL, "/"+cl.Scheme+"_1_20230101/") {
				t.Errorf("%s (%s): classification %+v", r.Key, r.Level, cl)
			}
		}
	})

	t.Run("the network of a day before 2023 has no county", func(t *testing.T) {
		// From 2023 each of the dataset's eight municipalities lies in
		// one county.
		for _, tc := range []struct {
			asOf            string
			want, wantEdges int
		}{{"2022-06-01", 0, 0}, {"2023-06-01", len(want), 8}} {
			var resp struct {
				Network struct {
					Nodes []struct{ Type string }
					Edges []struct{ Type string }
				}
			}
			MustQuery(t, c, `query($d: Date) { network(kinds: [Region], asOf: $d, limit: 5000) { nodes { type } edges { type } } }`,
				&resp, client.Var("d", tc.asOf))
			counties, located := 0, 0
			for _, n := range resp.Network.Nodes {
				if n.Type == "WELLBEING_SERVICES_COUNTY" {
					counties++
				}
			}
			for _, e := range resp.Network.Edges {
				if e.Type == "LOCATED_IN" {
					located++
				}
			}
			if counties != tc.want {
				t.Errorf("asOf %s: %d counties in the network, want %d", tc.asOf, counties, tc.want)
			}
			if located != tc.wantEdges {
				t.Errorf("asOf %s: %d LOCATED_IN edges, want %d", tc.asOf, located, tc.wantEdges)
			}
		}
	})
}

// A region's classification is written through the API and checked
// against its level.
func TestRegionClassificationInput(t *testing.T) {
	net := MustOpenSeeded(t)
	editor := &hub.Principal{Subject: "toimittaja", Role: hub.RoleEditor}
	c := newClient(graph.Options{Network: net, Writer: net}, withPrincipal(editor))
	const create = `mutation($in: CreateNodeInput!) { createNode(input: $in) {
		node { ... on Region { key level code classification { scheme year url } } }
		userErrors { code message path } } }`
	type answer struct {
		CreateNode struct {
			Node *struct {
				Key, Level, Code string
				Classification   *struct {
					Scheme string
					Year   int
					URL    *string
				}
			}
			UserErrors []struct {
				Code, Message string
				Path          []string
			}
		}
	}
	fields := func(level, code string, cl map[string]any) map[string]any {
		return map[string]any{"name": map[string]any{"fi": "Testialue " + code}, "type": level, "code": code,
			"classification": cl, "sources": []any{map[string]any{"statedBy": true}}}
	}
	for _, tc := range []struct {
		name, key, level, code string
		cl                     map[string]any
		refused                string // words of the error, "" when accepted
	}{
		{"a county of 2023", "testi-hva", "WELLBEING_SERVICES_COUNTY", "99",
			map[string]any{"scheme": "hyvinvointialue", "year": 2023, "url": "https://www2.tilastokeskus.fi/fi/luokitukset/hyvinvointialue/hyvinvointialue_1_20230101/"}, ""},
		{"a municipality under the county scheme", "testi-kunta", "MUNICIPALITY", "999",
			map[string]any{"scheme": "hyvinvointialue", "year": 2023}, `from the classification "kunta"`},
		{"a year from another century", "testi-vuosi", "REGION", "98",
			map[string]any{"scheme": "maakunta", "year": 3023}, "classification year 3023"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			in := map[string]any{"kind": "Region", "key": tc.key, "fields": fields(tc.level, tc.code, tc.cl)}
			if err := c.Post(create, &a, client.Var("in", in)); err != nil {
				t.Fatal(err)
			}
			got := a.CreateNode
			if tc.refused != "" {
				if got.Node != nil || len(got.UserErrors) != 1 || got.UserErrors[0].Code != "BAD_USER_INPUT" ||
					!strings.Contains(got.UserErrors[0].Message, tc.refused) {
					t.Errorf("%+v, want BAD_USER_INPUT saying %q", got, tc.refused)
				}
				return
			}
			if len(got.UserErrors) > 0 || got.Node == nil {
				t.Fatalf("refused: %+v", got.UserErrors)
			}
			cl := got.Node.Classification
			if got.Node.Level != tc.level || cl == nil || cl.Scheme != tc.cl["scheme"] || cl.Year != tc.cl["year"] || cl.URL == nil || *cl.URL != tc.cl["url"] {
				t.Errorf("written %+v classification %+v, want %v", got.Node, cl, tc.cl)
			}
		})
	}
}
