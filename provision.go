package hub

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"time"
)

// ProvisionBasis says how a provision's recipient is known.
type ProvisionBasis string

// Provision bases.
const (
	// BasisService: the sources say the service serves the recipient.
	BasisService ProvisionBasis = "SERVICE"
	// BasisProvider: the sources say the provider serves the recipient
	// and provides the service, but not that this service is the one
	// for them.
	BasisProvider ProvisionBasis = "PROVIDER"
	// BasisNone: the sources name no recipient.
	BasisNone ProvisionBasis = "NONE"
)

// Provision is one row of "who provides what to whom": a PROVIDES
// relationship (provider → service) joined with a SERVES relationship
// (service or provider → recipient).
type Provision struct {
	// ID is stable: derived from the relationships it joins.
	ID       string
	Provides *Relationship
	// Serves is nil when the basis is BasisNone.
	Serves *Relationship
	Basis  ProvisionBasis

	Provider, Service, Recipient *Node
	// Context is the pilot (or programme) the provision belongs to: the
	// provider itself when it is one.
	Context *Node
	// Period is when both relationships hold.
	Period *Period
	// RegionIDs are the provider's and the service's regions.
	RegionIDs []string
	// ThemeIDs are the service's and the context's themes.
	ThemeIDs []string
}

// ProvisionFilter selects provisions; empty fields do not filter and a
// list matches any of its items.
type ProvisionFilter struct {
	ServiceIDs, ServiceTypes, ProviderIDs, RecipientIDs []string
	ContextIDs, RegionIDs, ThemeIDs                     []string
	// RecipientKinds restricts recipients (e.g. only target groups).
	RecipientKinds []Kind
	Bases          []ProvisionBasis
	// AsOf keeps provisions whose relationships and nodes are active on
	// that day (undated ones always count).
	AsOf *time.Time
}

// Provisions answers "who provides what to whom" over the store
// primitives, in a fixed number of store calls: the PROVIDES
// relationships, the SERVES and HAS_THEME relationships of their ends,
// and the nodes involved. Rows are ordered by service name, provider
// name, recipient name and id.
func Provisions(ctx context.Context, s Store, f ProvisionFilter) ([]*Provision, error) {
	provides, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{Provides}, FromIDs: f.ProviderIDs, ToIDs: f.ServiceIDs}, ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, err
	}
	provides = activeRelationships(provides, f.AsOf)
	var ends []string
	for _, r := range provides {
		ends = append(ends, r.FromID, r.ToID)
	}
	ends = unique(ends)
	around, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{Serves, HasTheme}, FromIDs: ends}, ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, err
	}
	around = activeRelationships(around, f.AsOf)
	serves := map[string][]*Relationship{}
	themes := map[string][]string{}
	ids := slices.Clone(ends)
	for _, r := range around {
		if r.Type == Serves {
			serves[r.FromID] = append(serves[r.FromID], r)
			ids = append(ids, r.ToID)
		} else {
			themes[r.FromID] = append(themes[r.FromID], r.ToID)
		}
	}
	ids = unique(ids)
	list, err := s.NodesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	nodes := make(map[string]*Node, len(list))
	for _, n := range list {
		if n != nil && (f.AsOf == nil || n.Period.Contains(*f.AsOf)) {
			nodes[n.ID] = n
		}
	}

	var out []*Provision
	for _, p := range provides {
		provider, service := nodes[p.FromID], nodes[p.ToID]
		if provider == nil || service == nil {
			continue
		}
		rows := serves[service.ID]
		basis := BasisService
		if len(rows) == 0 {
			rows, basis = serves[provider.ID], BasisProvider
		}
		// Filter before building rows: most of a filtered answer's
		// cost would be rows it drops.
		if !f.matchEnds(provider, service, themes) {
			continue
		}
		base := Provision{Provides: p, Provider: provider, Service: service, Basis: basis,
			RegionIDs: unique(slices.Concat(provider.RegionIDs, service.RegionIDs)),
			ThemeIDs:  unique(slices.Concat(themes[service.ID], themes[provider.ID]))}
		if provider.Kind == KindPilot || provider.Kind == KindProgramme {
			base.Context = provider
		}
		if len(rows) == 0 {
			row := base
			row.Basis = BasisNone
			if f.matchRecipient(&row) {
				row.ID, row.Period = provisionID(p, nil), p.Period.clone()
				out = append(out, &row)
			}
			continue
		}
		for _, sv := range rows {
			recipient := nodes[sv.ToID]
			if recipient == nil {
				continue
			}
			row := base
			row.Serves, row.Recipient = sv, recipient
			if f.matchRecipient(&row) {
				row.ID, row.Period = provisionID(p, sv), intersect(p.Period, sv.Period)
				out = append(out, &row)
			}
		}
	}
	sortProvisions(out)
	return out, nil
}

// sortProvisions orders rows by their order values (provisionOrder),
// then id, computing each row's values once.
func sortProvisions(rows []*Provision) {
	type keyed struct {
		p    *Provision
		vals []string
	}
	ks := make([]keyed, len(rows))
	for i, p := range rows {
		ks[i] = keyed{p, ProvisionOrderValues(p)}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return compareKeys(provisionOrder, a.vals, a.p.ID, b.vals, b.p.ID) })
	for i, k := range ks {
		rows[i] = k.p
	}
}

// provisionOrder is the fixed order of provisions.
var provisionOrder = []Order{{Field: "SERVICE"}, {Field: "PROVIDER"}, {Field: "RECIPIENT"}}

// ProvisionOrder returns the order provision cursors are made for.
func ProvisionOrder() []Order { return provisionOrder }

// ProvisionOrderValues returns the order-key values of a provision.
func ProvisionOrderValues(p *Provision) []string {
	recipient := ""
	if p.Recipient != nil {
		recipient = p.Recipient.SortName
	}
	return []string{p.Service.SortName, p.Provider.SortName, recipient}
}

// matchEnds checks what a provision's provider and service decide:
// service type, context, regions and themes (see Provision).
func (f *ProvisionFilter) matchEnds(provider, service *Node, themes map[string][]string) bool {
	context := ""
	if provider.Kind == KindPilot || provider.Kind == KindProgramme {
		context = provider.ID
	}
	return anyOf(f.ServiceTypes, service.Type) && anyOf(f.ContextIDs, context) &&
		(anyOf(f.RegionIDs, provider.RegionIDs...) || anyOf(f.RegionIDs, service.RegionIDs...)) &&
		(anyOf(f.ThemeIDs, themes[service.ID]...) || anyOf(f.ThemeIDs, themes[provider.ID]...))
}

// matchRecipient checks the recipient and the basis.
func (f *ProvisionFilter) matchRecipient(p *Provision) bool {
	recipient, recipientKind := "", Kind("")
	if p.Recipient != nil {
		recipient, recipientKind = p.Recipient.ID, p.Recipient.Kind
	}
	return anyOf(f.RecipientIDs, recipient) &&
		(len(f.RecipientKinds) == 0 || slices.Contains(f.RecipientKinds, recipientKind)) &&
		(len(f.Bases) == 0 || slices.Contains(f.Bases, p.Basis))
}

// anyOf reports whether want is empty (no condition) or holds one of have.
func anyOf(want []string, have ...string) bool {
	return len(want) == 0 || slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
}

// provisionID is stable and opaque; it is not a node id.
func provisionID(provides, serves *Relationship) string {
	key := provides.Key
	if serves != nil {
		key += "|" + serves.Key
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString([]byte("Provision:" + hex.EncodeToString(sum[:10])))
}

func activeRelationships(rels []*Relationship, day *time.Time) []*Relationship {
	if day == nil {
		return rels
	}
	return slices.DeleteFunc(rels, func(r *Relationship) bool { return !r.Period.Contains(*day) })
}

// intersect returns the days both periods cover (nil ends are open).
func intersect(a, b *Period) *Period {
	if a == nil {
		return b.clone()
	}
	if b == nil {
		return a.clone()
	}
	out := &Period{Start: cloneTime(a.Start), End: cloneTime(a.End)}
	if b.Start != nil && (out.Start == nil || b.Start.After(*out.Start)) {
		out.Start = cloneTime(b.Start)
	}
	if b.End != nil && (out.End == nil || b.End.Before(*out.End)) {
		out.End = cloneTime(b.End)
	}
	return out
}

func unique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
