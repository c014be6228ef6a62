package mongodb

import (
	"encoding/json"
	"time"

	"github.com/otehub/hub"
)

// The documents this backend stores. Their field names and omitempty
// rules are a stored format: databases written by earlier versions, when
// the domain types carried bson tags, hold the same ones and load
// unchanged. Rename nothing here without migrating the collections.
//
// The conversions share slices and time pointers with their input rather
// than copying them: a document made for a write is marshalled and
// dropped within Apply, and a decoded document is dropped once converted,
// so neither side outlives the call that holds both.

// nodeDoc is a document of the nodes collection.
type nodeDoc struct {
	ID            string           `bson:"_id"`
	Kind          string           `bson:"kind"`
	Key           string           `bson:"key"`
	Name          localizedTextDoc `bson:"name"`
	Abbreviations []string         `bson:"abbreviations,omitempty"`
	Aliases       []string         `bson:"aliases,omitempty"`
	Description   localizedTextDoc `bson:"description,omitempty"`
	Type          string           `bson:"type,omitempty"`
	Code          string           `bson:"code,omitempty"`
	Class         *classDoc        `bson:"classification,omitempty"`
	BusinessID    string           `bson:"businessId,omitempty"`
	// BusinessKey is Kind:BusinessID when there is a business ID, for
	// the unique index businessKey.
	BusinessKey string          `bson:"businessKey,omitempty"`
	ExternalIDs []externalIDDoc `bson:"externalIds,omitempty"`
	// ExternalKeys are the node's hub.ExternalKeys, for the unique
	// index externalKeys.
	ExternalKeys []string           `bson:"externalKeys,omitempty"`
	RegionIDs    []string           `bson:"regionIds,omitempty"`
	Period       *periodDoc         `bson:"period,omitempty"`
	Goals        []localizedTextDoc `bson:"goals,omitempty"`
	Title        string             `bson:"title,omitempty"`
	Contact      *contactDoc        `bson:"contact,omitempty"`
	Document     *documentDoc       `bson:"document,omitempty"`
	Sources      []citationDoc      `bson:"sources,omitempty"`
	Alternatives []alternativeDoc   `bson:"alternatives,omitempty"`
	SearchTerms  []string           `bson:"searchTerms,omitempty"`
	MergedIDs    []string           `bson:"mergedIds,omitempty"`
	SortName     string             `bson:"sortName"`
	SortStart    string             `bson:"sortStart"`
	CreatedAt    time.Time          `bson:"createdAt"`
	UpdatedAt    time.Time          `bson:"updatedAt"`
	Version      int64              `bson:"version"`
}

// externalIDDoc is a node's id in another register.
type externalIDDoc struct {
	Scheme string `bson:"scheme"`
	ID     string `bson:"id"`
}

func newExternalIDDoc(e hub.ExternalID) externalIDDoc {
	return externalIDDoc{Scheme: e.Scheme, ID: e.ID}
}

func (d externalIDDoc) externalID() hub.ExternalID { return hub.ExternalID{Scheme: d.Scheme, ID: d.ID} }

// classDoc is the classification a region's code comes from.
type classDoc struct {
	Scheme string `bson:"scheme"`
	Year   int    `bson:"year"`
	URL    string `bson:"url,omitempty"`
}

// relationshipDoc is a document of the relationships collection.
type relationshipDoc struct {
	ID           string           `bson:"_id"`
	Key          string           `bson:"key"`
	Type         string           `bson:"type"`
	FromID       string           `bson:"fromId"`
	ToID         string           `bson:"toId"`
	Role         string           `bson:"role,omitempty"`
	Amount       *moneyDoc        `bson:"amount,omitempty"`
	Period       *periodDoc       `bson:"period,omitempty"`
	Description  localizedTextDoc `bson:"description,omitempty"`
	Sources      []citationDoc    `bson:"sources,omitempty"`
	Alternatives []alternativeDoc `bson:"alternatives,omitempty"`
	SortStart    string           `bson:"sortStart"`
	CreatedAt    time.Time        `bson:"createdAt"`
	UpdatedAt    time.Time        `bson:"updatedAt"`
	Version      int64            `bson:"version"`
}

type localizedTextDoc struct {
	FI string `bson:"fi,omitempty"`
	SV string `bson:"sv,omitempty"`
	EN string `bson:"en,omitempty"`
}

// IsZero makes omitempty drop a description with no text, as it did
// when the driver saw hub.LocalizedText's IsZero.
func (t localizedTextDoc) IsZero() bool { return t == localizedTextDoc{} }

type periodDoc struct {
	Start *time.Time `bson:"start,omitempty"`
	End   *time.Time `bson:"end,omitempty"`
}

type citationDoc struct {
	SourceID string   `bson:"sourceId,omitempty"`
	StatedBy string   `bson:"statedBy,omitempty"`
	Locator  string   `bson:"locator,omitempty"`
	Quote    string   `bson:"quote,omitempty"`
	Fields   []string `bson:"fields,omitempty"`
}

// alternativeDoc keeps an alternative's value as the JSON text the hub
// compares it in.
type alternativeDoc struct {
	Field   string        `bson:"field"`
	Value   string        `bson:"value"`
	Sources []citationDoc `bson:"sources,omitempty"`
}

func newAlternativeDoc(a hub.Alternative) alternativeDoc {
	return alternativeDoc{Field: a.Field, Value: string(a.Value), Sources: mapSlice(a.Sources, newCitationDoc)}
}

func (a alternativeDoc) alternative() hub.Alternative {
	return hub.Alternative{Field: a.Field, Value: json.RawMessage(a.Value), Sources: mapSlice(a.Sources, citationDoc.citation)}
}

type contactDoc struct {
	Email string `bson:"email,omitempty"`
	Phone string `bson:"phone,omitempty"`
}

// documentDoc is the bibliographic data of a SourceDocument node.
type documentDoc struct {
	File      string     `bson:"file,omitempty"`
	Publisher string     `bson:"publisher,omitempty"`
	Author    string     `bson:"author,omitempty"`
	Published *time.Time `bson:"published,omitempty"`
	Language  string     `bson:"language,omitempty"`
	URL       string     `bson:"url,omitempty"`
}

type moneyDoc struct {
	Minor    int64  `bson:"minor"`
	Currency string `bson:"currency"`
}

func newNodeDoc(n *hub.Node) *nodeDoc {
	d := &nodeDoc{
		ID:            n.ID,
		Kind:          string(n.Kind),
		Key:           n.Key,
		Name:          newLocalizedTextDoc(n.Name),
		Abbreviations: n.Abbreviations,
		Aliases:       n.Aliases,
		Description:   newLocalizedTextDoc(n.Description),
		Type:          n.Type,
		Code:          n.Code,
		BusinessID:    n.BusinessID,
		BusinessKey:   hub.BusinessKey(n),
		ExternalIDs:   mapSlice(n.ExternalIDs, newExternalIDDoc),
		ExternalKeys:  externalKeys(n),
		RegionIDs:     n.RegionIDs,
		Period:        newPeriodDoc(n.Period),
		Goals:         mapSlice(n.Goals, newLocalizedTextDoc),
		Title:         n.Title,
		Sources:       mapSlice(n.Sources, newCitationDoc),
		Alternatives:  mapSlice(n.Alternatives, newAlternativeDoc),
		SearchTerms:   n.SearchTerms,
		MergedIDs:     n.MergedIDs,
		SortName:      n.SortName,
		SortStart:     n.SortStart,
		CreatedAt:     n.CreatedAt,
		UpdatedAt:     n.UpdatedAt,
		Version:       n.Version,
	}
	if c := n.Classification; c != nil {
		d.Class = &classDoc{Scheme: c.Scheme, Year: c.Year, URL: c.URL}
	}
	if c := n.Contact; c != nil {
		d.Contact = &contactDoc{Email: c.Email, Phone: c.Phone}
	}
	if doc := n.Document; doc != nil {
		d.Document = &documentDoc{
			File:      doc.File,
			Publisher: doc.Publisher,
			Author:    doc.Author,
			Published: doc.Published,
			Language:  string(doc.Language),
			URL:       doc.URL,
		}
	}
	return d
}

// node converts d to the domain type.
func (d *nodeDoc) node() *hub.Node {
	n := &hub.Node{
		ID:            d.ID,
		Kind:          hub.Kind(d.Kind),
		Key:           d.Key,
		Name:          d.Name.text(),
		Abbreviations: d.Abbreviations,
		Aliases:       d.Aliases,
		Description:   d.Description.text(),
		Type:          d.Type,
		Code:          d.Code,
		BusinessID:    d.BusinessID,
		ExternalIDs:   mapSlice(d.ExternalIDs, externalIDDoc.externalID),
		RegionIDs:     d.RegionIDs,
		Period:        d.Period.period(),
		Goals:         mapSlice(d.Goals, localizedTextDoc.text),
		Title:         d.Title,
		Sources:       mapSlice(d.Sources, citationDoc.citation),
		Alternatives:  mapSlice(d.Alternatives, alternativeDoc.alternative),
		SearchTerms:   d.SearchTerms,
		MergedIDs:     d.MergedIDs,
		SortName:      d.SortName,
		SortStart:     d.SortStart,
		CreatedAt:     d.CreatedAt,
		UpdatedAt:     d.UpdatedAt,
		Version:       d.Version,
	}
	if c := d.Class; c != nil {
		n.Classification = &hub.Classification{Scheme: c.Scheme, Year: c.Year, URL: c.URL}
	}
	if c := d.Contact; c != nil {
		n.Contact = &hub.ContactDetails{Email: c.Email, Phone: c.Phone}
	}
	if doc := d.Document; doc != nil {
		n.Document = &hub.Document{
			File:      doc.File,
			Publisher: doc.Publisher,
			Author:    doc.Author,
			Published: doc.Published,
			Language:  hub.Language(doc.Language),
			URL:       doc.URL,
		}
	}
	return n
}

// stamp gives upsert the row's id and the fields it keeps or counts.

func newRelationshipDoc(r *hub.Relationship) *relationshipDoc {
	d := &relationshipDoc{
		ID:           r.ID,
		Key:          r.Key,
		Type:         string(r.Type),
		FromID:       r.FromID,
		ToID:         r.ToID,
		Role:         r.Role,
		Period:       newPeriodDoc(r.Period),
		Description:  newLocalizedTextDoc(r.Description),
		Sources:      mapSlice(r.Sources, newCitationDoc),
		Alternatives: mapSlice(r.Alternatives, newAlternativeDoc),
		SortStart:    r.SortStart,
		CreatedAt:    r.CreatedAt,
		UpdatedAt:    r.UpdatedAt,
		Version:      r.Version,
	}
	if m := r.Amount; m != nil {
		d.Amount = &moneyDoc{Minor: m.Minor, Currency: m.Currency}
	}
	return d
}

// relationship converts d to the domain type.
func (d *relationshipDoc) relationship() *hub.Relationship {
	r := &hub.Relationship{
		ID:           d.ID,
		Key:          d.Key,
		Type:         hub.RelationshipType(d.Type),
		FromID:       d.FromID,
		ToID:         d.ToID,
		Role:         d.Role,
		Period:       d.Period.period(),
		Description:  d.Description.text(),
		Sources:      mapSlice(d.Sources, citationDoc.citation),
		Alternatives: mapSlice(d.Alternatives, alternativeDoc.alternative),
		SortStart:    d.SortStart,
		CreatedAt:    d.CreatedAt,
		UpdatedAt:    d.UpdatedAt,
		Version:      d.Version,
	}
	if m := d.Amount; m != nil {
		r.Amount = &hub.Money{Minor: m.Minor, Currency: m.Currency}
	}
	return r
}

// stamp gives upsert the row's id and the fields it keeps or counts.

func newLocalizedTextDoc(t hub.LocalizedText) localizedTextDoc {
	return localizedTextDoc{FI: t.FI, SV: t.SV, EN: t.EN}
}

func (t localizedTextDoc) text() hub.LocalizedText {
	return hub.LocalizedText{FI: t.FI, SV: t.SV, EN: t.EN}
}

func newPeriodDoc(p *hub.Period) *periodDoc {
	if p == nil {
		return nil
	}
	return &periodDoc{Start: p.Start, End: p.End}
}

func (p *periodDoc) period() *hub.Period {
	if p == nil {
		return nil
	}
	return &hub.Period{Start: p.Start, End: p.End}
}

func newCitationDoc(c hub.Citation) citationDoc {
	return citationDoc{SourceID: c.SourceID, StatedBy: c.StatedBy, Locator: c.Locator, Quote: c.Quote, Fields: c.Fields}
}

func (c citationDoc) citation() hub.Citation {
	return hub.Citation{SourceID: c.SourceID, StatedBy: c.StatedBy, Locator: c.Locator, Quote: c.Quote, Fields: c.Fields}
}

// mapSlice converts each element, keeping nil as nil.
func mapSlice[S, T any](s []S, f func(S) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// revisionDoc is a revision in the history collection. Field values are
// kept as the JSON text the hub compares them in, so that the history
// reads back exactly what was recorded.
type revisionDoc struct {
	ID         string           `bson:"_id"`
	RowID      string           `bson:"rowId"`
	Row        string           `bson:"row"`
	Version    int64            `bson:"version"`
	Op         string           `bson:"op"`
	At         time.Time        `bson:"at"`
	Actor      string           `bson:"actor,omitempty"`
	Sources    []citationDoc    `bson:"sources,omitempty"`
	Changes    []fieldChangeDoc `bson:"changes,omitempty"`
	MergedInto string           `bson:"mergedInto,omitempty"`
}

type fieldChangeDoc struct {
	Field  string `bson:"field"`
	Before string `bson:"before,omitempty"`
	After  string `bson:"after,omitempty"`
}

func newRevisionDoc(r *hub.Revision) *revisionDoc {
	return &revisionDoc{
		ID: hub.HistoryKey(r.ID, r.Version), RowID: r.ID, Row: r.Row, Version: r.Version, Op: string(r.Op),
		At: r.At, Actor: r.Actor, Sources: mapSlice(r.Sources, newCitationDoc), MergedInto: r.MergedInto,
		Changes: mapSlice(r.Changes, func(c hub.FieldChange) fieldChangeDoc {
			return fieldChangeDoc{Field: c.Field, Before: string(c.Before), After: string(c.After)}
		}),
	}
}

func (d *revisionDoc) revision() *hub.Revision {
	raw := func(s string) json.RawMessage {
		if s == "" {
			return nil
		}
		return json.RawMessage(s)
	}
	return &hub.Revision{
		ID: d.RowID, Row: d.Row, Version: d.Version, Op: hub.RevisionOp(d.Op), At: d.At.UTC(), Actor: d.Actor, MergedInto: d.MergedInto,
		Sources: mapSlice(d.Sources, citationDoc.citation),
		Changes: mapSlice(d.Changes, func(c fieldChangeDoc) hub.FieldChange {
			return hub.FieldChange{Field: c.Field, Before: raw(c.Before), After: raw(c.After)}
		}),
	}
}

// externalKeys is hub.ExternalKeys, nil when there are none, so that the
// field is left out and the sparse index leaves the node out.
func externalKeys(n *hub.Node) []string {
	if len(n.ExternalIDs) == 0 {
		return nil
	}
	return hub.ExternalKeys(n)
}
