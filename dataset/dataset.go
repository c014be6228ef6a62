// Package dataset holds the OTE network dataset built from the seed
// documents (ote.json, embedded in the binary) and turns it into a domain
// batch. The file is written by hand, fact by fact, each with its source;
// see docs/data.md, "The dataset", for its format.
//
// The package owns that format both ways, for every network and not
// only the OTE one: ReadJSON and ReadCSV read a file or table into rows
// placed by file and line, WriteJSON and WriteCSV write a network so
// that it reads back as it was (docs/data.md, "Import and export").
package dataset

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/otehub/hub"
)

//go:embed ote.json
var oteJSON []byte

// Name identifies the dataset in logs.
const Name = "ote"

// The types below are the file's rows as written. The JSON reader and
// writer use them as they are; the CSV tables are another spelling of
// the same rows (see csv.go), converted by the same code.

type file struct {
	Meta          *Meta          `json:"meta,omitempty"`
	Sources       []source       `json:"sources"`
	Nodes         []node         `json:"nodes"`
	Relationships []relationship `json:"relationships"`
}

// Meta describes a dump of a hub's network (GET /export/dataset.json):
// readers take the rows and skip it, so a dump imports like any
// dataset file.
type Meta struct {
	// Title and Publisher name the dataset and who publishes it.
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	// License is the URL of the licence the data is published under.
	License string `json:"license,omitempty"`
	// Version names the state of the network dumped; an unchanged
	// network keeps it.
	Version string `json:"version"`
	// Modified is when a row was last written: the newest updatedAt.
	Modified time.Time `json:"modified"`
	// Nodes and Relationships count the rows (source documents are
	// nodes).
	Nodes         int `json:"nodes"`
	Relationships int `json:"relationships"`
}

type source struct {
	Key       string `json:"key"`
	File      string `json:"file,omitempty"`
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	Author    string `json:"author,omitempty"`
	Published string `json:"published,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Language  string `json:"language,omitempty"`
	URL       string `json:"url,omitempty"`
}

// citation names a source document by its key, or who stated the fact
// (statedBy); fields are the row's fields it supports (all when empty).
type citation struct {
	Source   string   `json:"source,omitempty"`
	StatedBy string   `json:"statedBy,omitempty"`
	Locator  string   `json:"locator,omitempty"`
	Quote    string   `json:"quote,omitempty"`
	Fields   []string `json:"fields,omitempty"`
}

// alternative is another value of a row's field, in the hub's JSON
// form of that field, with its sources.
type alternative struct {
	Field   string          `json:"field"`
	Value   json.RawMessage `json:"value"`
	Sources []citation      `json:"sources"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type node struct {
	Kind          string              `json:"kind"`
	Key           string              `json:"key"`
	Name          hub.LocalizedText   `json:"name"`
	Abbreviations []string            `json:"abbreviations,omitempty"`
	Aliases       []string            `json:"aliases,omitempty"`
	Description   hub.LocalizedText   `json:"description,omitzero"`
	Type          string              `json:"type,omitempty"`
	Code          string              `json:"code,omitempty"`
	Class         *hub.Classification `json:"classification,omitempty"`
	BusinessID    string              `json:"businessId,omitempty"`
	ExternalIDs   []hub.ExternalID    `json:"externalIds,omitempty"`
	Regions       []string            `json:"regions,omitempty"`
	Period        *period             `json:"period,omitempty"`
	Goals         []hub.LocalizedText `json:"goals,omitempty"`
	Title         string              `json:"title,omitempty"`
	Email         string              `json:"email,omitempty"`
	Phone         string              `json:"phone,omitempty"`
	Sources       []citation          `json:"sources,omitempty"`
	// Merged are the references of the nodes merged into this one,
	// which resolve to it.
	Merged       []string      `json:"merged,omitempty"`
	Alternatives []alternative `json:"alternatives,omitempty"`
}

type amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
}

type relationship struct {
	Type         string            `json:"type"`
	From         string            `json:"from"`
	To           string            `json:"to"`
	Key          string            `json:"key,omitempty"`
	Role         string            `json:"role,omitempty"`
	Amount       *amount           `json:"amount,omitempty"`
	Period       *period           `json:"period,omitempty"`
	Description  hub.LocalizedText `json:"description,omitzero"`
	Sources      []citation        `json:"sources,omitempty"`
	Alternatives []alternative     `json:"alternatives,omitempty"`
}

// kinds maps the file's kind names (the domain's reference names) to
// domain kinds.
var kinds = func() map[string]hub.Kind {
	m := make(map[string]hub.Kind, len(hub.Kinds))
	for _, k := range hub.Kinds {
		m[hub.RefName(k)] = k
	}
	return m
}()

// kindNames is kinds reversed: a domain kind's name in the file.
var kindNames = func() map[hub.Kind]string {
	m := make(map[hub.Kind]string, len(kinds))
	for name, k := range kinds {
		m[k] = name
	}
	return m
}()

// KindName returns the file's name of a kind ("organisation",
// "targetGroup", "source"...), or "" for an unknown kind.
func KindName(k hub.Kind) string { return kindNames[k] }

// Ref returns the file's reference to n: "kind/key", as relationships'
// from and to, regions and citations name nodes.
func Ref(n *hub.Node) string { return kindNames[n.Kind] + "/" + n.Key }

// Batch returns the OTE dataset as a domain batch (not yet prepared).
func Batch() (*hub.Batch, error) { return Parse(oteJSON) }

// Parse converts a dataset file to a batch. Unknown fields, unknown kinds
// and references that are not "kind/key" are errors, so that a typo in
// the file cannot silently drop a fact. The error names the first bad
// row; ReadJSON reports every one.
func Parse(data []byte) (*hub.Batch, error) {
	rows, err := ReadJSON("", data)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	b := &hub.Batch{}
	for _, r := range rows {
		switch {
		case r.Err != nil:
			return nil, fmt.Errorf("dataset: %w", r.Err)
		case r.Node != nil:
			b.Nodes = append(b.Nodes, r.Node)
		default:
			b.Relationships = append(b.Relationships, r.Relationship)
		}
	}
	return b, nil
}

// what names a row of the file in errors, as its author wrote it.
func (s *source) what() string { return "source/" + s.Key }
func (n *node) what() string   { return n.Kind + "/" + n.Key }
func (r *relationship) what() string {
	return hub.RelationshipKey(hub.RelationshipType(r.Type), r.From, r.To, r.Key)
}

// toNode converts a source of the file to a SourceDocument node.
func (s *source) toNode() (*hub.Node, error) {
	published, err := date(s.Published)
	if err != nil {
		return nil, err
	}
	return &hub.Node{
		Kind: hub.KindSourceDocument,
		Key:  s.Key,
		Name: hub.LocalizedText{FI: s.Title},
		Type: s.Kind,
		Document: &hub.Document{
			File: s.File, Publisher: s.Publisher, Author: s.Author,
			Published: published, Language: hub.Language(s.Language), URL: s.URL,
		},
	}, nil
}

// toNode converts a node of the file to a domain node.
func (n *node) toNode() (*hub.Node, error) {
	kind, ok := kinds[n.Kind]
	if !ok || kind == hub.KindSourceDocument {
		return nil, fmt.Errorf("unknown kind %q", n.Kind)
	}
	p, err := toPeriod(n.Period)
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, r := range n.Regions {
		id, err := ref(r)
		if err != nil {
			return nil, err
		}
		regions = append(regions, id)
	}
	cs, err := citations(n.Sources)
	if err != nil {
		return nil, err
	}
	var merged []string
	for _, m := range n.Merged {
		id, err := ref(m)
		if err != nil {
			return nil, err
		}
		merged = append(merged, id)
	}
	hn := &hub.Node{
		Kind: kind, Key: n.Key, Name: n.Name, Abbreviations: n.Abbreviations, Aliases: n.Aliases,
		Description: n.Description, Type: n.Type, Code: n.Code, BusinessID: n.BusinessID, ExternalIDs: n.ExternalIDs, RegionIDs: regions, Period: p,
		Goals: n.Goals, Title: n.Title, Sources: cs, MergedIDs: merged, Classification: n.Class,
	}
	if hn.Alternatives, err = alternatives(n.Alternatives); err != nil {
		return nil, err
	}
	if n.Email != "" || n.Phone != "" {
		hn.Contact = &hub.ContactDetails{Email: n.Email, Phone: n.Phone}
	}
	return hn, nil
}

// toRelationship converts a relationship of the file to a domain
// relationship, whose key composes its type, ends and own key.
func (r *relationship) toRelationship() (*hub.Relationship, error) {
	from, err := ref(r.From)
	if err != nil {
		return nil, err
	}
	to, err := ref(r.To)
	if err != nil {
		return nil, err
	}
	p, err := toPeriod(r.Period)
	if err != nil {
		return nil, err
	}
	cs, err := citations(r.Sources)
	if err != nil {
		return nil, err
	}
	hr := &hub.Relationship{
		Key: r.what(), Type: hub.RelationshipType(r.Type), FromID: from, ToID: to, Role: r.Role,
		Period: p, Description: r.Description, Sources: cs,
	}
	if r.Amount != nil {
		hr.Amount = &hub.Money{Minor: int64(math.Round(r.Amount.Value * 100)), Currency: r.Amount.Currency}
	}
	if hr.Alternatives, err = alternatives(r.Alternatives); err != nil {
		return nil, err
	}
	return hr, nil
}

// ref turns a "kind/key" reference into a node id.
// idRef is the reference of a node id, read from the id itself: a
// merged node's id names a node that is no longer stored.
func idRef(id string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	kind, key, ok := strings.Cut(string(raw), ":")
	name := kindNames[hub.Kind(kind)]
	if err != nil || !ok || name == "" || key == "" {
		return "", fmt.Errorf("%q is not a node id", id)
	}
	return name + "/" + key, nil
}

func ref(s string) (string, error) {
	k, key, ok := strings.Cut(s, "/")
	kind, known := kinds[k]
	if !ok || !known || key == "" {
		return "", fmt.Errorf("bad reference %q: want kind/key", s)
	}
	return hub.NodeID(kind, key), nil
}

func citations(cs []citation) ([]hub.Citation, error) {
	var out []hub.Citation
	for _, c := range cs {
		hc := hub.Citation{StatedBy: c.StatedBy, Locator: c.Locator, Quote: c.Quote, Fields: c.Fields}
		switch {
		case c.Source != "" && c.StatedBy != "":
			return nil, fmt.Errorf("a citation names a source and who stated it: one or the other")
		case c.Source != "":
			hc.SourceID = hub.NodeID(hub.KindSourceDocument, c.Source)
		case c.StatedBy == "":
			return nil, fmt.Errorf("a citation names no source")
		}
		out = append(out, hc)
	}
	return out, nil
}

func alternatives(as []alternative) ([]hub.Alternative, error) {
	var out []hub.Alternative
	for _, a := range as {
		cs, err := citations(a.Sources)
		if err != nil {
			return nil, fmt.Errorf("alternative %s: %w", a.Field, err)
		}
		out = append(out, hub.Alternative{Field: a.Field, Value: a.Value, Sources: cs})
	}
	return out, nil
}

func toPeriod(p *period) (*hub.Period, error) {
	if p == nil {
		return nil, nil
	}
	start, err := date(p.Start)
	if err != nil {
		return nil, err
	}
	end, err := date(p.End)
	if err != nil {
		return nil, err
	}
	return &hub.Period{Start: start, End: end}, nil
}

func date(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, fmt.Errorf("bad date %q: want YYYY-MM-DD", s)
	}
	return &t, nil
}

// SeedIfEmpty loads the dataset into s when s holds no nodes, and reports
// whether it did. Ids are derived from keys, so seeding twice would
// upsert the same rows rather than duplicate them.
func SeedIfEmpty(ctx context.Context, s hub.Network) (bool, error) {
	n, err := s.CountNodes(ctx, hub.NodeFilter{})
	if err != nil || n > 0 {
		return false, err
	}
	return true, Seed(ctx, s)
}

// Seed validates the dataset against s and writes it in one batch.
func Seed(ctx context.Context, s hub.Network) error {
	b, err := Batch()
	if err != nil {
		return err
	}
	if err := hub.Prepare(ctx, s, b, time.Now()); err != nil {
		return fmt.Errorf("dataset %s: %w", Name, err)
	}
	if err := hub.CheckEnds(ctx, s, b); err != nil {
		return fmt.Errorf("dataset %s: %w", Name, err)
	}
	b.Actor = "dataset " + Name
	return s.Apply(ctx, b)
}
