package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/otehub/hub/bench/internal/hubclient"
)

// The read classes of the mix, in the order of the report.
const (
	classDashboard   = "dashboard"
	classMap         = "map"
	classSearch      = "search"
	classExploration = "exploration"
	// classWrite is the trickle of mutations, beside the mix.
	classWrite = "write"
)

var readClasses = []string{classDashboard, classMap, classSearch, classExploration}

const (
	searchQuery = `query Search($text: String!) { search(text: $text, first: 10) { match matchedField matchedText node { id kind name } } }`
	nodeQuery   = `query Node($id: ID!) { node(id: $id) { id ... on Entity { kind name relationships(first: 20) { totalCount nodes { type role from { kind name } to { kind name } } } } } }`
	// The neighbourhood as the playground's Network example asks it.
	neighbourhoodQuery = `query Neighbourhood($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 200) { truncated nodes { id label kind degree } edges { type source target } } }`
	// sampleQuery picks the nodes the exploration and searches visit,
	// and the document the writes cite.
	sampleQuery = `{ organisations(first: 100) { nodes { id name } } pilots(first: 100) { nodes { id name } }
  services(first: 50) { nodes { id name } } sourceDocuments(first: 1) { nodes { id } } }`
)

// searchTerms are what people type into a search of the OTE network:
// places, organisations, themes, often partial and without diacritics.
// The network's own names add their first words (see newMix).
var searchTerms = []string{
	"kela", "paijat hame", "päijät-häme", "eksote", "kainuu", "ote", "työllisyys", "tyollisyys",
	"nuoret", "ohjaamo", "mielenterveys", "kuntoutus", "osaaminen", "helsinki", "tampere", "oulu",
	"savo", "yhdessä", "pilotti", "järjestö", "säätiö", "te-palvelut", "hyvinvointialue", "opiskelij",
}

// mix is the requests of each read class against the hub's URLs.
type mix struct {
	pages   pages
	ids     []string // nodes to look up and expand
	terms   []string
	regions []string // region ids of the map's filter
	themes  []string
	// source is the document the writes cite.
	source string
}

// newMix asks the hub at base (its GraphQL endpoint at base+"/graphql")
// for the nodes, regions and themes the requests name, as the map page
// does for its filters.
func newMix(ctx context.Context, client *http.Client, base string, p pages) (*mix, error) {
	m := &mix{pages: p, terms: append([]string(nil), searchTerms...)}
	data, err := hubclient.Post(ctx, client, base+"/graphql", "", sampleQuery, nil)
	if err != nil {
		return nil, fmt.Errorf("sample the network: %w", err)
	}
	type named struct{ Nodes []struct{ ID, Name string } }
	var s struct {
		Organisations, Pilots, Services named
		SourceDocuments                 named
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("sample the network: %w", err)
	}
	for _, list := range []named{s.Organisations, s.Pilots, s.Services} {
		for _, n := range list.Nodes {
			m.ids = append(m.ids, n.ID)
			// People type the start of a name: its first word, cut.
			word, _, _ := strings.Cut(n.Name, " ")
			if utf8.RuneCountInString(word) >= 3 {
				m.terms = append(m.terms, strings.ToLower(string([]rune(word)[:min(8, utf8.RuneCountInString(word))])))
			}
		}
	}
	if len(m.ids) == 0 || len(s.SourceDocuments.Nodes) == 0 {
		return nil, fmt.Errorf("the network at %s has no organisations, pilots or services, or no source document", base)
	}
	m.source = s.SourceDocuments.Nodes[0].ID

	data, err = hubclient.Post(ctx, client, base+"/graphql", "", p.mapFilters, nil)
	if err != nil {
		return nil, fmt.Errorf("the map page's filters: %w", err)
	}
	var f struct {
		Regions, Themes struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("the map page's filters: %w", err)
	}
	for _, r := range f.Regions.Nodes {
		m.regions = append(m.regions, r.ID)
	}
	for _, t := range f.Themes.Nodes {
		m.themes = append(m.themes, t.ID)
	}
	return m, nil
}

// request is one request of the mix, sent to a hub's base URL.
type request func(ctx context.Context, client *http.Client, base string) error

// next returns a request of class, picked with r.
func (m *mix) next(class string, r *rand.Rand) request {
	switch class {
	case classDashboard:
		return m.graphql(m.pages.dashboard, nil)
	case classMap:
		return m.export(r)
	case classSearch:
		return m.graphql(searchQuery, map[string]any{"text": m.terms[r.IntN(len(m.terms))]})
	case classExploration:
		vars := map[string]any{"id": m.ids[r.IntN(len(m.ids))]}
		if r.IntN(2) == 0 {
			return m.graphql(nodeQuery, vars)
		}
		return m.graphql(neighbourhoodQuery, vars)
	}
	panic("loadbench: unknown class " + class) // the classes are this file's constants
}

func (m *mix) graphql(query string, vars map[string]any) request {
	return func(ctx context.Context, client *http.Client, base string) error {
		_, err := hubclient.Post(ctx, client, base+"/graphql", "", query, vars)
		return err
	}
}

// export is a GET of the map page: its first view mostly, then the
// view filtered by a region or a theme, and sometimes the GraphML
// download it links to.
func (m *mix) export(r *rand.Rand) request {
	q := url.Values{}
	for k, v := range m.pages.mapView {
		q[k] = v
	}
	file, contentType := "network.json", "application/json"
	switch n := r.IntN(100); {
	case n < 20 && len(m.regions) > 0:
		q.Set("region", m.regions[r.IntN(len(m.regions))])
	case n < 35 && len(m.themes) > 0:
		q.Set("theme", m.themes[r.IntN(len(m.themes))])
	case n >= 95:
		file, contentType = "network.graphml", "application/graphml+xml"
	}
	path := "/export/" + file + "?" + q.Encode()
	return func(ctx context.Context, client *http.Client, base string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return &hubclient.Error{Code: hubclient.CodeOf(err), Err: err}
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			// A refusal (OVERLOADED and the like) carries its code as a
			// GraphQL error does.
			code := hubclient.HTTPCode(resp.StatusCode)
			var refusal hubclient.Response
			if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&refusal) == nil && len(refusal.Errors) > 0 {
				if c, _ := refusal.Errors[0].Extensions["code"].(string); c != "" {
					code = c
				}
			}
			return &hubclient.Error{Code: code, Err: fmt.Errorf("GET %s: %s", path, resp.Status)}
		}
		n, err := io.Copy(io.Discard, resp.Body)
		switch {
		case err != nil:
			return &hubclient.Error{Code: hubclient.CodeOf(err), Err: err}
		case n == 0 || !strings.HasPrefix(resp.Header.Get("Content-Type"), contentType):
			return &hubclient.Error{Code: hubclient.CodeBadResponse, Err: fmt.Errorf("GET %s: %d bytes of %q", path, n, resp.Header.Get("Content-Type"))}
		}
		return nil
	}
}
