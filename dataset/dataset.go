// Package dataset holds the OTE network dataset built from the seed
// documents (ote.json, embedded in the binary) and turns it into a domain
// batch. The file is written by hand, fact by fact, each with its source;
// see the README's "Dataset" section for its format.
package dataset

import (
	"bytes"
	"context"
	_ "embed"
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

type file struct {
	Sources       []source       `json:"sources"`
	Nodes         []node         `json:"nodes"`
	Relationships []relationship `json:"relationships"`
}

type source struct {
	Key       string `json:"key"`
	File      string `json:"file"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Author    string `json:"author"`
	Published string `json:"published"`
	Kind      string `json:"kind"`
	Language  string `json:"language"`
	URL       string `json:"url"`
}

type citation struct {
	Source  string `json:"source"`
	Locator string `json:"locator"`
	Quote   string `json:"quote"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type node struct {
	Kind          string              `json:"kind"`
	Key           string              `json:"key"`
	Name          hub.LocalizedText   `json:"name"`
	Abbreviations []string            `json:"abbreviations"`
	Aliases       []string            `json:"aliases"`
	Description   hub.LocalizedText   `json:"description"`
	Type          string              `json:"type"`
	Code          string              `json:"code"`
	Regions       []string            `json:"regions"`
	Period        *period             `json:"period"`
	Goals         []hub.LocalizedText `json:"goals"`
	Title         string              `json:"title"`
	Email         string              `json:"email"`
	Phone         string              `json:"phone"`
	Sources       []citation          `json:"sources"`
}

type relationship struct {
	Type   string `json:"type"`
	From   string `json:"from"`
	To     string `json:"to"`
	Key    string `json:"key"`
	Role   string `json:"role"`
	Amount *struct {
		Value    float64 `json:"value"`
		Currency string  `json:"currency"`
	} `json:"amount"`
	Period      *period           `json:"period"`
	Description hub.LocalizedText `json:"description"`
	Sources     []citation        `json:"sources"`
}

// kinds maps the file's kind names to domain kinds.
var kinds = map[string]hub.Kind{
	"organisation": hub.KindOrganisation,
	"employer":     hub.KindEmployer,
	"programme":    hub.KindProgramme,
	"pilot":        hub.KindPilot,
	"service":      hub.KindService,
	"region":       hub.KindRegion,
	"targetGroup":  hub.KindTargetGroup,
	"theme":        hub.KindTheme,
	"agreement":    hub.KindAgreement,
	"event":        hub.KindEvent,
	"training":     hub.KindTraining,
	"contact":      hub.KindContact,
	"source":       hub.KindSourceDocument,
}

// Batch returns the OTE dataset as a domain batch (not yet prepared).
func Batch() (*hub.Batch, error) { return Parse(oteJSON) }

// Parse converts a dataset file to a batch. Unknown fields, unknown kinds
// and references that are not "kind/key" are errors, so that a typo in
// the file cannot silently drop a fact.
func Parse(data []byte) (*hub.Batch, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	b := &hub.Batch{}
	for _, s := range f.Sources {
		published, err := date(s.Published)
		if err != nil {
			return nil, fmt.Errorf("dataset: source %s: %w", s.Key, err)
		}
		b.Nodes = append(b.Nodes, &hub.Node{
			Kind: hub.KindSourceDocument,
			Key:  s.Key,
			Name: hub.LocalizedText{FI: s.Title},
			Type: s.Kind,
			Document: &hub.Document{
				File: s.File, Publisher: s.Publisher, Author: s.Author,
				Published: published, Language: hub.Language(s.Language), URL: s.URL,
			},
		})
	}
	for _, n := range f.Nodes {
		kind, ok := kinds[n.Kind]
		if !ok || kind == hub.KindSourceDocument {
			return nil, fmt.Errorf("dataset: node %s: unknown kind %q", n.Key, n.Kind)
		}
		what := n.Kind + "/" + n.Key
		p, err := toPeriod(n.Period)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: %w", what, err)
		}
		regions := make([]string, len(n.Regions))
		for i, r := range n.Regions {
			if regions[i], err = ref(r); err != nil {
				return nil, fmt.Errorf("dataset: %s: %w", what, err)
			}
		}
		hn := &hub.Node{
			Kind: kind, Key: n.Key, Name: n.Name, Abbreviations: n.Abbreviations, Aliases: n.Aliases,
			Description: n.Description, Type: n.Type, Code: n.Code, RegionIDs: regions, Period: p,
			Goals: n.Goals, Title: n.Title, Sources: citations(n.Sources),
		}
		if n.Email != "" || n.Phone != "" {
			hn.Contact = &hub.ContactDetails{Email: n.Email, Phone: n.Phone}
		}
		b.Nodes = append(b.Nodes, hn)
	}
	for _, r := range f.Relationships {
		key := hub.RelationshipKey(hub.RelationshipType(r.Type), r.From, r.To, r.Key)
		from, err := ref(r.From)
		if err != nil {
			return nil, fmt.Errorf("dataset: relationship %s: %w", key, err)
		}
		to, err := ref(r.To)
		if err != nil {
			return nil, fmt.Errorf("dataset: relationship %s: %w", key, err)
		}
		p, err := toPeriod(r.Period)
		if err != nil {
			return nil, fmt.Errorf("dataset: relationship %s: %w", key, err)
		}
		hr := &hub.Relationship{
			Key: key, Type: hub.RelationshipType(r.Type), FromID: from, ToID: to, Role: r.Role,
			Period: p, Description: r.Description, Sources: citations(r.Sources),
		}
		if r.Amount != nil {
			hr.Amount = &hub.Money{Minor: int64(math.Round(r.Amount.Value * 100)), Currency: r.Amount.Currency}
		}
		b.Relationships = append(b.Relationships, hr)
	}
	return b, nil
}

// ref turns a "kind/key" reference into a node id.
func ref(s string) (string, error) {
	k, key, ok := strings.Cut(s, "/")
	kind, known := kinds[k]
	if !ok || !known || key == "" {
		return "", fmt.Errorf("bad reference %q: want kind/key", s)
	}
	return hub.NodeID(kind, key), nil
}

func citations(cs []citation) []hub.Citation {
	out := make([]hub.Citation, len(cs))
	for i, c := range cs {
		out[i] = hub.Citation{SourceID: hub.NodeID(hub.KindSourceDocument, c.Source), Locator: c.Locator, Quote: c.Quote}
	}
	return out
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
