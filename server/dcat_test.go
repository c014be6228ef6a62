package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub/graph"
)

// TestDCAT reads /dcat.jsonld as a portal would: JSON-LD with the DCAT
// and Dublin Core vocabularies, a dcat:Dataset described in Finnish and
// English with the operator's licence and publisher and the dump's
// modification time, and distributions whose URLs all answer.
func TestDCAT(t *testing.T) {
	const license, publisher = "https://example.org/licence", "Example publisher"
	m := MustRunMain(t, map[string]string{"HUB_DATA_LICENSE": license, "HUB_DATA_PUBLISHER": publisher})
	MustBeReady(t, m, 30*time.Second)
	resp, body := fetchURL(t, m, "/dcat.jsonld")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	type ref struct {
		ID string `json:"@id"`
	}
	type text []struct {
		Value string `json:"@value"`
		Lang  string `json:"@language"`
	}
	var doc struct {
		Context   map[string]string `json:"@context"`
		Type      string            `json:"@type"`
		Title     text              `json:"dct:title"`
		Desc      text              `json:"dct:description"`
		License   ref               `json:"dct:license"`
		Publisher struct {
			Name string `json:"foaf:name"`
		} `json:"dct:publisher"`
		Modified struct {
			Value string `json:"@value"`
		} `json:"dct:modified"`
		Distributions []struct {
			Type     string `json:"@type"`
			Access   ref    `json:"dcat:accessURL"`
			Download ref    `json:"dcat:downloadURL"`
			License  ref    `json:"dct:license"`
			Service  *struct {
				Endpoint    ref `json:"dcat:endpointURL"`
				Description ref `json:"dcat:endpointDescription"`
			} `json:"dcat:accessService"`
		} `json:"dcat:distribution"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Context["dcat"] != "http://www.w3.org/ns/dcat#" || doc.Context["dct"] != "http://purl.org/dc/terms/" || doc.Type != "dcat:Dataset" {
		t.Errorf("context %v, type %q", doc.Context, doc.Type)
	}
	for _, tx := range []text{doc.Title, doc.Desc} {
		langs := map[string]bool{}
		for _, v := range tx {
			langs[v.Lang] = v.Value != ""
		}
		if !langs["fi"] || !langs["en"] {
			t.Errorf("not in Finnish and English: %+v", tx)
		}
	}
	if doc.License.ID != license || doc.Publisher.Name != publisher {
		t.Errorf("licence %q, publisher %q", doc.License.ID, doc.Publisher.Name)
	}

	// The oracle of modified: the dump's meta.
	_, dump := fetchURL(t, m, "/export/dataset.json")
	var d struct {
		Meta struct{ Modified time.Time }
	}
	if err := json.Unmarshal(dump, &d); err != nil {
		t.Fatal(err)
	}
	if got, err := time.Parse(time.RFC3339Nano, doc.Modified.Value); err != nil || !got.Equal(d.Meta.Modified) || got.IsZero() {
		t.Errorf("modified %q, the dump's %v", doc.Modified.Value, d.Meta.Modified)
	}

	// Every distribution's URLs answer, on the host the request came by.
	want := []string{m.URL() + "/export/dataset.json", m.URL() + "/schema.graphql", m.URL() + "/",
		m.URL() + "/export/hsds.json", m.URL() + "/export/360giving.json", m.URL() + "/export/iati.xml"}
	for _, c := range graph.CollectionNames(graph.CollectionQueries()) {
		want = append(want, m.URL()+"/export/"+c+".csv")
	}
	var urls []string
	endpoints := 0
	for _, dist := range doc.Distributions {
		if dist.Type != "dcat:Distribution" || dist.Access.ID == "" || dist.License.ID != license {
			t.Errorf("distribution %+v", dist)
		}
		for _, u := range []string{dist.Access.ID, dist.Download.ID} {
			if u != "" && !slices.Contains(urls, u) {
				urls = append(urls, u)
			}
		}
		if dist.Service != nil {
			endpoints++
			if dist.Service.Endpoint.ID != m.URL()+"/graphql" || dist.Service.Description.ID != m.URL()+"/schema.graphql" {
				t.Errorf("service %+v", dist.Service)
			}
		}
	}
	slices.Sort(urls)
	slices.Sort(want)
	if !slices.Equal(urls, want) || endpoints != 1 {
		t.Errorf("URLs %q, want %q; %d GraphQL endpoints", urls, want, endpoints)
	}
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	if r := postQuery(t, m, `{ organisations(first: 1) { totalCount } }`, nil); len(r.Errors) > 0 {
		t.Errorf("the endpoint: %+v", r.Errors)
	}
}
