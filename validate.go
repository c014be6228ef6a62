package hub

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// Limits on stored values, so that one bad write cannot bloat every
// response.
const (
	maxTextLen  = 4000
	maxNameLen  = 500
	maxListLen  = 100
	maxBatchLen = 100_000
)

var (
	keyPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Prepare validates a batch against itself and the network as s holds
// it, and fills in the derived fields (ids when empty, search terms,
// order keys, timestamps at UTC millisecond precision). It never writes; a
// batch that fails is an EINVALID error naming the first problem, and the
// caller must not Apply it.
func Prepare(ctx context.Context, s Reader, b *Batch, now time.Time) error {
	if len(b.Nodes)+len(b.Relationships) > maxBatchLen {
		return Errorf(ETOOLARGE, "a batch holds at most %d rows", maxBatchLen)
	}
	now = now.UTC().Truncate(time.Millisecond)
	kinds := map[string]Kind{} // id → kind, for the batch and the store rows it references
	for _, n := range b.Nodes {
		if err := prepareNode(n, now); err != nil {
			return err
		}
		if _, dup := kinds[n.ID]; dup {
			return Invalid("key", "node %s/%s appears twice in the batch", n.Kind, n.Key)
		}
		kinds[n.ID] = n.Kind
	}
	// Every id the batch references and does not hold is looked up in
	// one call.
	var refs []string
	for _, n := range b.Nodes {
		for _, c := range n.Sources {
			refs = append(refs, c.SourceID)
		}
		refs = append(refs, n.RegionIDs...)
	}
	for _, r := range b.Relationships {
		refs = append(refs, r.FromID, r.ToID)
		for _, c := range r.Sources {
			refs = append(refs, c.SourceID)
		}
	}
	if err := lookupKinds(ctx, s, kinds, refs); err != nil {
		return err
	}
	// checkCitations checks the citations at field prefix ("sources",
	// "alternatives.0.sources") of a row whose fact fields are facts.
	checkCitations := func(what, prefix string, cs []Citation, facts []string) error {
		if len(cs) == 0 {
			return Invalid(prefix, "%s has no source: every fact cites the source document that states it, or who stated it", what)
		}
		for i, c := range cs {
			at := func(field string) string { return fmt.Sprintf("%s.%d.%s", prefix, i, field) }
			switch {
			case c.SourceID == "" && c.StatedBy == "":
				return Invalid(at("sourceId"), "%s has a citation of no source document and no one who stated it", what)
			case c.SourceID != "" && c.StatedBy != "":
				return Invalid(at("statedBy"), "%s has a citation of a source document that is also a statement: cite one or the other", what)
			case c.SourceID != "" && kinds[c.SourceID] != KindSourceDocument:
				return Invalid(at("sourceId"), "%s cites %q, which is not a source document", what, truncate(c.SourceID, 64))
			case len(c.StatedBy) > maxNameLen:
				return Invalid(at("statedBy"), "%s names a statement's author longer than %d bytes", what, maxNameLen)
			case len(c.Locator) > maxNameLen:
				return Invalid(at("locator"), "%s has a citation locator longer than %d bytes", what, maxNameLen)
			case len(c.Quote) > maxTextLen:
				return Invalid(at("quote"), "%s has a citation quote longer than %d bytes", what, maxTextLen)
			}
			for j, f := range c.Fields {
				if !slices.Contains(facts, f) {
					return Invalid(fmt.Sprintf("%s.%d.fields.%d", prefix, i, j), "%s cites a source for %q, which is not one of its fields %v", what, truncate(f, 64), facts)
				}
			}
		}
		return nil
	}
	checkAlternatives := func(what string, alts []Alternative, facts []string) error {
		for i, a := range alts {
			if err := checkCitations(what, fmt.Sprintf("alternatives.%d.sources", i), a.Sources, facts); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range b.Nodes {
		what := string(n.Kind) + "/" + n.Key
		if n.Kind != KindSourceDocument {
			if err := checkCitations(what, "sources", n.Sources, nodeFacts); err != nil {
				return err
			}
		}
		if err := checkAlternatives(what, n.Alternatives, nodeFacts); err != nil {
			return err
		}
		for i, r := range n.RegionIDs {
			if kinds[r] != KindRegion {
				return Invalid(fmt.Sprintf("regionIds.%d", i), "%s names region %q, which is not a region", what, truncate(r, 64))
			}
		}
	}
	if err := checkUniqueKeys(ctx, s, b); err != nil {
		return err
	}
	ids := map[string]bool{}
	parents := map[string]string{} // child id → relationship id of its PART_OF
	for _, r := range b.Relationships {
		if err := prepareRelationship(r, now); err != nil {
			return err
		}
		if ids[r.ID] {
			return Invalid("key", "relationship %s appears twice in the batch", r.Key)
		}
		ids[r.ID] = true
		if _, ok := kinds[r.FromID]; !ok {
			return Invalid("fromId", "relationship %s starts at unknown node %q", r.Key, truncate(r.FromID, 64))
		}
		if _, ok := kinds[r.ToID]; !ok {
			return Invalid("toId", "relationship %s ends at unknown node %q", r.Key, truncate(r.ToID, 64))
		}

		if err := checkCitations("relationship "+r.Key, "sources", r.Sources, relationshipFacts); err != nil {
			return err
		}
		if err := checkAlternatives("relationship "+r.Key, r.Alternatives, relationshipFacts); err != nil {
			return err
		}
		if r.Type == PartOf {
			if other, ok := parents[r.FromID]; ok {
				return Invalid("fromId", "relationship %s gives a second parent (PART_OF) to a node that already has one (%s)", r.Key, other)
			}
			parents[r.FromID] = r.Key
		}
	}
	if len(parents) > 0 {
		children := make([]string, 0, len(parents))
		for c := range parents {
			children = append(children, c)
		}
		existing, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{PartOf}, FromIDs: children}, ListOptions{First: Unlimited})
		if err != nil {
			return err
		}
		for _, e := range existing {
			if !ids[e.ID] {
				return Invalid("fromId", "relationship %s gives a second parent (PART_OF) to a node that already has one (%s)", parents[e.FromID], e.Key)
			}
		}
	}
	return nil
}

// checkClassification checks that only regions have a classification,
// that it names the scheme of the region's level and a plausible year,
// and that its URL is a web address.
func checkClassification(what string, n *Node) error {
	c := n.Classification
	if c == nil {
		return nil
	}
	if n.Kind != KindRegion {
		return Invalid("classification", "%s: only regions have a classification", what)
	}
	if want := RegionSchemes[n.Type]; c.Scheme != want {
		return Invalid("classification.scheme", "%s: a %s's codes come from the classification %q, not %q", what, n.Type, want, truncate(c.Scheme, 32))
	}
	if c.Year < 1900 || c.Year > 2100 {
		return Invalid("classification.year", "%s: classification year %d is not between 1900 and 2100", what, c.Year)
	}
	if n.Code == "" {
		return Invalid("code", "%s: a classified region has a code", what)
	}
	if c.URL != "" {
		if err := checkURL(c.URL); err != nil {
			return Invalid("classification.url", "%s: %v", what, err)
		}
	}
	return nil
}

func prepareNode(n *Node, now time.Time) error {
	if !n.Kind.Valid() {
		return Invalid("kind", "unknown node kind %q", truncate(string(n.Kind), 64))
	}
	if !keyPattern.MatchString(n.Key) {
		return Invalid("key", "node key %q must be 1-100 lower-case letters, digits or dashes", truncate(n.Key, 64))
	}
	what := string(n.Kind) + "/" + n.Key
	if id := NodeID(n.Kind, n.Key); n.ID == "" {
		n.ID = id
	} else if n.ID != id {
		return Invalid("id", "%s has id %q, expected %q", what, truncate(n.ID, 64), id)
	}
	if n.Name.IsZero() {
		return Invalid("name", "%s has no name", what)
	}
	for _, f := range []struct {
		field string
		list  []string
	}{{"name", n.Name.All()}, {"abbreviations", n.Abbreviations}, {"aliases", n.Aliases}} {
		field := f.field
		for _, s := range f.list {
			if len(s) > maxNameLen {
				return Invalid(field, "%s has a name longer than %d bytes", what, maxNameLen)
			}
			if strings.TrimSpace(s) == "" {
				return Invalid(field, "%s has a blank name", what)
			}
		}
	}
	for _, f := range []struct {
		field string
		len   int
	}{{"abbreviations", len(n.Abbreviations)}, {"aliases", len(n.Aliases)}, {"regionIds", len(n.RegionIDs)},
		{"goals", len(n.Goals)}, {"sources", len(n.Sources)}} {
		if f.len > maxListLen {
			return Invalid(f.field, "%s has a list longer than %d items", what, maxListLen)
		}
	}
	for _, f := range []struct {
		field string
		list  []string
	}{{"description", n.Description.All()}, {"title", []string{n.Title}}} {
		for _, t := range f.list {
			if len(t) > maxTextLen {
				return Invalid(f.field, "%s has a text longer than %d bytes", what, maxTextLen)
			}
		}
	}
	for i, g := range n.Goals {
		for _, t := range g.All() {
			if len(t) > maxTextLen {
				return Invalid(fmt.Sprintf("goals.%d", i), "%s has a goal longer than %d bytes", what, maxTextLen)
			}
		}
	}
	types := NodeTypes(n.Kind)
	switch {
	case len(types) == 0 && n.Type != "":
		return Invalid("type", "%s: a %s has no type, got %q", what, n.Kind, truncate(n.Type, 64))
	case len(types) > 0 && !slices.Contains(types, n.Type):
		return Invalid("type", "%s: type %q is not one of %v", what, truncate(n.Type, 64), types)
	}
	if n.Code != "" && n.Kind != KindRegion {
		return Invalid("code", "%s: only regions have a code", what)
	}
	if err := checkClassification(what, n); err != nil {
		return err
	}
	if n.BusinessID != "" {
		if n.Kind != KindOrganisation && n.Kind != KindEmployer {
			return Invalid("businessId", "%s: only organisations and employers have a business ID", what)
		}
		if !ValidBusinessID(n.BusinessID) {
			return Invalid("businessId", "%s: %q is not a Finnish business ID (seven digits, a dash and the check digit, such as 0245437-2)", what, truncate(n.BusinessID, 32))
		}
	}
	if err := checkExternalIDs(what, n); err != nil {
		return err
	}
	if (n.Title != "" || n.Contact != nil) && n.Kind != KindContact {
		return Invalid("contact", "%s: only contacts have a title or contact details", what)
	}
	if err := checkContact(what, n.Contact); err != nil {
		return err
	}
	if (n.Document != nil) != (n.Kind == KindSourceDocument) {
		return Invalid("document", "%s: source documents, and only they, have document details", what)
	}
	if n.Document != nil && n.Document.URL != "" {
		if err := checkURL(n.Document.URL); err != nil {
			return Invalid("document.url", "%s: %v", what, err)
		}
	}
	if err := preparePeriod(what, n.Period); err != nil {
		return err
	}
	if n.Document != nil && n.Document.Published != nil {
		*n.Document.Published = utcDay(*n.Document.Published)
	}
	if err := prepareAlternatives(what, n, nodeAlternativeFields, func(c *Node) error {
		c.Alternatives = nil
		return prepareNode(c, now)
	}); err != nil {
		return err
	}
	deriveNode(n)
	n.UpdatedAt = now
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now
	} else {
		n.CreatedAt = n.CreatedAt.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// deriveNode sets the fields of n that follow from its facts: its
// search terms, sort name and sort start.
func deriveNode(n *Node) {
	n.SearchTerms = n.SearchTerms[:0]
	for _, s := range slices.Concat(n.Name.All(), n.Abbreviations, n.Aliases) {
		if t := Normalize(s); t != "" && !slices.Contains(n.SearchTerms, t) {
			n.SearchTerms = append(n.SearchTerms, t)
		}
	}
	n.SortName = Normalize(n.DisplayName(Finnish))
	n.SortStart = periodStart(n.Period)
}

func prepareRelationship(r *Relationship, now time.Time) error {
	if !r.Type.Valid() {
		return Invalid("type", "unknown relationship type %q", truncate(string(r.Type), 64))
	}
	if r.Key == "" || len(r.Key) > 1000 {
		return Invalid("key", "relationship key must be 1-1000 bytes")
	}
	what := "relationship " + r.Key
	if id := RelationshipID(r.Key); r.ID == "" {
		r.ID = id
	} else if r.ID != id {
		return Invalid("id", "%s has id %q, expected %q", what, truncate(r.ID, 64), id)
	}
	if r.FromID == r.ToID {
		return Invalid("toId", "%s links a node to itself", what)
	}
	if r.Amount != nil {
		if r.Type != Funds {
			return Invalid("amount", "%s: only FUNDS relationships carry an amount", what)
		}
		if r.Amount.Minor < 0 {
			return Invalid("amount.minor", "%s: an amount needs a non-negative value", what)
		}
		if !currencyPattern.MatchString(r.Amount.Currency) {
			return Invalid("amount.currency", "%s: %q is not an ISO 4217 currency code (three capital letters, such as EUR)", what, truncate(r.Amount.Currency, 16))
		}
		if _, err := currency.ParseISO(r.Amount.Currency); err != nil {
			return Invalid("amount.currency", "%s: %q is not an ISO 4217 currency code", what, r.Amount.Currency)
		}
	}
	if len(r.Role) > maxNameLen {
		return Invalid("role", "%s: role longer than %d bytes", what, maxNameLen)
	}
	if len(r.Sources) > maxListLen {
		return Invalid("sources", "%s has more than %d sources", what, maxListLen)
	}
	for _, t := range r.Description.All() {
		if len(t) > maxTextLen {
			return Invalid("description", "%s has a text longer than %d bytes", what, maxTextLen)
		}
	}
	if err := preparePeriod(what, r.Period); err != nil {
		return err
	}
	if err := prepareAlternatives(what, r, relationshipFacts, func(c *Relationship) error {
		c.Alternatives = nil
		return prepareRelationship(c, now)
	}); err != nil {
		return err
	}
	r.SortStart = periodStart(r.Period)
	r.UpdatedAt = now
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	} else {
		r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Millisecond)
	}
	return nil
}

func preparePeriod(what string, p *Period) error {
	if p == nil {
		return nil
	}
	if p.Start != nil {
		*p.Start = utcDay(*p.Start)
	}
	if p.End != nil {
		*p.End = utcDay(*p.End)
	}
	if p.Start != nil && p.End != nil && p.End.Before(*p.Start) {
		return Invalid("period.end", "%s: period ends before it starts", what)
	}
	return nil
}

func periodStart(p *Period) string {
	if p == nil || p.Start == nil {
		return ""
	}
	return p.Start.Format(time.DateOnly)
}

// lookupKinds adds to kinds the kind of every id of ids it lacks, read
// from s in one call; ids s does not hold stay out.
func lookupKinds(ctx context.Context, s Reader, kinds map[string]Kind, ids []string) error {
	var missing []string
	asked := map[string]bool{}
	for _, id := range ids {
		if _, ok := kinds[id]; !ok && id != "" && !asked[id] {
			asked[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := s.NodesByID(ctx, missing)
	if err != nil {
		return err
	}
	for _, n := range found {
		if n != nil {
			kinds[n.ID] = n.Kind
		}
	}
	return nil
}

// Bounds of external ids: a scheme is a short token, an id fits any
// register's key.
const (
	maxExternalIDs   = 20
	maxSchemeLen     = 40
	maxExternalIDLen = 200
)

// ValidScheme reports whether s names a register of external ids:
// lowercase letters and digits, starting with a letter, optionally with
// "-", "_", "." or one ":" (partner:acme) inside.
func ValidScheme(s string) bool {
	if s == "" || len(s) > maxSchemeLen || s[0] < 'a' || s[0] > 'z' || strings.Count(s, ":") > 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.:", c) >= 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// checkExternalIDs validates a node's external ids: only organisations
// and employers have them, one per scheme, each id non-empty, bounded
// and printable.
func checkExternalIDs(what string, n *Node) error {
	if len(n.ExternalIDs) == 0 {
		return nil
	}
	if n.Kind != KindOrganisation && n.Kind != KindEmployer {
		return Invalid("externalIds", "%s: only organisations and employers have external ids", what)
	}
	if len(n.ExternalIDs) > maxExternalIDs {
		return Invalid("externalIds", "%s has more than %d external ids", what, maxExternalIDs)
	}
	seen := make(map[string]bool, len(n.ExternalIDs))
	for i, e := range n.ExternalIDs {
		field := fmt.Sprintf("externalIds.%d", i)
		if !ValidScheme(e.Scheme) {
			return Invalid(field+".scheme", "%s: scheme %q is not a lowercase token such as ytj or partner:acme (at most %d bytes)", what, truncate(e.Scheme, 64), maxSchemeLen)
		}
		if seen[e.Scheme] {
			return Invalid(field+".scheme", "%s has two external ids of scheme %s", what, e.Scheme)
		}
		seen[e.Scheme] = true
		switch {
		case strings.TrimSpace(e.ID) == "":
			return Invalid(field+".id", "%s: the external id of scheme %s is empty", what, e.Scheme)
		case len(e.ID) > maxExternalIDLen:
			return Invalid(field+".id", "%s: the external id of scheme %s is longer than %d bytes", what, e.Scheme, maxExternalIDLen)
		case !utf8.ValidString(e.ID) || strings.ContainsFunc(e.ID, unicode.IsControl) || strings.TrimSpace(e.ID) != e.ID:
			return Invalid(field+".id", "%s: the external id of scheme %s has control characters or surrounding spaces", what, e.Scheme)
		}
	}
	return nil
}
