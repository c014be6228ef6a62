package model

import (
	"time"

	"github.com/otehub/hub"
)

// Relationship is a view of a domain relationship.
type Relationship struct {
	r  *hub.Relationship
	rq *Request
}

// NewRelationship views r.
func NewRelationship(rq *Request, r *hub.Relationship) *Relationship { return &Relationship{r, rq} }

// IsNode marks Relationship as a GraphQL Node.
func (Relationship) IsNode() {}

// ID is the global id.
func (r *Relationship) ID() string { return r.r.ID }

// Key is the external key.
func (r *Relationship) Key() string { return r.r.Key }

// Type is the relationship type.
func (r *Relationship) Type() RelationshipType { return RelationshipType(r.r.Type) }

// From is the source end.
func (r *Relationship) From() (Entity, error) { return loadEntity(r.rq, r.r.FromID) }

// To is the target end.
func (r *Relationship) To() (Entity, error) { return loadEntity(r.rq, r.r.ToID) }

// Role of the source end.
func (r *Relationship) Role() *string { return r.rq.optionalText(r.r.Role) }

// Amount of a FUNDS relationship.
func (r *Relationship) Amount() *Money { return money(r.r.Amount) }

// Period of the relationship.
func (r *Relationship) Period() *hub.Period { return r.r.Period }

// Description in language, with fallback.
func (r *Relationship) Description(language *Language) *string {
	return r.rq.optionalText(r.r.Description.In(r.rq.language(language)))
}

// Sources of the relationship.
func (r *Relationship) Sources() []*Citation { return citations(r.rq, r.r.Sources) }

// Money is an amount in a currency.
type Money struct {
	Amount   float64
	Currency string
}

func money(m *hub.Money) *Money {
	if m == nil {
		return nil
	}
	// Minor units are cents for every currency the hub holds (EUR).
	return &Money{Amount: float64(m.Minor) / 100, Currency: m.Currency}
}

// Funding is a FUNDS relationship seen from its recipient.
type Funding struct {
	r  *hub.Relationship
	rq *Request
}

// Amount in major units.
func (f *Funding) Amount() float64 { return money(f.r.Amount).Amount }

// Currency code.
func (f *Funding) Currency() string { return f.r.Amount.Currency }

// Funder grants the money.
func (f *Funding) Funder() (Entity, error) { return loadEntity(f.rq, f.r.FromID) }

// Recipient receives it.
func (f *Funding) Recipient() (Entity, error) { return loadEntity(f.rq, f.r.ToID) }

// Period the money covers.
func (f *Funding) Period() *hub.Period { return f.r.Period }

// Relationship is the FUNDS relationship.
func (f *Funding) Relationship() *Relationship { return &Relationship{f.r, f.rq} }

// Sources of the figure.
func (f *Funding) Sources() []*Citation { return citations(f.rq, f.r.Sources) }

// Citation is a view of a domain citation.
type Citation struct {
	c  hub.Citation
	rq *Request
}

// Document is the cited source document.
func (c *Citation) Document() (*SourceDocument, error) {
	if c.c.SourceID == "" {
		return nil, nil // a statement
	}
	n, err := c.rq.node(c.c.SourceID)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, hub.Errorf(hub.EINTERNAL, "citation of missing document %s", c.c.SourceID)
	}
	return &SourceDocument{n, c.rq}, nil
}

// StatedBy names who stated the fact, for a statement.
func (c *Citation) StatedBy() *string { return optional(c.c.StatedBy) }

// Fields are the fields the citation supports; never nil.
func (c *Citation) Fields() []string {
	if c.c.Fields == nil {
		return []string{}
	}
	return c.c.Fields
}

// Locator is the place in the document.
func (c *Citation) Locator() *string { return c.rq.optionalText(c.c.Locator) }

// Quote is the supporting excerpt.
func (c *Citation) Quote() *string { return c.rq.optionalText(c.c.Quote) }

func citations(rq *Request, cs []hub.Citation) []*Citation {
	out := make([]*Citation, len(cs))
	for i, c := range cs {
		out[i] = &Citation{c, rq}
	}
	return out
}

// LocalizedText is a view of a domain localized text.
type LocalizedText struct{ t hub.LocalizedText }

// Fi is the Finnish text or null.
func (t *LocalizedText) Fi() *string { return optional(t.t.FI) }

// Sv is the Swedish text or null.
func (t *LocalizedText) Sv() *string { return optional(t.t.SV) }

// En is the English text or null.
func (t *LocalizedText) En() *string { return optional(t.t.EN) }

// Version is how many writes the relationship has had.
func (r *Relationship) Version() int { return int(r.r.Version) }

// UpdatedAt is when the relationship was last written.
func (r *Relationship) UpdatedAt() time.Time { return r.r.UpdatedAt }
