package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/otehub/hub"
)

// Defaults of the identifiers the crosswalk exports give the publisher
// and its grants (HUB_DATA_PUBLISHER_ID, HUB_GRANT_PREFIX). Neither is
// registered: an operator who publishes to 360Giving or IATI replaces
// them with the ones the registers give.
const (
	DefaultPublisherID = "XX-OTEHUB"
	DefaultGrantPrefix = "360G-otehub"
)

// Crosswalk configures the exports in other standards' shapes.
type Crosswalk struct {
	About
	// PublisherID is the publisher's organisation identifier in the
	// org-id.guide form (IATI's reporting-org, 360Giving's publisher).
	PublisherID string
	// GrantPrefix starts every 360Giving grant identifier.
	GrantPrefix string
}

// uuidSpace is the namespace of the UUIDs (version 5) that the HSDS
// export derives from hub ids: itself the UUIDv5 of "urn:otehub" in the
// URL namespace, so that a partner can compute the same UUIDs.
var uuidSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:otehub"))

// StableUUID returns the UUID (version 5) the crosswalk exports give the
// row named name: a hub id, or a hub id and a qualifier joined by a
// space. The same name gives the same UUID on every hub.
func StableUUID(name string) string { return uuid.NewSHA1(uuidSpace, []byte(name)).String() }

// crossNet is the network as a crosswalk export reads it, with the
// relationships of each node at hand.
type crossNet struct {
	nodes   []*hub.Node
	rels    []*hub.Relationship
	byID    map[string]*hub.Node
	in, out map[string][]*hub.Relationship
}

// readNetwork reads every row, as the caller may see them: without
// personal data for a caller who may not read it.
func readNetwork(ctx context.Context, store hub.Reader) (*crossNet, error) {
	nodes, rels, err := allRows(ctx, store)
	if err != nil {
		return nil, err
	}
	if !hub.MayReadPersonalData(ctx) {
		nodes, rels = withoutPersonalData(nodes, rels)
	}
	return newCrossNet(nodes, rels), nil
}

func newCrossNet(nodes []*hub.Node, rels []*hub.Relationship) *crossNet {
	n := &crossNet{nodes: nodes, rels: rels, byID: map[string]*hub.Node{},
		in: map[string][]*hub.Relationship{}, out: map[string][]*hub.Relationship{}}
	for _, x := range nodes {
		n.byID[x.ID] = x
	}
	for _, r := range rels {
		n.out[r.FromID] = append(n.out[r.FromID], r)
		n.in[r.ToID] = append(n.in[r.ToID], r)
	}
	return n
}

func isOrganisation(n *hub.Node) bool {
	return n != nil && (n.Kind == hub.KindOrganisation || n.Kind == hub.KindEmployer)
}

// orgsInto returns the organisations and employers that have a
// relationship of type t to the node id, in id order.
func (n *crossNet) orgsInto(id string, t hub.RelationshipType) []*hub.Node {
	var out []*hub.Node
	for _, r := range n.in[id] {
		if from := n.byID[r.FromID]; r.Type == t && isOrganisation(from) && !slices.Contains(out, from) {
			out = append(out, from)
		}
	}
	slices.SortFunc(out, func(a, b *hub.Node) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// responsible returns the organisations that answer for a node: the
// node itself when it is an organisation or employer; for a pilot or
// programme the organisations that administer it, else those that lead
// it, else those that coordinate it. Nil when the sources name none.
func (n *crossNet) responsible(id string) []*hub.Node {
	if node := n.byID[id]; isOrganisation(node) {
		return []*hub.Node{node}
	}
	for _, t := range []hub.RelationshipType{hub.Administers, hub.Leads, hub.Coordinates} {
		if orgs := n.orgsInto(id, t); len(orgs) > 0 {
			return orgs
		}
	}
	return nil
}

// text is a text in Finnish, the language of the sources, falling back
// to Swedish and English.
func text(t hub.LocalizedText) string { return t.In(hub.Finnish) }

// orgID is a node's identifier in the org-id.guide form: FI-PRO (the
// Finnish Patent and Registration Office's trade register) with the
// business ID where the node has one, else the hub id under the
// publisher's identifier.
func orgID(publisherID string, n *hub.Node) string {
	if n.BusinessID != "" {
		return "FI-PRO-" + n.BusinessID
	}
	return publisherID + "-" + n.ID
}

// decimal writes an amount in minor units (cents) as an exact decimal
// number of major units.
func decimal(minor int64) json.Number {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := sign + strconv.FormatInt(minor/100, 10)
	if c := minor % 100; c != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+c, 10)[1:], "0")
	}
	return json.Number(s)
}

// day writes a date as YYYY-MM-DD.
func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// earliestSource returns the earliest publication date of the source
// documents cited for a row (nil when none has one).
func (n *crossNet) earliestSource(cs []hub.Citation) *time.Time {
	var first *time.Time
	for _, c := range cs {
		if d := n.byID[c.SourceID]; d != nil && d.Document != nil && d.Document.Published != nil {
			if first == nil || d.Document.Published.Before(*first) {
				first = d.Document.Published
			}
		}
	}
	return first
}

// baseURL is the scheme and host the request came by.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// serveCrosswalk reads the network and answers with what build makes of
// it, as JSON of the content type.
func serveCrosswalk(store hub.Reader, logger *slog.Logger, contentType, filename string,
	build func(r *http.Request, n *crossNet) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		n, err := readNetwork(ctx, store)
		if err != nil {
			exportError(w, logger, err)
			return
		}
		doc, err := build(r, n)
		if err != nil {
			exportError(w, logger, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		if raw, ok := doc.([]byte); ok {
			w.Write(raw)
			return
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			logger.ErrorContext(ctx, "crosswalk export", "err", err)
		}
	})
}
