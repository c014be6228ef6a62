package hub

import (
	"cmp"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"sort"
	"strings"
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

// ProvisionRow is a provision before hydration: the ids and keys of
// what it joins and what its filter and order need. Rows are cheap to
// compute, order and page; HydrateProvisions turns the rows a caller
// shows into Provisions.
type ProvisionRow struct {
	// ID is the provision's id (see Provision), derived from the keys.
	ID                      string
	ProvidesID, ProvidesKey string
	// ServesID and ServesKey are empty when the basis is BasisNone.
	ServesID, ServesKey string
	Basis               ProvisionBasis
	// RecipientID is empty without a recipient, ContextID when the
	// provider is not a pilot or programme.
	ProviderID, ServiceID, RecipientID, ContextID string
	// ServiceName, ProviderName and RecipientName are the ends' sort
	// names, the row's order values ("" without a recipient).
	ServiceName, ProviderName, RecipientName string
	// RegionIDs and ThemeIDs are as in Provision: sorted, each once,
	// nil when none.
	RegionIDs, ThemeIDs []string
}

// OrderValues returns the order-key values of a row (see
// ProvisionOrder); they equal ProvisionOrderValues of its provision.
func (r *ProvisionRow) OrderValues() []string {
	return []string{r.ServiceName, r.ProviderName, r.RecipientName}
}

// ProvisionRowOrderValues is OrderValues as a function of a row value,
// for PageOf.
func ProvisionRowOrderValues(r ProvisionRow) []string { return r.OrderValues() }

// ProvisionRows returns the rows of the provisions matching f, in the
// provision order (service name, provider name, recipient name, id).
func ProvisionRows(ctx context.Context, s Reader, f ProvisionFilter) ([]ProvisionRow, error) {
	rows, _, err := provisionRows(ctx, s, f)
	if err != nil {
		return nil, err
	}
	sortProvisionRows(rows)
	return rows, nil
}

// ProvisionPage returns the page opts asks for of the rows of the
// provisions matching f, whether rows follow it, and how many rows match
// f: what PageProvisionRows gives for the rows of ProvisionRows, but only
// the page is put in order, so a page of 50 out of 26 000 rows does not
// sort the 26 000.
func ProvisionPage(ctx context.Context, s Reader, f ProvisionFilter, opts ListOptions) (page []ProvisionRow, hasNext bool, total int, err error) {
	rows, _, err := provisionRows(ctx, s, f)
	if err != nil {
		return nil, false, 0, err
	}
	page, hasNext = selectProvisionPage(rows, opts)
	return page, hasNext, len(rows), nil
}

// Provisions answers "who provides what to whom": the rows of
// ProvisionRows, hydrated from what computing them read (no further
// reads). Rows are ordered by service name, provider name, recipient
// name and id. Callers that show a page should page the rows and hydrate
// only the page (HydrateProvisions).
func Provisions(ctx context.Context, s Reader, f ProvisionFilter) ([]*Provision, error) {
	rows, read, err := provisionRows(ctx, s, f)
	if err != nil {
		return nil, err
	}
	sortProvisionRows(rows)
	return read.hydrate(rows), nil
}

// HydrateProvisions builds the provisions of rows, in their order, with
// one RelationshipsByID and one NodesByID call. A row whose relationship
// or end was deleted since the rows were computed is left out.
func HydrateProvisions(ctx context.Context, s Reader, rows []ProvisionRow) ([]*Provision, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var relIDs, nodeIDs []string
	for _, r := range rows {
		relIDs = append(relIDs, r.ProvidesID)
		if r.ServesID != "" {
			relIDs = append(relIDs, r.ServesID)
		}
		nodeIDs = append(nodeIDs, r.ProviderID, r.ServiceID)
		if r.RecipientID != "" {
			nodeIDs = append(nodeIDs, r.RecipientID)
		}
	}
	relIDs, nodeIDs = unique(relIDs), unique(nodeIDs)
	rels, err := s.RelationshipsByID(ctx, relIDs)
	if err != nil {
		return nil, err
	}
	nodes, err := s.NodesByID(ctx, nodeIDs)
	if err != nil {
		return nil, err
	}
	read := provisionReads{rels: make(map[string]*Relationship, len(rels)), nodes: make(map[string]*Node, len(nodes))}
	for _, r := range rels {
		if r != nil {
			read.rels[r.ID] = r
		}
	}
	for _, n := range nodes {
		if n != nil {
			read.nodes[n.ID] = n
		}
	}
	return read.hydrate(rows), nil
}

// provisionReads are the relationships and nodes rows are hydrated from.
type provisionReads struct {
	rels  map[string]*Relationship
	nodes map[string]*Node
}

// hydrate builds the provisions of rows from what was read.
func (read provisionReads) hydrate(rows []ProvisionRow) []*Provision {
	out := make([]*Provision, 0, len(rows))
	for _, r := range rows {
		p := &Provision{ID: r.ID, Basis: r.Basis, Provides: read.rels[r.ProvidesID],
			Provider: read.nodes[r.ProviderID], Service: read.nodes[r.ServiceID],
			RegionIDs: slices.Clone(r.RegionIDs), ThemeIDs: slices.Clone(r.ThemeIDs)}
		if p.Provides == nil || p.Provider == nil || p.Service == nil {
			continue
		}
		if r.ContextID != "" {
			p.Context = p.Provider
		}
		if r.ServesID == "" {
			p.Period = p.Provides.Period.clone()
		} else {
			p.Serves, p.Recipient = read.rels[r.ServesID], read.nodes[r.RecipientID]
			if p.Serves == nil || p.Recipient == nil {
				continue
			}
			p.Period = intersect(p.Provides.Period, p.Serves.Period)
		}
		out = append(out, p)
	}
	return out
}

// provisionRows computes the rows, in no particular order, over the
// Reader, in a fixed number of reads: the PROVIDES
// relationships, the SERVES and HAS_THEME relationships of their ends,
// and the nodes involved, which it returns for hydration.
func provisionRows(ctx context.Context, s Reader, f ProvisionFilter) ([]ProvisionRow, provisionReads, error) {
	var read provisionReads
	provides, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{Provides}, FromIDs: f.ProviderIDs, ToIDs: f.ServiceIDs}, ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, read, err
	}
	provides = activeRelationships(provides, f.AsOf)
	ends := make([]string, 0, 2*len(provides))
	for _, r := range provides {
		ends = append(ends, r.FromID, r.ToID)
	}
	ends = distinct(ends)
	around, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{Serves, HasTheme}, FromIDs: ends}, ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, read, err
	}
	around = activeRelationships(around, f.AsOf)
	read.rels = make(map[string]*Relationship, len(provides)+len(around))
	serves := map[string][]*Relationship{}
	themes := map[string][]string{}
	ids := slices.Clone(ends)
	for _, r := range provides {
		read.rels[r.ID] = r
	}
	for _, r := range around {
		if r.Type == Serves {
			serves[r.FromID] = append(serves[r.FromID], r)
			ids = append(ids, r.ToID)
			read.rels[r.ID] = r
		} else {
			themes[r.FromID] = append(themes[r.FromID], r.ToID)
		}
	}
	ids = distinct(ids)
	list, err := s.NodesByID(ctx, ids)
	if err != nil {
		return nil, read, err
	}
	nodes := make(map[string]*Node, len(list))
	for _, n := range list {
		if n != nil && (f.AsOf == nil || n.Period.Contains(*f.AsOf)) {
			nodes[n.ID] = n
		}
	}
	read.nodes = nodes

	out := make([]ProvisionRow, 0, len(provides))
	for i, p := range provides {
		// A row per recipient of each provision: stop once the
		// request has ended (every 256 provisions, so the check is free).
		if i%256 == 0 && ctx.Err() != nil {
			return nil, provisionReads{}, ctx.Err()
		}
		provider, service := nodes[p.FromID], nodes[p.ToID]
		if provider == nil || service == nil {
			continue
		}
		rels := serves[service.ID]
		basis := BasisService
		if len(rels) == 0 {
			rels, basis = serves[provider.ID], BasisProvider
		}
		// Filter before building rows: most of a filtered answer's
		// cost would be rows it drops.
		if !f.matchEnds(provider, service, themes) {
			continue
		}
		base := ProvisionRow{ProvidesID: p.ID, ProvidesKey: p.Key, Basis: basis,
			ProviderID: provider.ID, ServiceID: service.ID,
			ServiceName: service.SortName, ProviderName: provider.SortName,
			RegionIDs: union(provider.RegionIDs, service.RegionIDs),
			ThemeIDs:  union(themes[service.ID], themes[provider.ID])}
		if provider.Kind == KindPilot || provider.Kind == KindProgramme {
			base.ContextID = provider.ID
		}
		if len(rels) == 0 {
			row := base
			row.Basis = BasisNone
			if f.matchRecipient(&row, "") {
				row.ID = provisionID(p.Key, "")
				out = append(out, row)
			}
			continue
		}
		for _, sv := range rels {
			recipient := nodes[sv.ToID]
			if recipient == nil {
				continue
			}
			row := base
			row.ServesID, row.ServesKey = sv.ID, sv.Key
			row.RecipientID, row.RecipientName = recipient.ID, recipient.SortName
			if f.matchRecipient(&row, recipient.Kind) {
				row.ID = provisionID(p.Key, sv.Key)
				out = append(out, row)
			}
		}
	}
	return out, read, nil
}

// sortProvisionRows orders rows by their order values, then id. Rows of
// a large answer share few names, whose string comparisons would
// dominate: each name is ranked once and rows compare ranks; and it
// sorts positions, not the rows, which are costly to move.
func sortProvisionRows(rows []ProvisionRow) {
	rank := func(name func(*ProvisionRow) string) []int32 {
		ranks := map[string]int32{}
		for i := range rows {
			ranks[name(&rows[i])] = 0
		}
		distinct := slices.Sorted(maps.Keys(ranks))
		for i, n := range distinct {
			ranks[n] = int32(i)
		}
		out := make([]int32, len(rows))
		for i := range rows {
			out[i] = ranks[name(&rows[i])]
		}
		return out
	}
	service := rank(func(r *ProvisionRow) string { return r.ServiceName })
	provider := rank(func(r *ProvisionRow) string { return r.ProviderName })
	recipient := rank(func(r *ProvisionRow) string { return r.RecipientName })
	pos := make([]int32, len(rows))
	for i := range pos {
		pos[i] = int32(i)
	}
	slices.SortFunc(pos, func(a, b int32) int {
		return cmp.Or(cmp.Compare(service[a], service[b]), cmp.Compare(provider[a], provider[b]),
			cmp.Compare(recipient[a], recipient[b]), strings.Compare(rows[a].ID, rows[b].ID))
	})
	sorted := make([]ProvisionRow, len(rows))
	for i, p := range pos {
		sorted[i] = rows[p]
	}
	copy(rows, sorted)
}

// compareProvisionRows compares rows in the provision order.
func compareProvisionRows(a, b *ProvisionRow) int {
	return cmp.Or(strings.Compare(a.ServiceName, b.ServiceName), strings.Compare(a.ProviderName, b.ProviderName),
		strings.Compare(a.RecipientName, b.RecipientName), strings.Compare(a.ID, b.ID))
}

// PageProvisionRows pages rows that are in the provision order (as
// ProvisionRows returns them) like PageOf with ProvisionRowOrderValues,
// but finds the cursor by binary search instead of sorting again. Other
// orders go to PageOf.
func PageProvisionRows(rows []ProvisionRow, opts ListOptions) ([]ProvisionRow, bool) {
	if opts.Bulk() || !slices.Equal(opts.OrderBy, provisionOrder) {
		return PageOf(rows, opts, ProvisionRowOrderValues, func(r ProvisionRow) string { return r.ID })
	}
	// The rows after the cursor are rows[from:]; those before it (for a
	// reverse page) rows[:to].
	from, to := 0, len(rows)
	if c := opts.After; c != nil && len(c.Values) == len(provisionOrder) {
		at := cursorRow(c)
		from = sort.Search(len(rows), func(i int) bool { return compareProvisionRows(&rows[i], at) > 0 })
		to = sort.Search(len(rows), func(i int) bool { return compareProvisionRows(&rows[i], at) >= 0 })
	} else if c != nil {
		// A cursor of another shape: let PageOf judge it.
		return PageOf(rows, opts, ProvisionRowOrderValues, func(r ProvisionRow) string { return r.ID })
	}
	if !opts.Reverse {
		page := rows[from:]
		if opts.First != Unlimited && len(page) > opts.First {
			return slices.Clone(page[:opts.First]), true
		}
		return slices.Clone(page), false
	}
	// Walking backwards: nearest first.
	page, hasNext := rows[:to], false
	if opts.First != Unlimited && len(page) > opts.First {
		page, hasNext = page[len(page)-opts.First:], true
	}
	page = slices.Clone(page)
	slices.Reverse(page)
	return page, hasNext
}

// selectProvisionPage is PageProvisionRows for rows in any order. For
// the provision order it keeps, in one pass, the First+1 rows nearest
// the cursor on the page's side and orders only those; other orders, a
// cursor of another shape and bulk reads sort every row.
func selectProvisionPage(rows []ProvisionRow, opts ListOptions) ([]ProvisionRow, bool) {
	c := opts.After
	if opts.Bulk() || opts.First == Unlimited || !slices.Equal(opts.OrderBy, provisionOrder) ||
		(c != nil && len(c.Values) != len(provisionOrder)) {
		sortProvisionRows(rows)
		return PageProvisionRows(rows, opts)
	}
	// before reports whether a comes before b in the page's direction:
	// the page holds the rows nearest the cursor, nearest first.
	before := func(a, b *ProvisionRow) bool { return compareProvisionRows(a, b) < 0 }
	if opts.Reverse {
		before = func(a, b *ProvisionRow) bool { return compareProvisionRows(a, b) > 0 }
	}
	var at *ProvisionRow
	if c != nil {
		at = cursorRow(c)
	}
	// kept holds the positions of the up to First+1 rows nearest the
	// cursor seen so far, farthest from it first (a heap), so that a
	// nearer row replaces that one in log(First) steps whatever order
	// the rows come in.
	keep := opts.First + 1
	kept := &farthestFirst{positions: make([]int, 0, keep),
		farther: func(a, b int) bool { return before(&rows[b], &rows[a]) }}
	for i := range rows {
		if at != nil && !before(at, &rows[i]) {
			continue
		}
		switch {
		case kept.Len() < keep:
			heap.Push(kept, i)
		case before(&rows[i], &rows[kept.positions[0]]):
			kept.positions[0] = i
			heap.Fix(kept, 0)
		}
	}
	nearest := kept.positions
	slices.SortFunc(nearest, func(a, b int) int {
		if before(&rows[a], &rows[b]) {
			return -1
		}
		return 1
	})
	hasNext := len(nearest) > opts.First
	if hasNext {
		nearest = nearest[:opts.First]
	}
	page := make([]ProvisionRow, len(nearest))
	for i, k := range nearest {
		page[i] = rows[k]
	}
	return page, hasNext
}

// farthestFirst is a heap of row positions whose root is the row
// farthest from a page's cursor.
type farthestFirst struct {
	positions []int
	farther   func(a, b int) bool
}

func (h *farthestFirst) Len() int           { return len(h.positions) }
func (h *farthestFirst) Less(i, j int) bool { return h.farther(h.positions[i], h.positions[j]) }
func (h *farthestFirst) Swap(i, j int) {
	h.positions[i], h.positions[j] = h.positions[j], h.positions[i]
}
func (h *farthestFirst) Push(x any) { h.positions = append(h.positions, x.(int)) }
func (h *farthestFirst) Pop() any {
	last := h.positions[len(h.positions)-1]
	h.positions = h.positions[:len(h.positions)-1]
	return last
}

// cursorRow is the position of a cursor of the provision order, as a row
// to compare rows with.
func cursorRow(c *Cursor) *ProvisionRow {
	return &ProvisionRow{ServiceName: c.Values[0], ProviderName: c.Values[1], RecipientName: c.Values[2], ID: c.ID}
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

// matchRecipient checks the recipient (of kind recipientKind) and the
// basis.
func (f *ProvisionFilter) matchRecipient(r *ProvisionRow, recipientKind Kind) bool {
	return anyOf(f.RecipientIDs, r.RecipientID) &&
		(len(f.RecipientKinds) == 0 || slices.Contains(f.RecipientKinds, recipientKind)) &&
		(len(f.Bases) == 0 || slices.Contains(f.Bases, r.Basis))
}

// anyOf reports whether want is empty (no condition) or holds one of have.
func anyOf(want []string, have ...string) bool {
	return len(want) == 0 || slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
}

// provisionID is stable and opaque; it is not a node id. It hashes the
// keys of the PROVIDES and (when there is one) the SERVES relationship.
func provisionID(providesKey, servesKey string) string {
	// Built in fixed buffers: a large answer makes one id per row, and
	// the result string is the only allocation.
	var keyBuf [256]byte
	key := append(keyBuf[:0], providesKey...)
	if servesKey != "" {
		key = append(append(key, '|'), servesKey...)
	}
	sum := sha256.Sum256(key)
	var plain [len("Provision:") + 20]byte
	n := copy(plain[:], "Provision:")
	hex.Encode(plain[n:], sum[:10])
	var out [40]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], plain[:]))
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

// unique returns s sorted, each value once; nil when s is empty.
// union returns the distinct strings of a and b, sorted, in a new slice
// (nil when both are empty).
func union(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := append(append(make([]string, 0, len(a)+len(b)), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// distinct drops repeats from s, in place, keeping first occurrences:
// for lists whose order does not matter, a set is cheaper than the sort
// unique makes.
func distinct(s []string) []string {
	seen := make(map[string]struct{}, len(s))
	out := s[:0]
	for _, v := range s {
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}

func unique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
