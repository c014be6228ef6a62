package hub

import (
	"slices"
	"time"
)

// RelationshipType is the type of a relationship (edge). Its string form
// is the GraphQL enum value.
type RelationshipType string

// The relationship types. Directions are "from → to".
const (
	Administers RelationshipType = "ADMINISTERS" // organisation → pilot or programme
	PartnerIn   RelationshipType = "PARTNER_IN"  // organisation → pilot
	// ProspectivePartnerIn links an actor a source names as one to be
	// gathered into a pilot's network (koottava): planned, not a
	// partner, so partner counts leave it out.
	ProspectivePartnerIn RelationshipType = "PROSPECTIVE_PARTNER_IN" // organisation → pilot
	Funds                RelationshipType = "FUNDS"                  // funder → pilot, with an amount
	Provides             RelationshipType = "PROVIDES"               // organisation or pilot → service
	Serves               RelationshipType = "SERVES"                 // service, pilot, event or employer → target group or recipient
	RefersTo             RelationshipType = "REFERS_TO"              // service or organisation → service or organisation
	Coordinates          RelationshipType = "COORDINATES"            // organisation → programme, pilot or event
	ExpertFor            RelationshipType = "EXPERT_FOR"             // organisation → pilot
	MemberOf             RelationshipType = "MEMBER_OF"              // organisation → network or group
	PartOf               RelationshipType = "PART_OF"                // the one structural parent of a node
	Employs              RelationshipType = "EMPLOYS"                // organisation → person (contact)
	SignatoryOf          RelationshipType = "SIGNATORY_OF"           // organisation or contact → agreement
	Leads                RelationshipType = "LEADS"                  // organisation or contact → programme or pilot
	Organises            RelationshipType = "ORGANISES"              // organisation or pilot → event or training
	ParticipatesIn       RelationshipType = "PARTICIPATES_IN"        // organisation, pilot or contact → event or training
	HasTheme             RelationshipType = "HAS_THEME"              // pilot, programme or service → theme
	ContactFor           RelationshipType = "CONTACT_FOR"            // contact → pilot or programme
	LocatedIn            RelationshipType = "LOCATED_IN"             // event, training, agreement or municipality → region
)

// RelationshipTypes lists every relationship type in a fixed order.
var RelationshipTypes = []RelationshipType{
	Administers, PartnerIn, ProspectivePartnerIn, Funds, Provides, Serves, RefersTo, Coordinates,
	ExpertFor, MemberOf, PartOf, Employs, SignatoryOf, Leads, Organises,
	ParticipatesIn, HasTheme, ContactFor, LocatedIn,
}

// Valid reports whether t is a known relationship type.
func (t RelationshipType) Valid() bool { return slices.Contains(RelationshipTypes, t) }

// Money is an amount in a currency, kept in minor units (cents) so that
// sums are exact.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// Relationship is a typed, directed edge with properties and provenance.
type Relationship struct {
	ID string `json:"id"`
	// Key is the stable external key (see RelationshipKey).
	Key    string           `json:"key"`
	Type   RelationshipType `json:"type"`
	FromID string           `json:"fromId"`
	ToID   string           `json:"toId"`
	// Role is the role of the from-node in the relationship, in the words
	// of the source (usually Finnish).
	Role        string        `json:"role,omitempty"`
	Amount      *Money        `json:"amount,omitempty"`
	Period      *Period       `json:"period,omitempty"`
	Description LocalizedText `json:"description,omitzero"`
	Sources     []Citation    `json:"sources,omitempty"`
	// Alternatives are other values of its fields that sources give.
	Alternatives []Alternative `json:"alternatives,omitempty"`

	// SortStart is the period start as YYYY-MM-DD, derived by Prepare.
	SortStart string `json:"sortStart"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version counts the row's stored writes: 1 when created, one more
	// on every write (set by Store.Apply). A follower of the change feed
	// never replaces a row with an older version.
	Version int64 `json:"version,omitempty"`
}

// Other returns the id of the end of r that is not id.
func (r *Relationship) Other(id string) string {
	if r.FromID == id {
		return r.ToID
	}
	return r.FromID
}

// Clone returns a deep copy of r.
func (r *Relationship) Clone() *Relationship {
	if r == nil {
		return nil
	}
	c := *r
	if r.Amount != nil {
		a := *r.Amount
		c.Amount = &a
	}
	c.Period = r.Period.clone()
	c.Sources = cloneCitations(r.Sources)
	c.Alternatives = cloneAlternatives(r.Alternatives)
	return &c
}
