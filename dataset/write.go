package dataset

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// maxWriteErrors bounds the rows named in the error of a write.
const maxWriteErrors = 20

// toFile converts a network to the rows of a dataset file: source
// documents by key, then nodes by kind (in hub.Kinds order) and key, then
// relationships by key. Every row is converted back and compared with
// the original (hub.NodeChanges, hub.RelationshipChanges): a fact the
// format cannot hold, a reference to a node that is not in nodes, or a
// relationship key that is not composed from its type and ends as
// hub.RelationshipKey composes it fails the conversion, naming the rows,
// so that a written file always reads back as the network it came from.
func toFile(nodes []*hub.Node, rels []*hub.Relationship) (*file, error) {
	byID := make(map[string]*hub.Node, len(nodes))
	for _, n := range nodes {
		byID[cmp.Or(n.ID, hub.NodeID(n.Kind, n.Key))] = n
	}
	refOf := func(id string) (string, error) {
		n, ok := byID[id]
		if !ok {
			return "", fmt.Errorf("refers to node %q, which is not written", id)
		}
		return Ref(n), nil
	}
	order := make(map[hub.Kind]int, len(hub.Kinds))
	for i, k := range hub.Kinds {
		order[k] = i
	}
	nodes = slices.SortedFunc(slices.Values(nodes), func(a, b *hub.Node) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), strings.Compare(a.Key, b.Key))
	})
	rels = slices.SortedFunc(slices.Values(rels), func(a, b *hub.Relationship) int { return strings.Compare(a.Key, b.Key) })

	f := &file{Sources: []source{}, Nodes: []node{}, Relationships: []relationship{}}
	var errs []error
	bad := func(what string, err error) {
		errs = append(errs, fmt.Errorf("%s: %w", what, err))
	}
	for _, n := range nodes {
		if n.Kind == hub.KindSourceDocument {
			s := fromSource(n)
			back, err := s.toNode()
			if err == nil {
				err = lost(hub.NodeChanges(n, back))
			}
			if err != nil {
				bad(Ref(n), err)
				continue
			}
			f.Sources = append(f.Sources, s)
			continue
		}
		fn, err := fromNode(n, refOf)
		var back *hub.Node
		if err == nil {
			back, err = fn.toNode()
		}
		if err == nil {
			err = lost(hub.NodeChanges(n, back))
		}
		if err != nil {
			bad(Ref(n), err)
			continue
		}
		f.Nodes = append(f.Nodes, fn)
	}
	for _, r := range rels {
		fr, err := fromRelationship(r, refOf)
		var back *hub.Relationship
		if err == nil {
			back, err = fr.toRelationship()
		}
		if err == nil {
			err = lost(hub.RelationshipChanges(r, back))
		}
		if err != nil {
			bad("relationship "+r.Key, err)
			continue
		}
		f.Relationships = append(f.Relationships, fr)
	}
	if len(errs) > 0 {
		n := len(errs)
		if n > maxWriteErrors {
			errs = append(errs[:maxWriteErrors], fmt.Errorf("and %d more", n-maxWriteErrors))
		}
		return nil, fmt.Errorf("%d rows cannot be written in the dataset format:\n%w", n, errors.Join(errs...))
	}
	return f, nil
}

// lost turns the facts that differ after a round trip into an error.
func lost(changes []hub.FieldChange) error {
	if len(changes) == 0 {
		return nil
	}
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Field
	}
	return fmt.Errorf("the dataset format cannot hold its %s as stored", strings.Join(names, ", "))
}

func fromSource(n *hub.Node) source {
	s := source{Key: n.Key, Title: n.Name.FI, Kind: n.Type}
	if d := n.Document; d != nil {
		s.File, s.Publisher, s.Author, s.Language, s.URL = d.File, d.Publisher, d.Author, string(d.Language), d.URL
		s.Published = day(d.Published)
	}
	return s
}

func fromNode(n *hub.Node, refOf func(string) (string, error)) (node, error) {
	fn := node{
		Kind: KindName(n.Kind), Key: n.Key, Name: n.Name, Abbreviations: n.Abbreviations, Aliases: n.Aliases,
		Description: n.Description, Type: n.Type, Code: n.Code, BusinessID: n.BusinessID, ExternalIDs: n.ExternalIDs, Period: fromPeriod(n.Period), Goals: n.Goals,
		Title: n.Title, Class: n.Classification,
	}
	if n.Contact != nil {
		fn.Email, fn.Phone = n.Contact.Email, n.Contact.Phone
	}
	for _, id := range n.RegionIDs {
		r, err := refOf(id)
		if err != nil {
			return node{}, err
		}
		fn.Regions = append(fn.Regions, r)
	}
	for _, id := range n.MergedIDs {
		r, err := idRef(id)
		if err != nil {
			return node{}, err
		}
		fn.Merged = append(fn.Merged, r)
	}
	var err error
	if fn.Sources, err = fromCitations(n.Sources, refOf); err != nil {
		return node{}, err
	}
	fn.Alternatives, err = fromAlternatives(n.Alternatives, refOf)
	return fn, err
}

func fromRelationship(r *hub.Relationship, refOf func(string) (string, error)) (relationship, error) {
	from, err := refOf(r.FromID)
	if err != nil {
		return relationship{}, err
	}
	to, err := refOf(r.ToID)
	if err != nil {
		return relationship{}, err
	}
	fr := relationship{
		Type: string(r.Type), From: from, To: to, Role: r.Role, Period: fromPeriod(r.Period),
		Description: r.Description,
	}
	// The key is the type and ends, then the file's own key when there
	// is one.
	prefix := hub.RelationshipKey(r.Type, from, to, "")
	switch rest, ok := strings.CutPrefix(r.Key, prefix); {
	case ok && rest == "":
	case ok && strings.HasPrefix(rest, ":") && len(rest) > 1:
		fr.Key = rest[1:]
	default:
		return relationship{}, fmt.Errorf("its key is not %s[:key], so it cannot be written as from, to and key", prefix)
	}
	if r.Amount != nil {
		fr.Amount = &amount{Value: float64(r.Amount.Minor) / 100, Currency: r.Amount.Currency}
	}
	if fr.Sources, err = fromCitations(r.Sources, refOf); err != nil {
		return relationship{}, err
	}
	fr.Alternatives, err = fromAlternatives(r.Alternatives, refOf)
	return fr, err
}

func fromAlternatives(as []hub.Alternative, refOf func(string) (string, error)) ([]alternative, error) {
	var out []alternative
	for _, a := range as {
		cs, err := fromCitations(a.Sources, refOf)
		if err != nil {
			return nil, err
		}
		out = append(out, alternative{Field: a.Field, Value: a.Value, Sources: cs})
	}
	return out, nil
}

func fromCitations(cs []hub.Citation, refOf func(string) (string, error)) ([]citation, error) {
	var out []citation
	for _, c := range cs {
		if c.SourceID == "" {
			out = append(out, citation{StatedBy: c.StatedBy, Locator: c.Locator, Quote: c.Quote, Fields: c.Fields})
			continue
		}
		r, err := refOf(c.SourceID)
		if err != nil {
			return nil, err
		}
		kind, key, _ := strings.Cut(r, "/")
		if kind != KindName(hub.KindSourceDocument) {
			return nil, fmt.Errorf("cites %s, which is not a source document", r)
		}
		out = append(out, citation{Source: key, Locator: c.Locator, Quote: c.Quote, Fields: c.Fields})
	}
	return out, nil
}

func fromPeriod(p *hub.Period) *period {
	if p == nil {
		return nil
	}
	return &period{Start: day(p.Start), End: day(p.End)}
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// WriteJSON writes a network as a dataset file in JSON, the format of
// ote.json that ReadJSON and Parse read: source documents, nodes and
// relationships in a fixed order (see toFile), indented, UTF-8. It
// writes nothing and fails, naming the rows, when a row cannot be
// written so that it reads back as it is: nodes must hold every node
// that relationships, regions and citations refer to.
func WriteJSON(w io.Writer, nodes []*hub.Node, rels []*hub.Relationship) error {
	return WriteDump(w, nodes, rels, nil)
}

// WriteDump is WriteJSON with the dump's description first (none when
// meta is nil).
func WriteDump(w io.Writer, nodes []*hub.Node, rels []*hub.Relationship, meta *Meta) error {
	f, err := toFile(nodes, rels)
	if err != nil {
		return err
	}
	f.Meta = meta
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}
