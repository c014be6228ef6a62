package model

import (
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// Node is any object with a global id.
type Node interface {
	IsNode()
}

// Entity is a node of the network graph (every kind but SourceDocument).
type Entity interface {
	Node
	IsEntity()
	// Domain returns the node the entity views.
	Domain() *hub.Node
}

// Base holds what every entity kind has; the kind types embed it so that
// the common fields are written once.
type Base struct {
	n  *hub.Node
	rq *Request
}

// IsNode marks Base-derived types as GraphQL Nodes.
func (Base) IsNode() {}

// IsEntity marks Base-derived types as GraphQL Entities.
func (Base) IsEntity() {}

// Domain returns the viewed node.
func (b Base) Domain() *hub.Node { return b.n }

// ID is the global id.
func (b Base) ID() string { return b.n.ID }

// Kind is the node kind.
func (b Base) Kind() NodeKind { return NodeKind(b.n.Kind) }

// Key is the external key.
func (b Base) Key() string { return b.n.Key }

// Name is the name in language, with fallback.
func (b Base) Name(language *Language) string {
	return b.rq.text(b.n.DisplayName(b.rq.language(language)))
}

// Names are the names in every language.
func (b Base) Names() *LocalizedText { return &LocalizedText{b.rq.localized(b.n.Name)} }

// Abbreviations never returns nil, so that the list is [] in JSON.
func (b Base) Abbreviations() []string { return b.rq.texts(b.n.Abbreviations) }

// Aliases never returns nil.
func (b Base) Aliases() []string { return b.rq.texts(b.n.Aliases) }

// Description is the description in language, with fallback.
func (b Base) Description(language *Language) *string {
	return b.rq.optionalText(b.n.Description.In(b.rq.language(language)))
}

// Sources are the node's citations.
func (b Base) Sources() []*Citation { return citations(b.rq, b.n.Sources) }

// Period is the node's period, if any.
func (b Base) Period() *hub.Period { return b.n.Period }

// Goals are the goals in language, with fallback.
func (b Base) Goals(language *Language) []string {
	out := make([]string, 0, len(b.n.Goals))
	for _, g := range b.n.Goals {
		out = append(out, b.rq.text(g.In(b.rq.language(language))))
	}
	return out
}

// Regions are the regions the node is located in: its own, then, for a
// service, those derived from its providers.
func (b Base) Regions() ([]*Region, error) {
	nodes, err := b.rq.nodes(b.n.Regions())
	if err != nil {
		return nil, err
	}
	return views[*Region](b.rq, nodes), nil
}

// Relationships pages the node's relationships.
func (b Base) Relationships(types []RelationshipType, direction *Direction, first *int, after *string, last *int, before *string, orderBy []*RelationshipOrder) (*RelationshipConnection, error) {
	return NodeRelationships(b.rq, b.n.ID, types, direction, PageArgs{First: first, After: after, Last: last, Before: before}, orderBy)
}

// related returns the entities at the other end of the relationships f
// follows from the node, each once, in relationship order.
func (b Base) related(f Follow) ([]Entity, error) {
	rels, err := adjacent(b.rq, b.n.ID, f.Dir, f.Types)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rels))
	for _, r := range rels {
		if id := r.Other(b.n.ID); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	nodes, err := b.rq.nodes(ids)
	if err != nil {
		return nil, err
	}
	return entities(b.rq, nodes), nil
}

// parent returns the target of the node's PART_OF relationship.
func (b Base) parent() (Entity, error) {
	p, err := b.related(FollowParent)
	if err != nil || len(p) == 0 {
		return nil, err
	}
	return p[0], nil
}

// children returns the nodes whose PART_OF points here.
func (b Base) children() ([]Entity, error) {
	return b.related(FollowChildren)
}

// Status derives the status of a dated node today.
func (b Base) Status() Status { return Status(b.n.Period.StatusOn(today())) }

// Organisation is an organisation.
type Organisation struct{ Base }

// Type is the organisation type.
func (o *Organisation) Type() OrganisationType { return OrganisationType(o.n.Type) }

// Parent is the organisation this one belongs to.
func (o *Organisation) Parent() (Entity, error) { return o.parent() }

// Children are the organisations that belong to this one.
func (o *Organisation) Children() ([]Entity, error) { return o.children() }

// Employer is an employer.
type Employer struct{ Base }

// Type is the employer's organisation type.
func (e *Employer) Type() OrganisationType { return OrganisationType(e.n.Type) }

// Programme is a programme or sub-project.
type Programme struct{ Base }

// Type says programme or sub-project.
func (p *Programme) Type() ProgrammeType { return ProgrammeType(p.n.Type) }

// Parent is the programme of a sub-project.
func (p *Programme) Parent() (Entity, error) { return p.parent() }

// Children are the sub-projects and pilots of the programme.
func (p *Programme) Children() ([]Entity, error) { return p.children() }

// Pilot is a regional pilot.
type Pilot struct{ Base }

// ShortName is the first abbreviation.
func (p *Pilot) ShortName() *string {
	if len(p.n.Abbreviations) == 0 {
		return nil
	}
	return p.rq.optionalText(p.n.Abbreviations[0])
}

// Themes of the pilot.
func (p *Pilot) Themes() ([]*Theme, error) {
	return relatedOf[*Theme](p.Base, FollowThemes)
}

// Administrators of the pilot.
func (p *Pilot) Administrators() ([]Entity, error) {
	return p.related(FollowAdministrators)
}

// Partners of the pilot.
func (p *Pilot) Partners() ([]Entity, error) {
	return p.related(FollowPartners)
}

// Experts of the pilot.
func (p *Pilot) Experts() ([]Entity, error) {
	return p.related(FollowExperts)
}

// Services the pilot provides.
func (p *Pilot) Services() ([]*Service, error) {
	return relatedOf[*Service](p.Base, FollowServices)
}

// Programme the pilot belongs to.
func (p *Pilot) Programme() (Entity, error) { return p.parent() }

// Contacts of the pilot whose CONTACT_FOR or LEADS relationship is
// active on asOf (default today): a role that ended is not a current
// contact.
func (p *Pilot) Contacts(asOf *time.Time) ([]*Contact, error) {
	day := today()
	if asOf != nil {
		day = *asOf
	}
	rels, err := adjacent(p.rq, p.n.ID, FollowContacts.Dir, FollowContacts.Types)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rels {
		if id := r.Other(p.n.ID); r.Period.Contains(day) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	nodes, err := p.rq.nodes(ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Contact, 0, len(nodes))
	for _, e := range entities(p.rq, nodes) {
		if c, ok := e.(*Contact); ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// Funding records of the pilot, one per FUNDS relationship, those the
// source documents state when sourceIn names any.
func (p *Pilot) Funding(sourceIn []string) ([]*Funding, error) {
	rels, err := adjacent(p.rq, p.n.ID, FollowFunding.Dir, FollowFunding.Types)
	if err != nil {
		return nil, err
	}
	out := make([]*Funding, 0, len(rels))
	for _, r := range rels {
		if r.Amount != nil && hub.CitedBy(r, sourceIn) {
			out = append(out, &Funding{r: r, rq: p.rq})
		}
	}
	return out, nil
}

// Service is a service, method or operating model.
type Service struct{ Base }

// Type of the service.
func (s *Service) Type() ServiceType { return ServiceType(s.n.Type) }

// Providers of the service.
func (s *Service) Providers() ([]Entity, error) {
	return s.related(FollowProviders)
}

// TargetGroups the service serves.
func (s *Service) TargetGroups() ([]*TargetGroup, error) {
	return relatedOf[*TargetGroup](s.Base, FollowTargetGroups)
}

// Themes of the service.
func (s *Service) Themes() ([]*Theme, error) {
	return relatedOf[*Theme](s.Base, FollowThemes)
}

// Region is a region or municipality.
type Region struct{ Base }

// Level says region or municipality.
func (r *Region) Level() RegionLevel { return RegionLevel(r.n.Type) }

// Code is the official code.
func (r *Region) Code() string { return r.n.Code }

// Parent is the region of a municipality.
func (r *Region) Parent() (*Region, error) {
	p, err := relatedOf[*Region](r.Base, FollowParent)
	if err != nil || len(p) == 0 {
		return nil, err
	}
	return p[0], nil
}

// Classification is where the code comes from, nil when unknown.
func (r *Region) Classification() *RegionClassification {
	c := r.n.Classification
	if c == nil {
		return nil
	}
	return &RegionClassification{Scheme: c.Scheme, Year: c.Year, URL: optional(c.URL)}
}

// WellbeingServicesCounty is the county a municipality lies in on asOf
// (default today): the county is valid time, so a municipality has none
// before 2023.
func (r *Region) WellbeingServicesCounty(asOf *time.Time) (*Region, error) {
	day := today()
	if asOf != nil {
		day = *asOf
	}
	rels, err := adjacent(r.rq, r.n.ID, FollowLocatedIn.Dir, FollowLocatedIn.Types)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, rel := range rels {
		if rel.Period.Contains(day) {
			ids = append(ids, rel.ToID)
		}
	}
	nodes, err := r.rq.nodes(ids)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		// A missing end (nil) is a relationship to a node deleted since.
		if n != nil && n.Kind == hub.KindRegion && n.Type == string(RegionLevelWellbeingServicesCounty) && n.Period.Contains(day) {
			if v, ok := View(r.rq, n).(*Region); ok {
				return v, nil
			}
		}
	}
	return nil, nil
}

// Children are the municipalities of a region (PART_OF) or of a
// wellbeing services county (LOCATED_IN).
func (r *Region) Children() ([]*Region, error) {
	f := FollowChildren
	if r.n.Type == string(RegionLevelWellbeingServicesCounty) {
		f = FollowLocatedHere
	}
	return relatedOf[*Region](r.Base, f)
}

// TargetGroup is a target group.
type TargetGroup struct{ Base }

// ServedBy lists what serves the group.
func (t *TargetGroup) ServedBy() ([]Entity, error) {
	return t.related(FollowServedBy)
}

// Theme is a programme theme.
type Theme struct{ Base }

// Members are the nodes with the theme.
func (t *Theme) Members() ([]Entity, error) {
	return t.related(FollowMembers)
}

// Agreement is an agreement.
type Agreement struct{ Base }

// Signatories of the agreement.
func (a *Agreement) Signatories() ([]Entity, error) {
	return a.related(FollowSignatories)
}

// Event is an event.
type Event struct{ Base }

// Type of the event.
func (e *Event) Type() EventType { return EventType(e.n.Type) }

// Organisers of the event.
func (e *Event) Organisers() ([]Entity, error) {
	return e.related(FollowOrganisers)
}

// Participants of the event.
func (e *Event) Participants() ([]Entity, error) {
	return e.related(FollowParticipants)
}

// Training is a training.
type Training struct{ Base }

// Organisers of the training.
func (t *Training) Organisers() ([]Entity, error) {
	return t.related(FollowOrganisers)
}

// Participants of the training.
func (t *Training) Participants() ([]Entity, error) {
	return t.related(FollowParticipants)
}

// Contact is a contact person. Contact details are personal data.
type Contact struct{ Base }

// Title is the job title.
func (c *Contact) Title() *string { return c.rq.optionalText(c.n.Title) }

// Email is only shown to authenticated callers.
func (c *Contact) Email() *string {
	if c.n.Contact == nil || !c.rq.personal {
		return nil
	}
	return optional(c.n.Contact.Email)
}

// Phone is only shown to authenticated callers.
func (c *Contact) Phone() *string {
	if c.n.Contact == nil || !c.rq.personal {
		return nil
	}
	return optional(c.n.Contact.Phone)
}

// Employers of the person.
func (c *Contact) Employers() ([]Entity, error) {
	return c.related(FollowEmployers)
}

// SourceDocument is a source document. It is a Node but not an Entity.
type SourceDocument struct {
	n  *hub.Node
	rq *Request
}

// IsNode marks SourceDocument as a GraphQL Node.
func (SourceDocument) IsNode() {}

// ID is the global id.
func (d *SourceDocument) ID() string { return d.n.ID }

// Key is the external key.
func (d *SourceDocument) Key() string { return d.n.Key }

// Title is the document title.
func (d *SourceDocument) Title() string { return d.rq.text(d.n.DisplayName(hub.Finnish)) }

// Type is the document type.
func (d *SourceDocument) Type() SourceDocumentType { return SourceDocumentType(d.n.Type) }

func (d *SourceDocument) doc() *hub.Document {
	if d.n.Document == nil {
		return &hub.Document{}
	}
	return d.n.Document
}

// File is the seed file name.
func (d *SourceDocument) File() *string { return optional(d.doc().File) }

// Publisher of the document.
func (d *SourceDocument) Publisher() *string { return d.rq.optionalText(d.doc().Publisher) }

// Author of the document.
func (d *SourceDocument) Author() *string { return d.rq.optionalText(d.doc().Author) }

// Published is the publication date.
func (d *SourceDocument) Published() *time.Time { return d.doc().Published }

// Language of the document.
func (d *SourceDocument) Language() *Language {
	if d.doc().Language == "" {
		return nil
	}
	l := Language(strings.ToUpper(string(d.doc().Language)))
	return &l
}

// URL of the original.
func (d *SourceDocument) URL() *string { return optional(d.doc().URL) }

// Version is how many writes the node has had.
func (b Base) Version() int { return int(b.n.Version) }

// UpdatedAt is when the node was last written.
func (b Base) UpdatedAt() time.Time { return b.n.UpdatedAt }

// Version is how many writes the document has had.
func (d *SourceDocument) Version() int { return int(d.n.Version) }

// UpdatedAt is when the document was last written.
func (d *SourceDocument) UpdatedAt() time.Time { return d.n.UpdatedAt }

// BusinessID is the node's business ID, or null.
func (b Base) BusinessID() *string { return optional(b.n.BusinessID) }

// ExternalIDs are the node's ids in other registers; never nil.
func (b Base) ExternalIDs() []hub.ExternalID {
	if b.n.ExternalIDs == nil {
		return []hub.ExternalID{}
	}
	return b.n.ExternalIDs
}
