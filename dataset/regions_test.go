package dataset_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
)

// classificationTable reads a CSV table of testdata/statfi-2023 into
// rows keyed by their first column.
func classificationTable(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open("testdata/statfi-2023/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out[rec[0]] = row
	}
	return out
}

// TestRegionClassifications checks the dataset's regions against
// Statistics Finland's classifications of 1 January 2023 as published
// (testdata/statfi-2023, see its README): codes, names, each
// municipality's region and wellbeing services county, and the county
// level's valid time.
func TestRegionClassifications(t *testing.T) {
	b, err := dataset.Batch()
	if err != nil {
		t.Fatal(err)
	}
	kunnat := classificationTable(t, "kunta-maakunta-hyvinvointialue.csv")
	maakunnat := classificationTable(t, "maakunta.csv")
	counties := classificationTable(t, "hyvinvointialue.csv")

	nodes := map[string]*hub.Node{}
	byLevel := map[string][]*hub.Node{}
	for _, n := range b.Nodes {
		nodes[hub.NodeID(n.Kind, n.Key)] = n
		if n.Kind == hub.KindRegion {
			byLevel[n.Type] = append(byLevel[n.Type], n)
		}
	}
	// out returns the ends of n's relationships of type typ.
	out := func(n *hub.Node, typ hub.RelationshipType) (ends []*hub.Node, rels []*hub.Relationship) {
		for _, r := range b.Relationships {
			if r.Type == typ && r.FromID == hub.NodeID(n.Kind, n.Key) {
				ends, rels = append(ends, nodes[r.ToID]), append(rels, r)
			}
		}
		return ends, rels
	}
	levels := []struct {
		level, scheme, table string
		code                 *regexp.Regexp
		names                map[string]map[string]string
		nameFI               string // the column of the Finnish name
	}{
		{"REGION", "maakunta", "maakunta_1_20230101", regexp.MustCompile(`^[0-9]{2}$`), maakunnat, "name_fi"},
		{"MUNICIPALITY", "kunta", "kunta_1_20230101", regexp.MustCompile(`^[0-9]{3}$`), kunnat, "kunta_fi"},
		{"WELLBEING_SERVICES_COUNTY", "hyvinvointialue", "hyvinvointialue_1_20230101", regexp.MustCompile(`^[0-9]{2}$`), counties, "name_fi"},
	}
	for _, l := range levels {
		t.Run(l.level, func(t *testing.T) {
			if len(byLevel[l.level]) == 0 {
				t.Fatalf("the dataset has no region of level %s", l.level)
			}
			seen := map[string]string{}
			for _, n := range byLevel[l.level] {
				what := string(n.Kind) + "/" + n.Key
				if !l.code.MatchString(n.Code) {
					t.Errorf("%s: code %q is not of the shape %s", what, n.Code, l.code)
				}
				if other, dup := seen[n.Code]; dup {
					t.Errorf("%s and %s have the same code %s", what, other, n.Code)
				}
				seen[n.Code] = what
				c := n.Classification
				if c == nil || c.Scheme != l.scheme || c.Year != 2023 || !strings.Contains(c.URL, "/"+l.table+"/") {
					t.Errorf("%s: classification %+v, want scheme %s of 2023 with the page of %s", what, c, l.scheme, l.table)
				}
				row, ok := l.names[n.Code]
				if !ok {
					t.Errorf("%s: code %s is not in %s", what, n.Code, l.table)
					continue
				}
				if n.Name.FI != row[l.nameFI] {
					t.Errorf("%s: Finnish name %q, the classification says %q", what, n.Name.FI, row[l.nameFI])
				}
				for _, lang := range []string{"sv", "en"} {
					if want, ok := row["name_"+lang]; ok && n.Name.Get(hub.Language(lang)) != want {
						t.Errorf("%s: %s name %q, the classification says %q", what, lang, n.Name.Get(hub.Language(lang)), want)
					}
				}
			}
		})
	}

	t.Run("each municipality is in its region and its county", func(t *testing.T) {
		for _, m := range byLevel["MUNICIPALITY"] {
			row := kunnat[m.Code]
			if row == nil {
				continue // reported above
			}
			parents, _ := out(m, hub.PartOf)
			if len(parents) != 1 || parents[0].Type != "REGION" || parents[0].Code != row["maakunta"] {
				t.Errorf("municipality %s: PART_OF %v, the classification says region %s", m.Code, codes(parents), row["maakunta"])
			}
			var county []*hub.Node
			var rels []*hub.Relationship
			ends, rs := out(m, hub.LocatedIn)
			for i, e := range ends {
				if e.Type == "WELLBEING_SERVICES_COUNTY" {
					county, rels = append(county, e), append(rels, rs[i])
				}
			}
			if len(county) != 1 || county[0].Code != row["hyvinvointialue"] {
				t.Errorf("municipality %s: LOCATED_IN %v, the classification says county %s", m.Code, codes(county), row["hyvinvointialue"])
				continue
			}
			if start := startDate(rels[0].Period); start != "2023-01-01" {
				t.Errorf("municipality %s: in its county from %q, want 2023-01-01", m.Code, start)
			}
		}
	})

	t.Run("each county's municipalities are in its regions", func(t *testing.T) {
		// The regions of a county are those of its municipalities in the
		// correspondence table.
		regionsOf := map[string][]string{}
		for _, row := range kunnat {
			if r := regionsOf[row["hyvinvointialue"]]; !slices.Contains(r, row["maakunta"]) {
				regionsOf[row["hyvinvointialue"]] = append(r, row["maakunta"])
			}
		}
		members := 0
		for _, c := range byLevel["WELLBEING_SERVICES_COUNTY"] {
			for _, r := range b.Relationships {
				if r.Type != hub.LocatedIn || r.ToID != hub.NodeID(c.Kind, c.Key) {
					continue
				}
				members++
				m := nodes[r.FromID]
				parents, _ := out(m, hub.PartOf)
				if len(parents) != 1 || !slices.Contains(regionsOf[c.Code], parents[0].Code) {
					t.Errorf("county %s: member %s is in region %v, the county's municipalities are in %v", c.Code, m.Code, codes(parents), regionsOf[c.Code])
				}
			}
		}
		if members != len(byLevel["MUNICIPALITY"]) {
			t.Errorf("the counties have %d members, the dataset %d municipalities", members, len(byLevel["MUNICIPALITY"]))
		}
	})

	t.Run("the counties are valid from 2023 and all are there", func(t *testing.T) {
		var got []string
		for _, c := range byLevel["WELLBEING_SERVICES_COUNTY"] {
			got = append(got, c.Code)
			if !c.Period.Contains(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) || c.Period.Contains(time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("county %s: period %s, want from 2023-01-01 on", c.Code, startDate(c.Period))
			}
		}
		// Every item of the classification but Åland (91), which is
		// region 21 already and outside the reform.
		var want []string
		for code := range counties {
			if code != "91" {
				want = append(want, code)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("counties %v, want %v", got, want)
		}
	})
}

// startDate is the period's start as YYYY-MM-DD, "" when unknown.
func startDate(p *hub.Period) string {
	if p == nil || p.Start == nil {
		return ""
	}
	return p.Start.Format(time.DateOnly)
}

func codes(ns []*hub.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("%s %s", n.Type, n.Code)
	}
	return out
}

// The CSV format carries a region's classification in three cells; a
// year that is not a number fails its row, naming the column.
func TestReadCSVRegionClassification(t *testing.T) {
	const table = "key,name_fi,type,code,classification_scheme,classification_year,classification_url,sources\n" +
		"hyvinvointialue-11,Etelä-Karjalan hyvinvointialue,WELLBEING_SERVICES_COUNTY,11,hyvinvointialue,2023,https://example.org/hva,statfi | code 11\n" +
		"hyvinvointialue-12,Etelä-Savon hyvinvointialue,WELLBEING_SERVICES_COUNTY,12,hyvinvointialue,v2023,,statfi | code 12\n" +
		"405,Lappeenranta,MUNICIPALITY,405,,,,statfi | code 405\n"
	rows, err := dataset.ReadCSV("region.csv", []byte(table))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	want := hub.Classification{Scheme: "hyvinvointialue", Year: 2023, URL: "https://example.org/hva"}
	if rows[0].Err != nil || rows[0].Node.Classification == nil || *rows[0].Node.Classification != want {
		t.Errorf("row 1: %+v (%v), want classification %+v", rows[0].Node, rows[0].Err, want)
	}
	if rows[1].Err == nil || !strings.Contains(rows[1].Err.Error(), "classification_year") {
		t.Errorf("row 2: error %v, want one naming classification_year", rows[1].Err)
	}
	if rows[2].Err != nil || rows[2].Node.Classification != nil {
		t.Errorf("row 3: %+v (%v), want no classification", rows[2].Node, rows[2].Err)
	}
}
