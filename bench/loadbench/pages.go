package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// pages is what the hub's own pages send, read from their sources in
// web/map/src so that the load follows the pages when they change.
type pages struct {
	// dashboard is the GraphQL query of the dashboard page.
	dashboard string
	// mapFilters is the map page's query of its region and theme lists.
	mapFilters string
	// mapView is the export query string of the map page's first view:
	// its default kinds, every relationship type, its metrics and limit.
	mapView url.Values
}

var (
	graphqlCall = regexp.MustCompile("graphql\\(`([^`]+)`")
	jsArray     = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`const ` + name + ` = (?:new Set\()?\[([^\]]*)\]`)
	}
	jsString = regexp.MustCompile(`'([^']*)'`)
	paramSet = regexp.MustCompile(`p\.set\('(\w+)', '([^']*)'\)`)
)

// readPages reads the pages' requests from the sources under root (the
// module's directory).
func readPages(root string) (pages, error) {
	src := filepath.Join(root, "web", "map", "src")
	dashboard, err := os.ReadFile(filepath.Join(src, "dashboard.js"))
	if err != nil {
		return pages{}, err
	}
	mapJS, err := os.ReadFile(filepath.Join(src, "map.js"))
	if err != nil {
		return pages{}, err
	}
	var p pages
	if p.dashboard, err = onlyQuery("dashboard.js", dashboard, "aggregates"); err != nil {
		return pages{}, err
	}
	if p.mapFilters, err = onlyQuery("map.js", mapJS, "regions("); err != nil {
		return pages{}, err
	}
	// The page checks its default kinds and every type (checkboxes(...,
	// DEFAULT_KINDS.has, ...) and (..., TYPES, () => true, ...)), then
	// sets its metrics and limit.
	p.mapView = url.Values{}
	for param, name := range map[string]string{"kind": "DEFAULT_KINDS", "type": "TYPES"} {
		m := jsArray(name).FindSubmatch(mapJS)
		if m == nil {
			return pages{}, fmt.Errorf("map.js: no %s list", name)
		}
		for _, s := range jsString.FindAllSubmatch(m[1], -1) {
			p.mapView.Add(param, string(s[1]))
		}
	}
	for _, m := range paramSet.FindAllSubmatch(mapJS, -1) {
		p.mapView.Set(string(m[1]), string(m[2]))
	}
	for _, need := range []string{"kind", "type", "metrics", "limit"} {
		if !p.mapView.Has(need) {
			return pages{}, fmt.Errorf("map.js: the export parameters have no %s", need)
		}
	}
	return p, nil
}

// onlyQuery returns the one query a page's source passes to graphql()
// that asks for field (the dashboard's aggregates, the map's region
// list); the pages send others too (the map's search as one types).
func onlyQuery(name string, src []byte, field string) (string, error) {
	var found []string
	for _, m := range graphqlCall.FindAllSubmatch(src, -1) {
		if q := strings.TrimSpace(string(m[1])); strings.Contains(q, field) {
			found = append(found, q)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%s: %d graphql(`...`) calls asking for %s, want one", name, len(found), field)
	}
	return found[0], nil
}
