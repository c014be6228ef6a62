package hub

import (
	"encoding/json"
	"slices"
	"time"
)

// Kind is the kind of a node. Its string form is the GraphQL type name.
type Kind string

// The node kinds of the network.
const (
	KindOrganisation   Kind = "Organisation"
	KindEmployer       Kind = "Employer"
	KindProgramme      Kind = "Programme"
	KindPilot          Kind = "Pilot"
	KindService        Kind = "Service"
	KindRegion         Kind = "Region"
	KindTargetGroup    Kind = "TargetGroup"
	KindTheme          Kind = "Theme"
	KindAgreement      Kind = "Agreement"
	KindEvent          Kind = "Event"
	KindTraining       Kind = "Training"
	KindContact        Kind = "Contact"
	KindSourceDocument Kind = "SourceDocument"
)

// Kinds lists every node kind in a fixed order.
var Kinds = []Kind{
	KindOrganisation, KindEmployer, KindProgramme, KindPilot, KindService,
	KindRegion, KindTargetGroup, KindTheme, KindAgreement, KindEvent,
	KindTraining, KindContact, KindSourceDocument,
}

// EntityKinds are the kinds of the network's entities: every kind but
// SourceDocument, which the entities cite.
var EntityKinds = Kinds[: len(Kinds)-1 : len(Kinds)-1]

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// nodeTypes lists the allowed values of Node.Type per kind. A kind that is
// absent has no subtype and its nodes must leave Type empty.
var nodeTypes = map[Kind][]string{
	KindOrganisation: OrganisationTypes,
	KindEmployer:     OrganisationTypes,
	KindProgramme:    {"PROGRAMME", "SUB_PROJECT"},
	KindPilot:        {"PILOT"},
	KindService:      {"SERVICE", "METHOD", "OPERATING_MODEL"},
	KindRegion:       {"REGION", "MUNICIPALITY", "WELLBEING_SERVICES_COUNTY"},
	KindEvent:        {"SEMINAR", "WEBINAR", "VISIT", "MEETING", "TOUR"},
	KindSourceDocument: {
		"BLOG_POST", "PRESS_RELEASE", "PRESENTATION", "AGREEMENT", "WEB_PAGE", "REFERENCE_DATA",
	},
}

// OrganisationTypes are the types of organisations and employers.
var OrganisationTypes = []string{
	"MINISTRY", "GOVERNMENT_AGENCY", "MUNICIPALITY", "JOINT_MUNICIPAL_AUTHORITY",
	"WELLBEING_DISTRICT", "REGIONAL_COUNCIL", "EMPLOYMENT_OFFICE",
	"EDUCATIONAL_INSTITUTION", "ASSOCIATION", "FOUNDATION", "COMPANY",
	"COOPERATIVE", "RESEARCH_INSTITUTE", "OTHER",
}

// NodeTypes returns the allowed types of a kind (nil when it has none).
func NodeTypes(k Kind) []string { return nodeTypes[k] }

// Language is a content language of the hub.
type Language string

// Supported languages, in the fallback order used when a translation is
// missing: Finnish is the language of the sources, then Swedish (the other
// national language), then English.
const (
	Finnish Language = "fi"
	Swedish Language = "sv"
	English Language = "en"
)

// Languages is the fallback order of the content languages.
var Languages = []Language{Finnish, Swedish, English}

// LocalizedText is a text in up to three languages.
type LocalizedText struct {
	FI string `json:"fi,omitempty"`
	SV string `json:"sv,omitempty"`
	EN string `json:"en,omitempty"`
}

// Get returns the text in lang, or "" when that translation is missing.
func (t LocalizedText) Get(lang Language) string {
	switch lang {
	case Finnish:
		return t.FI
	case Swedish:
		return t.SV
	case English:
		return t.EN
	}
	return ""
}

// In returns the text in lang, falling back first to the other languages
// in the order of Languages. It returns "" only when the text is empty.
func (t LocalizedText) In(lang Language) string {
	if s := t.Get(lang); s != "" {
		return s
	}
	for _, l := range Languages {
		if s := t.Get(l); s != "" {
			return s
		}
	}
	return ""
}

// IsZero reports whether no language has a text.
func (t LocalizedText) IsZero() bool { return t.FI == "" && t.SV == "" && t.EN == "" }

// All returns the non-empty texts in fallback order.
func (t LocalizedText) All() []string {
	var out []string
	for _, l := range Languages {
		if s := t.Get(l); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Period is a span of days. Either end may be unknown (nil); both are
// inclusive and stored as UTC midnight.
type Period struct {
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
}

// Contains reports whether day lies inside the period; unknown ends are
// open.
func (p *Period) Contains(t time.Time) bool {
	if p == nil {
		return true
	}
	day := utcDay(t)
	if p.Start != nil && day.Before(*p.Start) {
		return false
	}
	if p.End != nil && day.After(*p.End) {
		return false
	}
	return true
}

// Citation says where a fact comes from: a source document and a place in
// it, or the caller who stated it.
type Citation struct {
	// SourceID is the id of the SourceDocument node; empty for a
	// statement.
	SourceID string `json:"sourceId,omitempty"`
	// StatedBy names who stated the fact to the hub (an API key's
	// subject), for a fact that no document states; the revision that
	// recorded it says when.
	StatedBy string `json:"statedBy,omitempty"`
	// Locator is a short human-readable place in the document.
	Locator string `json:"locator,omitempty"`
	// Quote is a short verbatim excerpt that supports the fact.
	Quote string `json:"quote,omitempty"`
	// Fields are the fields of the row the citation supports, by their
	// JSON names ("name", "period"); empty, the whole row.
	Fields []string `json:"fields,omitempty"`
}

// Equal reports whether two citations are the same.
func (c Citation) Equal(o Citation) bool {
	return c.SourceID == o.SourceID && c.StatedBy == o.StatedBy && c.Locator == o.Locator && c.Quote == o.Quote &&
		slices.Equal(c.Fields, o.Fields)
}

// cloneCitations deep-copies citations.
func cloneCitations(cs []Citation) []Citation {
	if cs == nil {
		return nil
	}
	out := make([]Citation, len(cs))
	for i, c := range cs {
		c.Fields = slices.Clone(c.Fields)
		out[i] = c
	}
	return out
}

// Alternative is a value of one of a row's fields that a source gives
// and the row does not hold: conflicting statements of one fact (two
// names, two amounts, two periods) kept side by side with their
// sources. The row's own value is the preferred one; to prefer an
// alternative, write it as the field's value and keep the old value as
// an alternative.
type Alternative struct {
	// Field is the field's JSON name ("name", "amount", "period").
	Field string `json:"field"`
	// Value is the value as the row's JSON writes that field.
	Value   json.RawMessage `json:"value"`
	Sources []Citation      `json:"sources"`
}

func cloneAlternatives(as []Alternative) []Alternative {
	if as == nil {
		return nil
	}
	out := make([]Alternative, len(as))
	for i, a := range as {
		out[i] = Alternative{Field: a.Field, Value: slices.Clone(a.Value), Sources: cloneCitations(a.Sources)}
	}
	return out
}

// ContactDetails are personal data of a contact person. They are stored
// but only ever shown to authenticated callers.
type ContactDetails struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Document holds the bibliographic data of a SourceDocument node.
type Document struct {
	File      string     `json:"file,omitempty"`
	Publisher string     `json:"publisher,omitempty"`
	Author    string     `json:"author,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Language  Language   `json:"language,omitempty"`
	URL       string     `json:"url,omitempty"`
}

// ExternalID is a node's id in another register: Scheme names the
// register (a short lowercase token such as "ytj", "kela" or
// "partner:acme"), ID is the node's id there.
type ExternalID struct {
	Scheme string `json:"scheme"`
	ID     string `json:"id"`
}

// Classification says which Statistics Finland classification a
// region's code comes from: Scheme is its name there ("maakunta",
// "kunta", "hyvinvointialue"), Year the year of the version (the
// classification of 1 January that year), URL the classification's
// page. A code means something only within one classification and
// year, so the hub keeps them with it.
type Classification struct {
	Scheme string `json:"scheme"`
	Year   int    `json:"year"`
	URL    string `json:"url,omitempty"`
}

// RegionSchemes maps each region level (a Region's Type) to the
// Statistics Finland classification its codes come from.
var RegionSchemes = map[string]string{
	"REGION":                    "maakunta",
	"MUNICIPALITY":              "kunta",
	"WELLBEING_SERVICES_COUNTY": "hyvinvointialue",
}

// Node is a vertex of the network. One struct serves every kind so that
// every backend stores, indexes and pages nodes the same way; fields that
// do not apply to a kind stay empty (Validate enforces which apply).
type Node struct {
	// ID is the global, opaque id (see NodeID).
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Key is the stable external key, unique within the kind.
	Key           string        `json:"key"`
	Name          LocalizedText `json:"name"`
	Abbreviations []string      `json:"abbreviations,omitempty"`
	Aliases       []string      `json:"aliases,omitempty"`
	Description   LocalizedText `json:"description,omitzero"`
	// Type is the kind's subtype (see NodeTypes).
	Type string `json:"type,omitempty"`
	// Code is an official code (regions and municipalities).
	Code string `json:"code,omitempty"`
	// Classification is where a region's code comes from.
	Classification *Classification `json:"classification,omitempty"`
	// BusinessID is an organisation's or employer's Finnish business ID
	// (Y-tunnus, "1234567-8"), unique within its kind.
	BusinessID string `json:"businessId,omitempty"`
	// ExternalIDs are an organisation's or employer's ids in other
	// registers, at most one per scheme, so that partners can join their
	// registers to the hub.
	ExternalIDs []ExternalID `json:"externalIds,omitempty"`
	// RegionIDs are the regions where the node is located or operates,
	// as the sources state them.
	RegionIDs []string `json:"regionIds,omitempty"`
	// DerivedRegionIDs are the regions a service has through its
	// providers: the regions of the from-nodes of its PROVIDES
	// relationships that are not among its own RegionIDs, sorted. The
	// read index derives them and keeps them current on every change;
	// they are never stored, written or exported (see Regions).
	DerivedRegionIDs []string        `json:"-"`
	Period           *Period         `json:"period,omitempty"`
	Goals            []LocalizedText `json:"goals,omitempty"`
	// Title is a contact person's job title.
	Title   string          `json:"title,omitempty"`
	Contact *ContactDetails `json:"contact,omitempty"`
	// Document is set on SourceDocument nodes only.
	Document *Document  `json:"document,omitempty"`
	Sources  []Citation `json:"sources,omitempty"`
	// Alternatives are other values of its fields that sources give.
	Alternatives []Alternative `json:"alternatives,omitempty"`
	// MergedIDs are the ids of the nodes merged into this one (see
	// Merge): they resolve to it.
	MergedIDs []string `json:"mergedIds,omitempty"`

	// SearchTerms are the normalised names, abbreviations and aliases
	// (see Normalize), derived by Prepare; name filters and search
	// match on them.
	SearchTerms []string `json:"searchTerms,omitempty"`
	// SortName is the normalised display name, derived by Prepare; it is
	// the NAME order key.
	SortName string `json:"sortName"`
	// SortStart is the period start as YYYY-MM-DD ("" when unknown),
	// derived by Prepare; it is the START_DATE order key.
	SortStart string `json:"sortStart"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version counts the row's stored writes: 1 when created, one more
	// on every write (set by Store.Apply). A follower of the change feed
	// never replaces a row with an older version.
	Version int64 `json:"version,omitempty"`
}

// DisplayName returns the node's name in lang with fallback, or its key
// when it has no name.
func (n *Node) DisplayName(lang Language) string {
	if s := n.Name.In(lang); s != "" {
		return s
	}
	return n.Key
}

// Regions are the node's own regions followed by its derived ones: the
// regions region filters, region facets and REGION groups match.
func (n *Node) Regions() []string {
	if len(n.DerivedRegionIDs) == 0 {
		return n.RegionIDs
	}
	return slices.Concat(n.RegionIDs, n.DerivedRegionIDs)
}

// Clone returns a deep copy of n, so that stores can hand out values the
// caller owns.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Abbreviations = slices.Clone(n.Abbreviations)
	c.Aliases = slices.Clone(n.Aliases)
	c.ExternalIDs = slices.Clone(n.ExternalIDs)
	c.RegionIDs = slices.Clone(n.RegionIDs)
	c.DerivedRegionIDs = slices.Clone(n.DerivedRegionIDs)
	c.Goals = slices.Clone(n.Goals)
	c.Sources = cloneCitations(n.Sources)
	c.Alternatives = cloneAlternatives(n.Alternatives)
	c.SearchTerms = slices.Clone(n.SearchTerms)
	c.MergedIDs = slices.Clone(n.MergedIDs)
	c.Period = n.Period.clone()
	if n.Classification != nil {
		cl := *n.Classification
		c.Classification = &cl
	}
	if n.Contact != nil {
		cd := *n.Contact
		c.Contact = &cd
	}
	if n.Document != nil {
		d := *n.Document
		d.Published = cloneTime(n.Document.Published)
		c.Document = &d
	}
	return &c
}

func (p *Period) clone() *Period {
	if p == nil {
		return nil
	}
	return &Period{Start: cloneTime(p.Start), End: cloneTime(p.End)}
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Status is where a dated activity stands on a given day.
type Status string

// Statuses of pilots, programmes and other dated activities.
const (
	StatusPlanned Status = "PLANNED"
	StatusActive  Status = "ACTIVE"
	StatusEnded   Status = "ENDED"
	StatusUnknown Status = "UNKNOWN"
)

// StatusOn derives the status on day from the period: it is not stored,
// so it never goes stale.
func (p *Period) StatusOn(t time.Time) Status {
	day := utcDay(t)
	switch {
	case p == nil || (p.Start == nil && p.End == nil):
		return StatusUnknown
	case p.Start != nil && day.Before(*p.Start):
		return StatusPlanned
	case p.End != nil && day.After(*p.End):
		return StatusEnded
	case p.End == nil:
		// Started, but no known end: it may have ended since.
		return StatusUnknown
	default:
		return StatusActive
	}
}

// utcDay truncates t to the start of its UTC calendar day, so that a
// period's last day counts in full.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
