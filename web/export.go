package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/export"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/network"
)

// Exports serves GET /export/network.{graphml,gexf,json}: the subgraph
// that the query parameters select, in a format network tools read,
// with every node and edge attribute, provenance and, on request, metrics.
//
// Parameters (all optional; lists repeat the parameter):
//
//	center=<id>        expand from these nodes (else: the nodes of kind/region/theme)
//	depth=<0..6>       steps from the centers (default 1 with centers, 0 without)
//	direction=OUT|IN|BOTH
//	type=<RELATIONSHIP_TYPE>   relationship types to follow and keep
//	kind=<NodeKind>    without centers: node kinds (default: every entity kind)
//	region=<id>        without centers: nodes located in the region
//	theme=<id>         without centers: nodes with the theme, and the theme
//	asOf=YYYY-MM-DD    the network as it stood that day
//	limit=<1..5000>    node limit (default 500); a cut is reported as truncated
//	metrics=degree,betweenness,closeness,eigenvector,community
//	lang=fi|sv|en      label language (else Accept-Language, else Finnish)
func Exports(store hub.Reader, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := strings.TrimPrefix(r.PathValue("file"), "network.")
		if export.ContentType(format) == "" {
			http.Error(w, "unknown format: use network.graphml, network.gexf or network.json", http.StatusNotFound)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		opt, metrics, lang, err := exportOptions(r.URL.Query(), hub.LanguageFrom(r.Context()))
		if err != nil {
			exportError(w, logger, err)
			return
		}
		g, err := network.Load(ctx, store, opt)
		if err != nil {
			exportError(w, logger, err)
			return
		}
		eo := export.Options{Language: lang, Truncated: g.Truncated, PersonalData: hub.MayReadPersonalData(r.Context())}
		if eo.Metrics, err = computeMetrics(g, metrics); err != nil {
			exportError(w, logger, err)
			return
		}
		if eo.Documents, err = documents(ctx, store, g); err != nil {
			exportError(w, logger, err)
			return
		}
		w.Header().Set("Content-Type", export.ContentType(format))
		if format != export.FormatCytoscapeJSON {
			w.Header().Set("Content-Disposition", `attachment; filename="ote-network.`+export.Extension(format)+`"`)
		}
		if err := export.Write(format, w, g.Nodes, g.Edges, eo); err != nil {
			logger.ErrorContext(ctx, "export", "err", err)
		}
	})
}

// exportError answers with the error's code and client-safe message.
func exportError(w http.ResponseWriter, logger *slog.Logger, err error) {
	status := http.StatusInternalServerError
	switch hub.ErrorCode(err) {
	case hub.EINVALID:
		status = http.StatusBadRequest
	case hub.ENOTFOUND:
		// A center that is a well-formed id of no node.
		status = http.StatusNotFound
	case hub.ETOOLARGE:
		status = http.StatusRequestEntityTooLarge
	case hub.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	case hub.EINTERNAL:
		logger.Error("export", "err", err)
	}
	http.Error(w, graph.ExtensionCode(hub.ErrorCode(err))+": "+hub.ErrorMessage(err), status)
}

var metricNames = []string{"degree", "betweenness", "closeness", "eigenvector", "community"}

func exportOptions(q url.Values, lang hub.Language) (network.LoadOptions, []string, hub.Language, error) {
	var opt network.LoadOptions
	bad := func(format string, args ...any) (network.LoadOptions, []string, hub.Language, error) {
		return opt, nil, "", hub.Errorf(hub.EINVALID, format, args...)
	}
	for _, id := range q["center"] {
		if kind, err := hub.ParseID(id); err != nil || kind == "Relationship" {
			return bad("center %q is not a node id", id)
		}
		opt.Center = append(opt.Center, id)
	}
	if len(opt.Center) > 0 {
		opt.Depth = 1
	}
	if v := q.Get("depth"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil {
			return bad("depth %q is not a number", v)
		}
		opt.Depth = d
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("limit %q is not a positive number", v)
		}
		if n > network.MaxLimit {
			return opt, nil, "", hub.Errorf(hub.ETOOLARGE, "limit must be at most %d nodes, got %d", network.MaxLimit, n)
		}
		opt.Limit = n
	}
	switch d := hub.Direction(strings.ToUpper(q.Get("direction"))); d {
	case "", hub.Both, hub.In, hub.Out:
		opt.Direction = d
	default:
		return bad("direction must be OUT, IN or BOTH")
	}
	for _, t := range q["type"] {
		if !hub.RelationshipType(t).Valid() {
			return bad("unknown relationship type %q", t)
		}
		opt.Types = append(opt.Types, hub.RelationshipType(t))
	}
	if v := q.Get("asOf"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return bad("asOf %q is not a date (YYYY-MM-DD)", v)
		}
		opt.AsOf = &d
	}
	if len(opt.Center) == 0 {
		for _, k := range q["kind"] {
			if !hub.Kind(k).Valid() || hub.Kind(k) == hub.KindSourceDocument {
				return bad("unknown kind %q", k)
			}
			opt.Filter.Kinds = append(opt.Filter.Kinds, hub.Kind(k))
		}
		if len(opt.Filter.Kinds) == 0 {
			opt.Filter.Kinds = hub.EntityKinds
		}
		for _, id := range q["region"] {
			if kind, err := hub.ParseID(id); err != nil || kind != string(hub.KindRegion) {
				return bad("region %q is not a region id", id)
			}
			opt.Filter.RegionIDs = append(opt.Filter.RegionIDs, id)
		}
		if theme := q.Get("theme"); theme != "" {
			if kind, err := hub.ParseID(theme); err != nil || kind != string(hub.KindTheme) {
				return bad("theme %q is not a theme id", theme)
			}
			// The nodes with the theme, and the theme itself.
			opt.Where = &hub.Where{Or: []*hub.Where{
				{Filter: hub.NodeFilter{IDs: []string{theme}}},
				{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.HasTheme}, Where: &hub.Where{Filter: hub.NodeFilter{IDs: []string{theme}}}}}},
			}}
		}
	} else if q.Has("kind") || q.Has("region") || q.Has("theme") {
		return bad("kind, region and theme select nodes without centers; with center, use depth and type")
	}
	var metrics []string
	for _, m := range strings.Split(q.Get("metrics"), ",") {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		known := false
		for _, n := range metricNames {
			known = known || n == m
		}
		if !known {
			return bad("unknown metric %q: use %s", m, strings.Join(metricNames, ", "))
		}
		metrics = append(metrics, m)
	}
	switch l := q.Get("lang"); l {
	case "":
	case "fi", "sv", "en":
		lang = hub.Language(l)
	default:
		return bad("lang must be fi, sv or en")
	}
	return opt, metrics, lang, nil
}

// computeMetrics computes the requested metrics as metric → node → value.
func computeMetrics(g *network.Graph, names []string) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	for _, name := range names {
		var m map[string]float64
		var err error
		switch name {
		case "degree":
			var d map[string]network.Degrees
			if d, err = network.Degree(g); err == nil {
				m = map[string]float64{}
				for id, v := range d {
					m[id] = float64(v.Total)
				}
			}
		case "betweenness":
			m, err = network.Betweenness(g, true)
		case "closeness":
			m, err = network.Closeness(g)
		case "eigenvector":
			m, err = network.Eigenvector(g)
			if errors.Is(err, network.ErrNotConverged) {
				// Some graphs (long paths) have no stable eigenvector
				// centrality; leave it out rather than fail the export.
				m, err = nil, nil
			}
		case "community":
			var p *network.Partition
			if p, err = network.Communities(g, 1); err == nil {
				m = map[string]float64{}
				for id, c := range p.Community {
					m[id] = float64(c)
				}
			}
		}
		if err != nil {
			return nil, err
		}
		if m != nil {
			out[name] = m
		}
	}
	return out, nil
}

// documents loads the source documents the subgraph cites, for
// provenance titles.
func documents(ctx context.Context, s hub.Reader, g *network.Graph) (map[string]*hub.Node, error) {
	seen := map[string]bool{}
	var ids []string
	add := func(cs []hub.Citation) {
		for _, c := range cs {
			if c.SourceID != "" && !seen[c.SourceID] {
				seen[c.SourceID] = true
				ids = append(ids, c.SourceID)
			}
		}
	}
	for _, n := range g.Nodes {
		add(n.Sources)
	}
	for _, e := range g.Edges {
		add(e.Sources)
	}
	docs, err := s.NodesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*hub.Node, len(docs))
	for _, d := range docs {
		if d != nil {
			out[d.ID] = d
		}
	}
	return out, nil
}
