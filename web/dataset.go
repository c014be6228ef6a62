package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
)

// Defaults of the open-data metadata, which the operator may change
// (HUB_DATA_LICENSE, HUB_DATA_PUBLISHER).
const (
	DefaultLicense   = "https://creativecommons.org/licenses/by/4.0/"
	DefaultPublisher = "OTE network hub"
	// DatasetTitle and DatasetDescription describe the network in
	// metadata for open-data portals.
	DatasetTitle       = "OTE stakeholder network"
	DatasetDescription = "Organisations, pilots, services, employers, regions and target groups of Finland's OTE programme (a path to working life for people with partial work ability) and the typed relationships between them, each with the source documents that state it."
)

// About describes the published data.
type About struct {
	License, Publisher string
	// Version names the state of the network ("" while a write is being
	// applied).
	Version func() string
}

// Dataset serves GET /export/dataset.json: the whole network as a
// dataset file (the format hub import reads), with its description
// first: title, publisher, licence, version and the time a row was last
// written. A caller who may not read personal data gets contacts
// without e-mail and phone, and stored text with them replaced by
// markers.
func Dataset(store hub.Reader, about About, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		version := about.Version()
		nodes, rels, err := allRows(ctx, store)
		if err != nil {
			exportError(w, logger, err)
			return
		}
		meta := &dataset.Meta{Title: DatasetTitle, Publisher: about.Publisher, License: about.License, Version: version,
			Nodes: len(nodes), Relationships: len(rels), Modified: LastModified(nodes, rels)}
		if !hub.MayReadPersonalData(r.Context()) {
			nodes, rels = withoutPersonalData(nodes, rels)
		}
		var buf bytes.Buffer
		if err := dataset.WriteDump(&buf, nodes, rels, meta); err != nil {
			logger.ErrorContext(ctx, "dataset export", "err", err)
			exportError(w, logger, hub.Errorf(hub.EINTERNAL, "write the dataset"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="ote-dataset.json"`)
		w.Write(buf.Bytes())
	})
}

// allRows reads every node and relationship of the network.
func allRows(ctx context.Context, store hub.Reader) ([]*hub.Node, []*hub.Relationship, error) {
	nodes, _, err := store.FindNodes(ctx, hub.NodeFilter{}, hub.ListOptions{First: hub.Unlimited})
	if err != nil {
		return nil, nil, err
	}
	rels, _, err := store.FindRelationships(ctx, hub.RelationshipFilter{}, hub.ListOptions{First: hub.Unlimited})
	return nodes, rels, err
}

// LastModified is the newest UpdatedAt of the rows (zero without rows).
func LastModified(nodes []*hub.Node, rels []*hub.Relationship) time.Time {
	var t time.Time
	for _, n := range nodes {
		if n.UpdatedAt.After(t) {
			t = n.UpdatedAt
		}
	}
	for _, x := range rels {
		if x.UpdatedAt.After(t) {
			t = x.UpdatedAt
		}
	}
	return t.UTC()
}

// withoutPersonalData returns copies of the rows as a caller who may not
// read personal data sees them: no contact details, and e-mails and
// phones in stored text (descriptions, goals, quotes, alternatives)
// replaced by markers.
func withoutPersonalData(nodes []*hub.Node, rels []*hub.Relationship) ([]*hub.Node, []*hub.Relationship) {
	text := func(t hub.LocalizedText) hub.LocalizedText {
		return hub.LocalizedText{FI: hub.RedactPersonalData(t.FI), SV: hub.RedactPersonalData(t.SV), EN: hub.RedactPersonalData(t.EN)}
	}
	cites := func(cs []hub.Citation) {
		for i := range cs {
			cs[i].Quote = hub.RedactPersonalData(cs[i].Quote)
		}
	}
	alts := func(as []hub.Alternative) []hub.Alternative {
		out := as[:0]
		for _, a := range as {
			if a.Field == "contact" || len(a.Field) > 8 && a.Field[:8] == "contact." {
				continue
			}
			a.Value = []byte(hub.RedactPersonalData(string(a.Value)))
			cites(a.Sources)
			out = append(out, a)
		}
		return out
	}
	ns := make([]*hub.Node, len(nodes))
	for i, n := range nodes {
		c := n.Clone()
		c.Contact = nil
		c.Description = text(c.Description)
		for j := range c.Goals {
			c.Goals[j] = text(c.Goals[j])
		}
		cites(c.Sources)
		c.Alternatives = alts(c.Alternatives)
		ns[i] = c
	}
	rs := make([]*hub.Relationship, len(rels))
	for i, x := range rels {
		c := x.Clone()
		c.Description = text(c.Description)
		cites(c.Sources)
		c.Alternatives = alts(c.Alternatives)
		rs[i] = c
	}
	return ns, rs
}
