package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

func TestExports(t *testing.T) {
	m := MustRunMain(t, nil)
	get := func(t *testing.T, path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	type cyto struct {
		Elements struct {
			Nodes []struct{ Data map[string]any }
			Edges []struct{ Data map[string]any }
		}
		Data struct{ Truncated bool }
	}
	decode := func(t *testing.T, body string) cyto {
		t.Helper()
		var c cyto
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			t.Fatalf("decode: %v", err)
		}
		return c
	}

	t.Run("every format is served with its content type", func(t *testing.T) {
		for file, ctype := range map[string]string{"network.graphml": "application/graphml+xml", "network.gexf": "application/gexf+xml", "network.json": "application/json"} {
			code, ct, body := get(t, "/export/"+file)
			if code != 200 || ct != ctype || len(body) < 1000 {
				t.Errorf("%s: %d %s, %d bytes", file, code, ct, len(body))
			}
		}
	})

	t.Run("the whole network with metrics; contacts carry no personal data", func(t *testing.T) {
		_, _, body := get(t, "/export/network.json?limit=1000&metrics=degree,betweenness,community")
		c := decode(t, body)
		if len(c.Elements.Nodes) < 100 || len(c.Elements.Edges) < 100 || c.Data.Truncated {
			t.Fatalf("%d nodes, %d edges, truncated %v", len(c.Elements.Nodes), len(c.Elements.Edges), c.Data.Truncated)
		}
		withMetrics := 0
		for _, n := range c.Elements.Nodes {
			if n.Data["kind"] == "Contact" && len(n.Data) > 3 {
				t.Errorf("contact exported with %v", n.Data)
			}
			if _, ok := n.Data["betweenness"]; ok {
				withMetrics++
			}
		}
		if withMetrics == 0 || strings.Contains(body, "@") {
			t.Errorf("%d nodes with metrics; an e-mail address in the export: %v", withMetrics, strings.Contains(body, "@"))
		}
	})

	t.Run("a neighbourhood, cut at the limit and saying so", func(t *testing.T) {
		center := url.QueryEscape(hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote"))
		_, _, body := get(t, "/export/network.json?center="+center+"&depth=1")
		full := decode(t, body)
		if len(full.Elements.Nodes) < 10 || full.Data.Truncated {
			t.Fatalf("depth 1: %d nodes, truncated %v", len(full.Elements.Nodes), full.Data.Truncated)
		}
		_, _, body = get(t, "/export/network.json?center="+center+"&depth=1&limit=5")
		cut := decode(t, body)
		if len(cut.Elements.Nodes) != 5 || !cut.Data.Truncated {
			t.Errorf("limit 5: %d nodes, truncated %v", len(cut.Elements.Nodes), cut.Data.Truncated)
		}
		_, _, again := get(t, "/export/network.json?center="+center+"&depth=1&limit=5")
		if again != body {
			t.Error("the cut is not deterministic")
		}
	})

	t.Run("filters: kinds, relationship types and asOf", func(t *testing.T) {
		_, _, body := get(t, "/export/network.json?kind=Pilot&kind=Organisation&type=PARTNER_IN")
		c := decode(t, body)
		for _, n := range c.Elements.Nodes {
			if k := n.Data["kind"]; k != "Pilot" && k != "Organisation" {
				t.Errorf("kind %v", k)
			}
		}
		for _, e := range c.Elements.Edges {
			if e.Data["type"] != "PARTNER_IN" {
				t.Errorf("type %v", e.Data["type"])
			}
		}
		_, _, body = get(t, "/export/network.json?kind=Pilot&asOf=2019-06-01")
		for _, n := range decode(t, body).Elements.Nodes {
			if n.Data["label"] == "Savon OTE" {
				t.Error("Savon OTE ended in 2018 but is in the 2019 network")
			}
		}
	})

	t.Run("bad parameters are 400 with the error code", func(t *testing.T) {
		for _, q := range []string{"kind=Nope", "type=LIKES", "depth=x", "limit=0", "asOf=2019", "metrics=magic", "center=garbage", "region=" + url.QueryEscape(hub.NodeID(hub.KindPilot, "x")), "lang=de"} {
			code, _, body := get(t, "/export/network.json?"+q)
			if code != http.StatusBadRequest || !strings.HasPrefix(body, "BAD_USER_INPUT") {
				t.Errorf("%s: %d %q", q, code, body)
			}
		}
		if code, _, _ := get(t, "/export/network.csv"); code != http.StatusNotFound {
			t.Errorf("unknown format: %d", code)
		}
		// A well-formed id of no node is not there: 404, not a failure.
		missing := url.QueryEscape(hub.NodeID(hub.KindPilot, "ei-ole"))
		if code, _, body := get(t, "/export/network.json?center="+missing); code != http.StatusNotFound || !strings.HasPrefix(body, "NOT_FOUND") {
			t.Errorf("center of no node: %d %q", code, body)
		}
	})
}
