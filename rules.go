package hub

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// endKinds are the node kinds a relationship type may start from and
// end at.
type endKinds struct{ from, to []Kind }

var (
	organisations = []Kind{KindOrganisation, KindEmployer}
	activities    = []Kind{KindProgramme, KindPilot}
	gatherings    = []Kind{KindEvent, KindTraining}
)

func kinds(groups ...[]Kind) []Kind { return slices.Concat(groups...) }

// relationshipEnds says, per relationship type, which kinds of node it
// links (PART_OF is checked by partOfAllows). The comments of the
// relationship types state the intent; the lists follow the OTE
// dataset's use.
var relationshipEnds = map[RelationshipType]endKinds{
	Administers: {organisations, activities},
	PartnerIn:   {organisations, activities},
	// Actors a source says are to be gathered into a pilot's network.
	ProspectivePartnerIn: {organisations, activities},
	Funds:                {kinds(organisations, []Kind{KindProgramme}), activities},
	Provides:             {kinds(organisations, activities), []Kind{KindService}},
	// An employer serves a target group by employing its people.
	Serves:      {kinds([]Kind{KindService}, activities, gatherings, organisations), kinds([]Kind{KindTargetGroup}, organisations)},
	RefersTo:    {kinds([]Kind{KindService, KindPilot}, organisations), kinds([]Kind{KindService}, organisations)},
	Coordinates: {organisations, kinds(activities, gatherings, organisations)},
	ExpertFor:   {kinds(organisations, []Kind{KindContact}), activities},
	MemberOf:    {kinds(organisations, []Kind{KindContact}), organisations},
	// A person: whom an organisation employs is a contact; that an
	// employer employs people of a target group is SERVES.
	Employs:        {organisations, []Kind{KindContact}},
	SignatoryOf:    {kinds(organisations, []Kind{KindContact}), []Kind{KindAgreement}},
	Leads:          {kinds(organisations, []Kind{KindContact}), activities},
	Organises:      {kinds(organisations, activities), gatherings},
	ParticipatesIn: {kinds(organisations, activities, []Kind{KindContact}), kinds(gatherings, []Kind{KindAgreement})},
	HasTheme:       {kinds(activities, []Kind{KindService}, gatherings), []Kind{KindTheme}},
	ContactFor:     {[]Kind{KindContact}, kinds(activities, organisations, gatherings)},
	// A region lies in another: a municipality in its wellbeing
	// services county.
	LocatedIn: {kinds(gatherings, []Kind{KindAgreement}, organisations, activities, []Kind{KindService, KindRegion}), []Kind{KindRegion}},
}

// CheckEnds checks that each relationship of b links kinds of node its
// type may link (see relationshipEnds), reading the ends b does not
// hold from s. Prepare does not: the storage contract is tested on
// relationships of any kinds; every write of new facts (the API's
// mutations, imports, the dataset) checks them.
func CheckEnds(ctx context.Context, s Reader, b *Batch) error {
	kinds := map[string]Kind{}
	for _, n := range b.Nodes {
		kinds[n.ID] = n.Kind
	}
	var ends []string
	for _, r := range b.Relationships {
		ends = append(ends, r.FromID, r.ToID)
	}
	if err := lookupKinds(ctx, s, kinds, ends); err != nil {
		return err
	}
	var regionLinks []*Relationship
	for _, r := range b.Relationships {
		from, okFrom := kinds[r.FromID]
		to, okTo := kinds[r.ToID]
		if !okFrom || !okTo {
			continue // Prepare names the missing end
		}
		if err := r.Type.allows(from, to); err != nil {
			return Invalid("type", "relationship %s: %v", r.Key, err)
		}
		if r.Type == LocatedIn && from == KindRegion {
			regionLinks = append(regionLinks, r)
		}
	}
	return checkRegionLinks(ctx, s, b, regionLinks)
}

// checkRegionLinks checks that a region LOCATED_IN another is a
// municipality in a wellbeing services county: the one link between
// regions that PART_OF (a municipality in its maakunta) does not make.
func checkRegionLinks(ctx context.Context, s Reader, b *Batch, links []*Relationship) error {
	if len(links) == 0 {
		return nil
	}
	levels := map[string]string{}
	for _, n := range b.Nodes {
		levels[n.ID] = n.Type
	}
	var stored []string
	for _, r := range links {
		for _, id := range []string{r.FromID, r.ToID} {
			if _, ok := levels[id]; !ok {
				stored = append(stored, id)
			}
		}
	}
	if len(stored) > 0 {
		found, err := s.NodesByID(ctx, stored)
		if err != nil {
			return err
		}
		for _, n := range found {
			if n != nil {
				levels[n.ID] = n.Type
			}
		}
	}
	for _, r := range links {
		if from, to := levels[r.FromID], levels[r.ToID]; from != "MUNICIPALITY" || to != "WELLBEING_SERVICES_COUNTY" {
			return Invalid("type", "relationship %s: a region is LOCATED_IN another only as a municipality in its wellbeing services county, not a %s in a %s", r.Key, from, to)
		}
	}
	return nil
}

// allows reports why t cannot link a from node to a to node, or nil
// when it can.
func (t RelationshipType) allows(from, to Kind) error {
	if t == PartOf {
		// A part of a thing of its own kind, or a pilot, service,
		// event or training that is part of a programme or a pilot.
		if from == to || (slices.Contains([]Kind{KindPilot, KindService, KindEvent, KindTraining, KindAgreement}, from) && slices.Contains(activities, to)) {
			return nil
		}
		return fmt.Errorf("a %s cannot be PART_OF a %s", from, to)
	}
	ends, ok := relationshipEnds[t]
	if !ok {
		return fmt.Errorf("unknown relationship type %q", t)
	}
	if !slices.Contains(ends.from, from) {
		return fmt.Errorf("%s starts from %s, not from a %s", t, kindList(ends.from), from)
	}
	if !slices.Contains(ends.to, to) {
		return fmt.Errorf("%s ends at %s, not at a %s", t, kindList(ends.to), to)
	}
	return nil
}

func kindList(ks []Kind) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = "a " + string(k)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// phoneSyntax accepts the ways phone numbers are written in Finland:
// "+358 50 123 4567", "050-123 4567", "(09) 123 456".
var phoneSyntax = regexp.MustCompile(`^\+?[0-9 ()-]{5,30}$`)

// checkContact checks the syntax of a contact's e-mail and phone.
func checkContact(what string, c *ContactDetails) error {
	if c == nil {
		return nil
	}
	if c.Email != "" {
		a, err := mail.ParseAddress(c.Email)
		if err != nil || a.Address != c.Email || a.Name != "" || len(c.Email) > 254 {
			return Invalid("contact.email", "%s: %q is not an e-mail address", what, truncate(c.Email, 64))
		}
	}
	if c.Phone != "" {
		digits := strings.Count(c.Phone, "") - 1 - strings.Count(c.Phone, " ") - strings.Count(c.Phone, "-") -
			strings.Count(c.Phone, "(") - strings.Count(c.Phone, ")") - strings.Count(c.Phone, "+")
		if !phoneSyntax.MatchString(c.Phone) || digits < 5 || digits > 15 {
			return Invalid("contact.phone", "%s: %q is not a phone number (5 to 15 digits, with spaces, dashes, brackets or a leading +)", what, truncate(c.Phone, 64))
		}
	}
	return nil
}

// checkURL accepts absolute http and https URLs with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2000 {
		return fmt.Errorf("%q is not an http or https URL", truncate(s, 64))
	}
	return nil
}

// ValidBusinessID reports whether s is a Finnish business ID (Y-tunnus):
// seven digits, a dash and a check digit. The check digit is the sum of
// the digits weighted 7, 9, 10, 5, 8, 4, 2, modulo 11: 0 for a remainder
// of 0, 11 minus the remainder otherwise; a remainder of 1 is never
// issued.
func ValidBusinessID(s string) bool {
	if len(s) != 9 || s[7] != '-' {
		return false
	}
	sum := 0
	for i, w := range [7]int{7, 9, 10, 5, 8, 4, 2} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * w
	}
	if s[8] < '0' || s[8] > '9' {
		return false
	}
	check := 0
	switch r := sum % 11; r {
	case 0:
	case 1:
		return false
	default:
		check = 11 - r
	}
	return int(s[8]-'0') == check
}

// checkUniqueKeys refuses a business ID or external id that another
// node of the same kind holds, in the batch or in s.
func checkUniqueKeys(ctx context.Context, s Reader, b *Batch) error {
	type claim struct {
		n *Node
		k uniqueKey
	}
	claims := map[string]claim{} // unique key → the batch's node
	for _, n := range b.Nodes {
		for _, k := range uniqueKeysOf(n) {
			if other, ok := claims[k.key]; ok {
				return Invalid(k.field, "%s/%s and %s/%s have the same %s", other.n.Kind, other.n.Key, n.Kind, n.Key, k.what)
			}
			claims[k.key] = claim{n, k}
		}
	}
	if len(claims) == 0 {
		return nil
	}
	stored, _, err := s.FindNodes(ctx, NodeFilter{Kinds: []Kind{KindOrganisation, KindEmployer}}, ListOptions{First: Unlimited})
	if err != nil {
		return err
	}
	inBatch := make(map[string]bool, len(b.Nodes))
	for _, n := range b.Nodes {
		inBatch[n.ID] = true
	}
	for _, n := range stored {
		if inBatch[n.ID] {
			continue // a node the batch writes holds what the batch says
		}
		for _, k := range uniqueKeysOf(n) {
			if c, ok := claims[k.key]; ok {
				return Invalid(c.k.field, "%s/%s: %s is %s/%s's already", c.n.Kind, c.n.Key, c.k.what, n.Kind, n.Key)
			}
		}
	}
	return nil
}
