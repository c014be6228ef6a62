// Package synthetic generates a deterministic, OTE-like network of any
// size for benchmarks and load tests: organisations spread over the 19
// regions, pilots with an administrator, partners and funding, services,
// target groups and themes, a programme with sub-projects, and every node
// and relationship citing a synthetic source document. Nothing in it is a
// fact: it has the shape of the real network (skewed partnerships, a few
// large funders, hub organisations), not its content.
//
// The same Config, seed included, always gives the same batch, byte for
// byte (given the same Go release: the randomness is math/rand/v2's PCG),
// so that benchmark runs compare like with like.
//
// Region keys are the Statistics Finland codes, as in the OTE dataset, so
// that region ids are the same in both; every other key starts with
// "syn-". The network is meant for an empty store: loaded next to the
// dataset it would replace the dataset's 19 region nodes.
package synthetic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// Config sizes a synthetic network. Organisations, Pilots, Services,
// TargetGroups, Themes and Sources are exact node counts; Relationships is
// the exact number of relationships. Besides these the network always
// holds the 19 regions and one programme with SubProjects sub-projects.
type Config struct {
	// Seed selects the network: the same seed gives the same batch.
	Seed          int64
	Organisations int
	Relationships int
	Pilots        int
	Services      int
	TargetGroups  int
	Themes        int
	// Sources is the number of synthetic source documents (at least 1).
	Sources int
}

// SubProjects is the number of sub-projects of the synthetic programme;
// every pilot is PART_OF one of them or of the programme itself.
const SubProjects = 4

// LoadChunk is the number of rows Load prepares and applies at once: one
// transaction of a whole 10k network (110 000 rows) is more than a
// MongoDB transaction should carry, and more than hub.Prepare accepts.
const LoadChunk = 5000

// Default10k is the benchmark network: 10 000 organisations and 100 000
// relationships, with 500 pilots, 300 services, 30 target groups, 3 themes
// and 3 source documents (10 860 nodes in all).
func Default10k() Config {
	return Config{
		Seed:          1,
		Organisations: 10_000,
		Relationships: 100_000,
		Pilots:        500,
		Services:      300,
		TargetGroups:  30,
		Themes:        3,
		Sources:       3,
	}
}

// Small is a network for tests: 60 organisations, 300 relationships, 6
// pilots, 12 services, 5 target groups, 3 themes and 2 source documents.
func Small(seed int64) Config {
	return Config{
		Seed:          seed,
		Organisations: 60,
		Relationships: 300,
		Pilots:        6,
		Services:      12,
		TargetGroups:  5,
		Themes:        3,
		Sources:       2,
	}
}

func (c Config) check() error {
	switch {
	case c.Organisations < 1:
		return fmt.Errorf("need at least 1 organisation")
	case c.Sources < 1:
		return fmt.Errorf("need at least 1 source document")
	case c.Themes < 1 && (c.Pilots > 0 || c.Services > 0):
		return fmt.Errorf("pilots and services need at least 1 theme")
	case c.Services < 1 && c.Pilots > 0:
		return fmt.Errorf("pilots need at least 1 service")
	case c.TargetGroups < 1 && (c.Pilots > 0 || c.Services > 0):
		return fmt.Errorf("pilots and services need at least 1 target group")
	case c.Pilots < 0 || c.Services < 0 || c.TargetGroups < 0 || c.Themes < 0 || c.Relationships < 0:
		return fmt.Errorf("counts must not be negative")
	case c.Organisations > 99_999 || c.Pilots > 99_999 || c.Services > 99_999:
		return fmt.Errorf("at most 99 999 organisations, pilots and services")
	}
	return nil
}

// Generate returns the network cfg describes, not yet prepared: node ids
// are set (hub.NodeID), relationship ids are left to hub.Prepare. Nodes
// come in dependency order (source documents, regions, themes, target
// groups, programmes, services, pilots, organisations), so that every
// prefix of the node list can be prepared on its own.
//
// Generate panics when cfg cannot be satisfied: no organisation or source
// document, pilots without services, themes or target groups, or fewer
// relationships than the pilots, services and programme need themselves
// (the message says how many).
func Generate(cfg Config) *hub.Batch {
	if err := cfg.check(); err != nil {
		panic("synthetic: " + err.Error())
	}
	g := &gen{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15)),
		b:     &hub.Batch{},
		keys:  map[string]bool{},
		names: map[string]int{},
		child: map[string]bool{},
	}
	g.nodes()
	g.structure()
	g.fill()
	return g.b
}

// Load prepares and applies b to s in chunks of LoadChunk rows, every node
// before any relationship, so that each chunk is validated against the
// rows already written. It prepares b's rows in place. Source documents
// and regions are written first whatever their place in b.
func Load(ctx context.Context, s hub.Network, b *hub.Batch) error {
	// Citations and region lists must find their targets in the chunk or
	// in the store: order those targets first.
	rank := func(n *hub.Node) int {
		switch n.Kind {
		case hub.KindSourceDocument:
			return 0
		case hub.KindRegion:
			return 1
		}
		return 2
	}
	nodes := slices.Clone(b.Nodes)
	slices.SortStableFunc(nodes, func(x, y *hub.Node) int { return rank(x) - rank(y) })
	apply := func(chunk *hub.Batch, what string) error {
		if err := hub.Prepare(ctx, s, chunk, time.Now()); err != nil {
			return fmt.Errorf("synthetic: prepare %s: %w", what, err)
		}
		if err := hub.CheckEnds(ctx, s, chunk); err != nil {
			return fmt.Errorf("synthetic: %s: %w", what, err)
		}
		if err := s.Apply(ctx, chunk); err != nil {
			return fmt.Errorf("synthetic: apply %s: %w", what, err)
		}
		return nil
	}
	for i := 0; i < len(nodes); i += LoadChunk {
		end := min(i+LoadChunk, len(nodes))
		if err := apply(&hub.Batch{Nodes: nodes[i:end]}, fmt.Sprintf("nodes %d-%d", i, end-1)); err != nil {
			return err
		}
	}
	for i := 0; i < len(b.Relationships); i += LoadChunk {
		end := min(i+LoadChunk, len(b.Relationships))
		if err := apply(&hub.Batch{Relationships: b.Relationships[i:end]}, fmt.Sprintf("relationships %d-%d", i, end-1)); err != nil {
			return err
		}
	}
	return nil
}

// gen holds the state of one generation. Every random choice goes through
// rng, in a fixed order, which is what makes the output reproducible:
// nothing here iterates a map.
type gen struct {
	cfg Config
	rng *rand.Rand
	b   *hub.Batch

	sources, regions, themes, targetGroups, services, pilots, orgs []*hub.Node
	programme                                                      *hub.Node
	subProjects                                                    []*hub.Node

	orgType      []string // per organisation
	orgsInRegion [][]int  // per region index: organisations located there
	pilotRegion  []int    // per pilot: its main region index

	keys  map[string]bool // relationship keys used
	names map[string]int  // display names used, to number repeats
	child map[string]bool // node ids that have their PART_OF
	row   int             // citation locator counter
}

// Calendar bounds of the synthetic network's periods.
var (
	first = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	last  = time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
)

func ref(n *hub.Node) string { return hub.NodeRef(n.Kind, n.Key) }

// cite returns a citation of one of the source documents.
func (g *gen) cite() []hub.Citation {
	g.row++
	src := g.sources[g.rng.IntN(len(g.sources))]
	return []hub.Citation{{SourceID: src.ID, Locator: fmt.Sprintf("rivi %d", g.row)}}
}

// name numbers a repeated display name ("Helsingin säätiö 2"), as a
// register would tell apart namesakes.
func (g *gen) name(s string) string {
	g.names[s]++
	if n := g.names[s]; n > 1 {
		return fmt.Sprintf("%s %d", s, n)
	}
	return s
}

func (g *gen) node(kind hub.Kind, key, typ string, name hub.LocalizedText) *hub.Node {
	n := &hub.Node{ID: hub.NodeID(kind, key), Kind: kind, Key: key, Type: typ, Name: name}
	if kind != hub.KindSourceDocument {
		n.Sources = g.cite()
	}
	g.b.Nodes = append(g.b.Nodes, n)
	return n
}

func date(t time.Time) *time.Time { return &t }

// pilotPeriod is a run of 6 to 30 months starting between January 2016
// and mid-2018, ending by the end of 2019.
func (g *gen) pilotPeriod() *hub.Period {
	start := first.AddDate(0, 0, g.rng.IntN(900))
	end := start.AddDate(0, 6+g.rng.IntN(25), -1)
	if end.After(last) {
		end = last
	}
	return &hub.Period{Start: date(start), End: date(end)}
}

// within returns a period inside p (a partner joining late or leaving
// early), or a copy of p. Every period gets its own times: Prepare
// normalises them in place.
func (g *gen) within(p *hub.Period) *hub.Period {
	start, end := *p.Start, *p.End
	days := int(end.Sub(start).Hours() / 24)
	if days > 60 && g.rng.IntN(3) == 0 {
		start = start.AddDate(0, 0, g.rng.IntN(days/3))
	}
	if days > 60 && g.rng.IntN(4) == 0 {
		end = end.AddDate(0, 0, -g.rng.IntN(days/4))
	}
	return &hub.Period{Start: date(start), End: date(end)}
}

// anyPeriod is a random period within 2016–2019; some have no known end.
func (g *gen) anyPeriod() *hub.Period {
	start := first.AddDate(0, 0, g.rng.IntN(1200))
	if g.rng.IntN(5) == 0 {
		return &hub.Period{Start: date(start)}
	}
	end := start.AddDate(0, 3+g.rng.IntN(36), -1)
	if end.After(last) {
		end = last
	}
	return &hub.Period{Start: date(start), End: date(end)}
}

// weighted picks an index with probability proportional to its weight.
func (g *gen) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// zipf draws skewed indices into a fixed random order of n items, so that
// a few items (not always the first ones) are drawn very often.
type zipf struct {
	order []int
	z     *rand.Zipf
}

func (g *gen) zipf(items []int) *zipf {
	if len(items) == 0 {
		return nil
	}
	order := slices.Clone(items)
	g.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return &zipf{order: order, z: rand.NewZipf(g.rng, 1.3, 20, uint64(len(order)-1))}
}

func (z *zipf) next() int { return z.order[z.z.Uint64()] }

// nodes creates every node, in dependency order.
func (g *gen) nodes() {
	for i := range g.cfg.Sources {
		n := g.node(hub.KindSourceDocument, fmt.Sprintf("syn-source-%d", i+1), "REFERENCE_DATA",
			hub.LocalizedText{FI: fmt.Sprintf("Synteettinen lähdeaineisto %d", i+1), EN: fmt.Sprintf("Synthetic reference data %d", i+1)})
		n.Document = &hub.Document{
			File: fmt.Sprintf("synthetic-%d.json", i+1), Publisher: "otehub synthetic generator",
			Published: date(last), Language: hub.Finnish,
		}
		g.sources = append(g.sources, n)
	}
	for _, r := range regions {
		n := g.node(hub.KindRegion, r.code, "REGION", hub.LocalizedText{FI: r.fi, SV: r.sv, EN: r.en})
		n.Code = r.code
		g.regions = append(g.regions, n)
	}
	g.orgsInRegion = make([][]int, len(g.regions))
	for i := range g.cfg.Themes {
		t := themes[i%len(themes)]
		n := g.node(hub.KindTheme, fmt.Sprintf("syn-theme-%d", i+1), "", hub.LocalizedText{FI: g.name(t.fi), SV: t.sv, EN: t.en})
		g.themes = append(g.themes, n)
	}
	for i := range g.cfg.TargetGroups {
		t := targetGroups[i%len(targetGroups)]
		n := g.node(hub.KindTargetGroup, fmt.Sprintf("syn-tg-%02d", i+1), "", hub.LocalizedText{FI: g.name(t.fi), EN: t.en})
		g.targetGroups = append(g.targetGroups, n)
	}
	g.programme = g.node(hub.KindProgramme, "syn-ote", "PROGRAMME", hub.LocalizedText{
		FI: "Osatyökykyisille tie työelämään (synteettinen)", EN: "Pathway to working life for people with partial work ability (synthetic)",
	})
	g.programme.Abbreviations = []string{"OTE"}
	g.programme.Period = &hub.Period{Start: date(first), End: date(time.Date(2018, 12, 31, 0, 0, 0, 0, time.UTC))}
	for i := range SubProjects {
		n := g.node(hub.KindProgramme, fmt.Sprintf("syn-ote-osahanke-%d", i+1), "SUB_PROJECT",
			hub.LocalizedText{FI: fmt.Sprintf("OTE-osahanke %d: %s", i+1, subProjectTopics[i%len(subProjectTopics)])})
		n.Period = &hub.Period{Start: date(first.AddDate(0, 3*i, 0)), End: date(time.Date(2018, 12, 31, 0, 0, 0, 0, time.UTC))}
		g.subProjects = append(g.subProjects, n)
	}
	for i := range g.cfg.Services {
		base := serviceNames[g.rng.IntN(len(serviceNames))]
		qual := serviceQualifiers[g.rng.IntN(len(serviceQualifiers))]
		n := g.node(hub.KindService, fmt.Sprintf("syn-service-%03d", i+1), serviceTypes[g.weighted(serviceTypeWeights)],
			hub.LocalizedText{FI: g.name(base + " " + qual)})
		if g.rng.IntN(2) == 0 {
			n.RegionIDs = []string{g.regions[g.weighted(regionWeights)].ID}
		}
		if g.rng.IntN(3) == 0 {
			n.Description = hub.LocalizedText{FI: "Synteettinen palvelu: " + strings.ToLower(base) + " " + qual + "."}
		}
		g.services = append(g.services, n)
	}
	for i := range g.cfg.Pilots {
		r := g.weighted(regionWeights)
		pl := regions[r].places[g.rng.IntN(len(regions[r].places))]
		n := g.node(hub.KindPilot, fmt.Sprintf("syn-pilot-%04d", i+1), "PILOT",
			hub.LocalizedText{FI: g.name(pl.gen + " " + pilotTopics[g.rng.IntN(len(pilotTopics))])})
		n.RegionIDs = []string{g.regions[r].ID}
		if g.rng.IntN(4) == 0 {
			if r2 := g.weighted(regionWeights); r2 != r {
				n.RegionIDs = append(n.RegionIDs, g.regions[r2].ID)
			}
		}
		if g.rng.IntN(5) < 3 {
			n.Abbreviations = []string{fmt.Sprintf("%s OTE %d", abbreviate(pl.nom), i+1)}
		}
		n.Period = g.pilotPeriod()
		for range 1 + g.rng.IntN(2) {
			n.Goals = append(n.Goals, hub.LocalizedText{FI: goals[g.rng.IntN(len(goals))]})
		}
		if g.rng.IntN(2) == 0 {
			n.Description = hub.LocalizedText{FI: "Synteettinen kokeilu, joka " + descriptions[g.rng.IntN(len(descriptions))] + "."}
		}
		g.pilots = append(g.pilots, n)
		g.pilotRegion = append(g.pilotRegion, r)
	}
	typeWeights := make([]float64, len(hub.OrganisationTypes))
	for i, t := range hub.OrganisationTypes {
		typeWeights[i] = 1
		if w, ok := orgTypeWeights[t]; ok {
			typeWeights[i] = w
		}
	}
	for i := range g.cfg.Organisations {
		typ := hub.OrganisationTypes[g.weighted(typeWeights)]
		r := g.weighted(regionWeights)
		pl := regions[r].places[g.rng.IntN(len(regions[r].places))]
		nouns, ok := orgNouns[typ]
		if !ok {
			nouns = orgNouns["OTHER"]
		}
		noun := nouns[g.rng.IntN(len(nouns))]
		name := hub.LocalizedText{FI: g.name(pl.gen + " " + noun.fi)}
		if g.rng.IntN(10) == 0 {
			name.EN = pl.nom + " " + noun.en
		}
		n := g.node(hub.KindOrganisation, fmt.Sprintf("syn-org-%05d", i+1), typ, name)
		n.RegionIDs = []string{g.regions[r].ID}
		g.orgsInRegion[r] = append(g.orgsInRegion[r], i)
		if g.rng.IntN(7) == 0 {
			if r2 := g.weighted(regionWeights); r2 != r {
				n.RegionIDs = append(n.RegionIDs, g.regions[r2].ID)
				g.orgsInRegion[r2] = append(g.orgsInRegion[r2], i)
			}
		}
		if g.rng.IntN(6) == 0 {
			n.Abbreviations = []string{abbreviate(pl.nom) + strings.ToUpper(noun.fi[:1])}
		}
		if g.rng.IntN(20) == 0 {
			n.Aliases = []string{pl.gen + " " + nouns[g.rng.IntN(len(nouns))].fi}
		}
		if g.rng.IntN(4) == 0 {
			n.Description = hub.LocalizedText{FI: "Synteettinen organisaatio, joka " + descriptions[g.rng.IntN(len(descriptions))] + "."}
		}
		g.orgs = append(g.orgs, n)
		g.orgType = append(g.orgType, typ)
	}
}

// link adds a relationship unless its key is taken, it would link a node
// to itself, or it would give a node a second PART_OF. It returns the
// relationship, or nil when it added none.
func (g *gen) link(t hub.RelationshipType, from, to *hub.Node, role string, p *hub.Period) *hub.Relationship {
	key := hub.RelationshipKey(t, ref(from), ref(to), "")
	if from == to || g.keys[key] || (t == hub.PartOf && g.child[from.ID]) {
		return nil
	}
	g.keys[key] = true
	if t == hub.PartOf {
		g.child[from.ID] = true
	}
	r := &hub.Relationship{Key: key, Type: t, FromID: from.ID, ToID: to.ID, Role: role, Period: p, Sources: g.cite()}
	g.b.Relationships = append(g.b.Relationships, r)
	return r
}

// orgsOf returns the indices of the organisations whose type is one of
// types, or every organisation when none is.
func (g *gen) orgsOf(types ...string) []int {
	var out []int
	for i, t := range g.orgType {
		if slices.Contains(types, t) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		for i := range g.orgs {
			out = append(out, i)
		}
	}
	return out
}

// local picks an organisation of region r from pool, falling back to any
// of pool when the region has none.
func (g *gen) local(r int, pool []int) *hub.Node {
	cands := g.orgsInRegion[r]
	if len(pool) < len(g.orgs) {
		cands = nil
		for _, i := range g.orgsInRegion[r] {
			if _, ok := slices.BinarySearch(pool, i); ok {
				cands = append(cands, i)
			}
		}
	}
	if len(cands) == 0 {
		cands = pool
	}
	return g.orgs[cands[g.rng.IntN(len(cands))]]
}

// structure adds the relationships that give the network its shape: the
// programme tree, and per pilot its parent, administrator, partners,
// funders, themes, services and target groups; per service its target
// groups and theme.
func (g *gen) structure() {
	all := g.orgsOf()
	admins := g.orgsOf("MUNICIPALITY", "JOINT_MUNICIPAL_AUTHORITY", "WELLBEING_DISTRICT", "EDUCATIONAL_INSTITUTION",
		"ASSOCIATION", "FOUNDATION", "EMPLOYMENT_OFFICE", "REGIONAL_COUNCIL")
	funders := g.orgsOf("MINISTRY", "GOVERNMENT_AGENCY", "FOUNDATION", "MUNICIPALITY", "REGIONAL_COUNCIL", "WELLBEING_DISTRICT")
	ministries := g.orgsOf("MINISTRY")
	popular := g.zipf(all)
	bigFunders := g.zipf(funders)

	g.link(hub.Administers, g.orgs[ministries[0]], g.programme, "hallinnoija", copyPeriod(g.programme.Period))
	for _, sp := range g.subProjects {
		g.link(hub.PartOf, sp, g.programme, "", nil)
		g.link(hub.Coordinates, g.orgs[ministries[g.rng.IntN(len(ministries))]], sp, "koordinaattori", copyPeriod(sp.Period))
	}
	for i, p := range g.pilots {
		parent := g.programme
		if g.rng.IntN(5) != 0 {
			parent = g.subProjects[g.rng.IntN(len(g.subProjects))]
		}
		g.link(hub.PartOf, p, parent, "", nil)
		r := g.pilotRegion[i]
		g.link(hub.Administers, g.local(r, admins), p, "hallinnoija", g.within(p.Period))
		// 3 to 15 partners, most pilots near the low end; half are drawn
		// from the network's popular organisations, half locally.
		want := min(3+int(12*g.rng.Float64()*g.rng.Float64()), len(all))
		for got, tries := 0, 0; got < want && tries < 20*want; tries++ {
			o := g.local(r, all)
			if g.rng.IntN(2) == 0 {
				o = g.orgs[popular.next()]
			}
			if g.link(hub.PartnerIn, o, p, partnerRoles[g.rng.IntN(len(partnerRoles))], g.within(p.Period)) != nil {
				got++
			}
		}
		for range 1 + g.weighted([]float64{5, 3, 2}) {
			rel := g.link(hub.Funds, g.orgs[bigFunders.next()], p, "rahoittaja", g.within(p.Period))
			if rel != nil {
				// 20 000 to 1 500 000 euros, in hundreds.
				rel.Amount = &hub.Money{Minor: int64(200+g.rng.IntN(14801)) * 100 * 100, Currency: "EUR"}
			}
		}
		for range 1 + g.rng.IntN(2) {
			g.link(hub.HasTheme, p, g.themes[g.rng.IntN(len(g.themes))], "", nil)
		}
		for range 1 + g.rng.IntN(3) {
			g.link(hub.Provides, p, g.services[g.rng.IntN(len(g.services))], "kehittäjä", g.within(p.Period))
		}
		for range 1 + g.rng.IntN(2) {
			g.link(hub.Serves, p, g.targetGroups[g.rng.IntN(len(g.targetGroups))], "", g.within(p.Period))
		}
	}
	for _, s := range g.services {
		for range 1 + g.rng.IntN(3) {
			g.link(hub.Serves, s, g.targetGroups[g.rng.IntN(len(g.targetGroups))], "", nil)
		}
		g.link(hub.HasTheme, s, g.themes[g.rng.IntN(len(g.themes))], "", nil)
	}
	if n := len(g.b.Relationships); n > g.cfg.Relationships {
		panic(fmt.Sprintf("synthetic: %d relationships are too few: the pilots, services and programme alone need %d", g.cfg.Relationships, n))
	}
}

// copyPeriod copies p with its own times.
func copyPeriod(p *hub.Period) *hub.Period {
	return &hub.Period{Start: date(*p.Start), End: date(*p.End)}
}

// fill adds relationships between organisations, services and pilots
// until there are exactly cfg.Relationships: a parent for some
// organisations, then memberships of networks, referrals, services
// provided, and experts and coordinators of pilots, with popular targets.
func (g *gen) fill() {
	want := g.cfg.Relationships
	parents := g.orgsOf("MUNICIPALITY", "JOINT_MUNICIPAL_AUTHORITY", "WELLBEING_DISTRICT", "MINISTRY", "GOVERNMENT_AGENCY", "FOUNDATION")
	// About one organisation in twelve is a unit of another; a parent
	// always comes before its child, so PART_OF never loops.
	for i, o := range g.orgs {
		if len(g.b.Relationships) >= want {
			return
		}
		if i == 0 || g.rng.IntN(12) != 0 {
			continue
		}
		k, _ := slices.BinarySearch(parents, i)
		if k == 0 {
			continue
		}
		g.link(hub.PartOf, o, g.orgs[parents[g.rng.IntN(k)]], "", nil)
	}
	networks := g.zipf(g.orgsOf("OTHER", "ASSOCIATION"))
	referred := g.zipf(g.orgsOf())
	services := make([]int, len(g.services))
	for i := range services {
		services[i] = i
	}
	popularServices := g.zipf(services)
	kinds := []float64{28, 22, 10, 30, 8, 2}
	budget := 100*want + 10_000
	for tries := 0; len(g.b.Relationships) < want; tries++ {
		if tries > budget {
			panic(fmt.Sprintf("synthetic: cannot find %d distinct relationships in a network this small", want))
		}
		from := g.orgs[g.rng.IntN(len(g.orgs))]
		var p *hub.Period
		if g.rng.IntN(5) < 2 {
			p = g.anyPeriod()
		}
		switch g.weighted(kinds) {
		case 0:
			g.link(hub.MemberOf, from, g.orgs[networks.next()], "jäsen", p)
		case 1:
			g.link(hub.RefersTo, from, g.orgs[referred.next()], "ohjaa asiakkaita", p)
		case 2:
			if popularServices != nil {
				g.link(hub.RefersTo, from, g.services[popularServices.next()], "ohjaa asiakkaita", p)
			}
		case 3:
			if popularServices != nil {
				g.link(hub.Provides, from, g.services[popularServices.next()], "palveluntuottaja", p)
			}
		case 4:
			if len(g.pilots) > 0 {
				pilot := g.pilots[g.rng.IntN(len(g.pilots))]
				g.link(hub.ExpertFor, from, pilot, "asiantuntija", g.within(pilot.Period))
			}
		case 5:
			if len(g.pilots) > 0 {
				pilot := g.pilots[g.rng.IntN(len(g.pilots))]
				g.link(hub.Coordinates, from, pilot, "koordinaattori", g.within(pilot.Period))
			}
		}
	}
}

// abbreviate makes a short upper-case code of a place name ("Kouvola" →
// "KOUV").
func abbreviate(s string) string {
	r := []rune(strings.ToUpper(strings.ReplaceAll(s, "-", "")))
	return string(r[:min(4, len(r))])
}

// The vocabulary of the generator. Regions are the 19 maakunnat with
// Statistics Finland's codes and names; their weights follow population
// (thousands, rounded), so that Uusimaa holds about a third of the
// organisations. Places are a few municipalities of each region, in the
// nominative and the genitive that starts Finnish organisation names.

type place struct{ nom, gen string }

var regions = []struct {
	code, fi, sv, en string
	weight           float64
	places           []place
}{
	{"01", "Uusimaa", "Nyland", "Uusimaa", 1700, []place{{"Helsinki", "Helsingin"}, {"Espoo", "Espoon"}, {"Vantaa", "Vantaan"}, {"Järvenpää", "Järvenpään"}, {"Porvoo", "Porvoon"}, {"Lohja", "Lohjan"}, {"Hyvinkää", "Hyvinkään"}}},
	{"02", "Varsinais-Suomi", "Egentliga Finland", "Southwest Finland", 480, []place{{"Turku", "Turun"}, {"Salo", "Salon"}, {"Kaarina", "Kaarinan"}, {"Uusikaupunki", "Uudenkaupungin"}}},
	{"04", "Satakunta", "Satakunta", "Satakunta", 215, []place{{"Pori", "Porin"}, {"Rauma", "Rauman"}, {"Kankaanpää", "Kankaanpään"}}},
	{"05", "Kanta-Häme", "Egentliga Tavastland", "Kanta-Häme", 170, []place{{"Hämeenlinna", "Hämeenlinnan"}, {"Riihimäki", "Riihimäen"}, {"Forssa", "Forssan"}}},
	{"06", "Pirkanmaa", "Birkaland", "Pirkanmaa", 520, []place{{"Tampere", "Tampereen"}, {"Nokia", "Nokian"}, {"Ylöjärvi", "Ylöjärven"}, {"Kangasala", "Kangasalan"}}},
	{"07", "Päijät-Häme", "Päijänne-Tavastland", "Päijät-Häme", 200, []place{{"Lahti", "Lahden"}, {"Heinola", "Heinolan"}, {"Hollola", "Hollolan"}}},
	{"08", "Kymenlaakso", "Kymmenedalen", "Kymenlaakso", 170, []place{{"Kouvola", "Kouvolan"}, {"Kotka", "Kotkan"}, {"Hamina", "Haminan"}}},
	{"09", "Etelä-Karjala", "Södra Karelen", "South Karelia", 128, []place{{"Lappeenranta", "Lappeenrannan"}, {"Imatra", "Imatran"}}},
	{"10", "Etelä-Savo", "Södra Savolax", "South Savo", 140, []place{{"Mikkeli", "Mikkelin"}, {"Savonlinna", "Savonlinnan"}, {"Pieksämäki", "Pieksämäen"}}},
	{"11", "Pohjois-Savo", "Norra Savolax", "North Savo", 245, []place{{"Kuopio", "Kuopion"}, {"Iisalmi", "Iisalmen"}, {"Varkaus", "Varkauden"}}},
	{"12", "Pohjois-Karjala", "Norra Karelen", "North Karelia", 160, []place{{"Joensuu", "Joensuun"}, {"Kitee", "Kiteen"}, {"Nurmes", "Nurmeksen"}}},
	{"13", "Keski-Suomi", "Mellersta Finland", "Central Finland", 275, []place{{"Jyväskylä", "Jyväskylän"}, {"Jämsä", "Jämsän"}, {"Äänekoski", "Äänekosken"}}},
	{"14", "Etelä-Pohjanmaa", "Södra Österbotten", "South Ostrobothnia", 190, []place{{"Seinäjoki", "Seinäjoen"}, {"Lapua", "Lapuan"}, {"Kauhajoki", "Kauhajoen"}}},
	{"15", "Pohjanmaa", "Österbotten", "Ostrobothnia", 180, []place{{"Vaasa", "Vaasan"}, {"Mustasaari", "Mustasaaren"}, {"Pietarsaari", "Pietarsaaren"}}},
	{"16", "Keski-Pohjanmaa", "Mellersta Österbotten", "Central Ostrobothnia", 68, []place{{"Kokkola", "Kokkolan"}, {"Kannus", "Kannuksen"}}},
	{"17", "Pohjois-Pohjanmaa", "Norra Österbotten", "North Ostrobothnia", 410, []place{{"Oulu", "Oulun"}, {"Raahe", "Raahen"}, {"Kuusamo", "Kuusamon"}, {"Ylivieska", "Ylivieskan"}}},
	{"18", "Kainuu", "Kajanaland", "Kainuu", 73, []place{{"Kajaani", "Kajaanin"}, {"Kuhmo", "Kuhmon"}, {"Sotkamo", "Sotkamon"}}},
	{"19", "Lappi", "Lappland", "Lapland", 178, []place{{"Rovaniemi", "Rovaniemen"}, {"Kemi", "Kemin"}, {"Tornio", "Tornion"}}},
	{"21", "Ahvenanmaa", "Åland", "Åland", 30, []place{{"Maarianhamina", "Maarianhaminan"}}},
}

var regionWeights = func() []float64 {
	w := make([]float64, len(regions))
	for i, r := range regions {
		w[i] = r.weight
	}
	return w
}()

// orgTypeWeights are the shares of organisation types, in per cent; a type
// missing here (one added to hub.OrganisationTypes later) weighs 1.
var orgTypeWeights = map[string]float64{
	"MINISTRY": 0.2, "GOVERNMENT_AGENCY": 1.5, "MUNICIPALITY": 4, "JOINT_MUNICIPAL_AUTHORITY": 1.5,
	"WELLBEING_DISTRICT": 0.3, "REGIONAL_COUNCIL": 0.5, "EMPLOYMENT_OFFICE": 2,
	"EDUCATIONAL_INSTITUTION": 7, "ASSOCIATION": 30, "FOUNDATION": 8, "COMPANY": 30,
	"COOPERATIVE": 5, "RESEARCH_INSTITUTE": 1.5, "OTHER": 8.5,
}

type noun struct{ fi, en string }

// orgNouns follow the place's genitive in an organisation's name.
var orgNouns = map[string][]noun{
	"MINISTRY":                  {{"ministeriön alueyksikkö", "ministry regional unit"}},
	"GOVERNMENT_AGENCY":         {{"ELY-keskus", "ELY Centre"}, {"Kela-toimisto", "Kela office"}, {"aluehallintovirasto", "regional state administrative agency"}},
	"MUNICIPALITY":              {{"kaupunki", "city"}, {"kaupungin työllisyyspalvelut", "city employment services"}, {"kaupungin sosiaalipalvelut", "city social services"}, {"kaupungin nuorisopalvelut", "city youth services"}, {"kaupungin työpaja", "city workshop"}},
	"JOINT_MUNICIPAL_AUTHORITY": {{"seudun kuntayhtymä", "joint municipal authority"}, {"sosiaali- ja terveyspiiri", "social and health district"}, {"koulutuskuntayhtymä", "joint education authority"}},
	"WELLBEING_DISTRICT":        {{"hyvinvointialue", "wellbeing services county"}},
	"REGIONAL_COUNCIL":          {{"seudun liitto", "regional council"}},
	"EMPLOYMENT_OFFICE":         {{"TE-toimisto", "TE Office"}, {"työllisyyden kuntakokeilu", "municipal employment trial"}},
	"EDUCATIONAL_INSTITUTION":   {{"ammattiopisto", "vocational college"}, {"aikuisopisto", "adult education centre"}, {"kansanopisto", "folk high school"}, {"ammattikorkeakoulu", "university of applied sciences"}},
	"ASSOCIATION":               {{"työttömät ry", "unemployed association"}, {"mielenterveysyhdistys", "mental health association"}, {"kehitysvammaisten tuki ry", "intellectual disability support association"}, {"invalidiyhdistys", "disability association"}, {"nuorisoseura", "youth association"}, {"työpajayhdistys", "workshop association"}, {"yrittäjät ry", "entrepreneurs' association"}},
	"FOUNDATION":                {{"säätiö", "foundation"}, {"työvalmennussäätiö", "job coaching foundation"}, {"kuntoutussäätiö", "rehabilitation foundation"}},
	"COMPANY":                   {{"Työpalvelut Oy", "Work Services Ltd"}, {"Rekrytointi Oy", "Recruitment Ltd"}, {"Siivous Oy", "Cleaning Ltd"}, {"Logistiikka Oy", "Logistics Ltd"}, {"Kiinteistöhuolto Oy", "Property Services Ltd"}, {"Ravintolat Oy", "Restaurants Ltd"}},
	"COOPERATIVE":               {{"työosuuskunta", "workers' cooperative"}, {"osuuskauppa", "cooperative store"}},
	"RESEARCH_INSTITUTE":        {{"tutkimuskeskus", "research centre"}, {"tutkimusinstituutti", "research institute"}},
	"OTHER":                     {{"työllisyysverkosto", "employment network"}, {"yhteistyöryhmä", "cooperation group"}, {"seurakunta", "parish"}, {"kumppanuusfoorumi", "partnership forum"}},
}

var themes = []struct{ fi, sv, en string }{
	{"Työkyky", "Arbetsförmåga", "Work ability"},
	{"Osallisuus", "Delaktighet", "Inclusion"},
	{"Työllistyminen", "Sysselsättning", "Employment"},
	{"Osaaminen", "Kompetens", "Skills"},
	{"Hyvinvointi", "Välfärd", "Wellbeing"},
}

var targetGroups = []struct{ fi, en string }{
	{"Osatyökykyiset", "People with partial work ability"}, {"Pitkäaikaistyöttömät", "Long-term unemployed"},
	{"Nuoret", "Young people"}, {"Mielenterveyskuntoutujat", "Mental health rehabilitees"},
	{"Kehitysvammaiset", "People with intellectual disabilities"}, {"Maahanmuuttajat", "Immigrants"},
	{"Ikääntyvät työntekijät", "Ageing workers"}, {"Näkövammaiset", "Visually impaired people"},
	{"Kuulovammaiset", "Hearing impaired people"}, {"Päihdekuntoutujat", "Substance abuse rehabilitees"},
	{"Työnantajat", "Employers"}, {"Vankilasta vapautuvat", "People released from prison"},
	{"Autismikirjon henkilöt", "Autistic people"}, {"Aivovammaiset", "People with brain injuries"},
	{"Liikuntavammaiset", "People with mobility impairments"}, {"Yrittäjät", "Entrepreneurs"},
	{"Opiskelijat", "Students"}, {"Sairauslomalta palaavat", "People returning from sick leave"},
	{"Kuntoutustuella olevat", "People on rehabilitation subsidy"}, {"Työkyvyttömyyseläkeläiset", "Disability pensioners"},
	{"Omaishoitajat", "Family carers"}, {"Romanit", "Roma people"}, {"Kotoutujat", "Integrating immigrants"},
	{"Työpajojen valmentautujat", "Workshop trainees"}, {"Ammattikoulusta valmistuneet", "Vocational graduates"},
	{"Lukihäiriöiset", "People with dyslexia"}, {"ADHD-oireiset", "People with ADHD"},
	{"Kroonisesti sairaat", "Chronically ill people"}, {"Työvalmentajat", "Job coaches"}, {"Sosiaalityöntekijät", "Social workers"},
}

var subProjectTopics = []string{"Työkykykoordinaatio", "Työhönvalmennus", "Työkyvyn tuki", "Palvelujärjestelmän uudistus"}

var serviceNames = []string{
	"Työhönvalmennus", "Työkyvyn arviointi", "Tuettu työllistyminen", "IPS-sijoita ja valmenna", "Kuntoutusohjaus",
	"Työkokeilu", "Palkkatukineuvonta", "Yksilövalmennus", "Ryhmävalmennus", "Työkykykoordinaatio",
	"Ohjaamo-palvelu", "Digiosaamisen koulutus", "Työnantajayhteistyö", "Uravalmennus", "Kuntouttava työtoiminta",
}

var serviceQualifiers = []string{
	"nuorille", "maahanmuuttajille", "mielenterveyskuntoutujille", "osatyökykyisille", "pitkäaikaistyöttömille",
	"työnantajille", "ikääntyville", "kehitysvammaisille", "verkossa", "ryhmissä",
}

var serviceTypes = []string{"SERVICE", "METHOD", "OPERATING_MODEL"}

var serviceTypeWeights = []float64{60, 25, 15}

var pilotTopics = []string{
	"työkykykokeilu", "työhönvalmennuskokeilu", "työkykykoordinaattorikokeilu", "osallisuuskokeilu",
	"työllisyyskokeilu", "IPS-kokeilu", "polkumallikokeilu", "työkykyhanke", "OTE-kokeilu",
}

var goals = []string{
	"Osatyökykyisten työllistyminen avoimille työmarkkinoille",
	"Työkyvyn tuen palvelupolkujen sujuvoittaminen",
	"Työnantajien osaamisen vahvistaminen",
	"Palvelujen yhteensovittaminen maakunnassa",
	"Kolmannen sektorin roolin vahvistaminen työllistämisessä",
}

var descriptions = []string{
	"kehittää työkyvyn tuen palveluja",
	"tukee osatyökykyisten työllistymistä",
	"kokoaa alueen toimijat yhteen",
	"kouluttaa työhönvalmentajia",
	"tarjoaa kuntouttavaa työtoimintaa",
}

var partnerRoles = []string{"hankekumppani", "osatoteuttaja", "yhteistyökumppani"}
