package dataset_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
)

// The facts of issue 16's audit, each checked against what the seed
// documents say (the expected values are read off the seeds, not the
// dataset).
func TestDatasetAgreesWithTheSeeds(t *testing.T) {
	b, err := dataset.Batch()
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]*hub.Node{}
	for _, n := range b.Nodes {
		nodes[hub.NodeID(n.Kind, n.Key)] = n
	}
	ends := func(typ hub.RelationshipType, to string) []string {
		var out []string
		for _, r := range b.Relationships {
			if r.Type == typ && r.ToID == to {
				n := nodes[r.FromID]
				out = append(out, dataset.KindName(n.Kind)+"/"+n.Key)
			}
		}
		slices.Sort(out)
		return out
	}
	yho := hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote")

	t.Run("partners are the ones the source calls partners", func(t *testing.T) {
		// seed-002 line 27: "Hankekumppaneina Carea, alueen kunnat,
		// kolmannen sektorin toimijat, alueella toimivat ammatilliset
		// oppilaitokset, Kela, Kaakkois-Suomen TE-toimisto sekä ...
		// Oy Socom".
		want := []string{
			"organisation/carea", "organisation/etela-karjala-kymenlaakso-municipalities",
			"organisation/etela-karjala-kymenlaakso-third-sector", "organisation/etela-karjala-kymenlaakso-vocational-institutions",
			"organisation/kaakkois-suomen-te-toimisto", "organisation/kela", "organisation/socom",
		}
		if got := ends(hub.PartnerIn, yho); !slices.Equal(got, want) {
			t.Errorf("PARTNER_IN Yhdessä hyvä OTE = %v, want %v", got, want)
		}
		// seed-002 line 56: "eri tavoin osatyökykyisiä työllistävien
		// tahojen kokoaminen (Eskot ry, Osatyökykyisten osuuskunta,
		// Yhdessä Yrittäen, Yrittystä! –hanke, ...)": to be gathered.
		gathered := ends(hub.ProspectivePartnerIn, yho)
		if len(gathered) != 4 {
			t.Errorf("PROSPECTIVE_PARTNER_IN Yhdessä hyvä OTE = %v, want the four actors to be gathered", gathered)
		}
		for _, n := range b.Nodes {
			if n.Key == "yrittysta-hanke" && n.Kind == hub.KindEmployer {
				t.Errorf("Yrittystä! -hanke is a project, typed as an employer")
			}
		}
	})

	t.Run("EMPLOYS ends at a person", func(t *testing.T) {
		for _, r := range b.Relationships {
			if r.Type == hub.Employs && nodes[r.ToID].Kind != hub.KindContact {
				t.Errorf("%s: EMPLOYS ends at a %s", r.Key, nodes[r.ToID].Kind)
			}
		}
	})

	t.Run("the pilots the sources place in sub-project 4 are linked to it", func(t *testing.T) {
		// seed-002 lines 10-20: the deck places Yhdessä hyvä OTE in
		// sub-project 4 and lists the regional pilots of it; seed-004
		// line 14 places Savon OTE in project 4.
		want := []string{"pilot/fokus", "pilot/kp-ote", "pilot/pahee-ote", "pilot/sataosaa", "pilot/savon-ote", "pilot/yhdessa-hyva-ote"}
		got := ends(hub.PartOf, hub.NodeID(hub.KindProgramme, "ote-osaprojekti-4"))
		if !slices.Equal(got, want) {
			t.Errorf("PART_OF sub-project 4 = %v, want %v", got, want)
		}
		for _, r := range b.Relationships {
			if r.Type == hub.PartOf && r.ToID == hub.NodeID(hub.KindProgramme, "ote-osaprojekti-4") && !cites(r.Sources, "osaprojekti") && !cites(r.Sources, "projektissa 4") {
				t.Errorf("%s does not quote the source that places it in sub-project 4", r.Key)
			}
		}
	})

	t.Run("a contact whose role ended has its end date", func(t *testing.T) {
		// seed-002 line 135: "projektipäällikkö Niina Turunen (17.5.2017 asti)".
		niina := hub.NodeID(hub.KindContact, "niina-turunen")
		for _, r := range b.Relationships {
			if r.FromID == niina && (r.Type == hub.ContactFor || r.Type == hub.Leads) {
				if r.Period == nil || r.Period.End == nil || r.Period.End.Format("2006-01-02") != "2017-05-17" {
					t.Errorf("%s has no end 2017-05-17", r.Key)
				}
			}
		}
	})

	t.Run("every name, abbreviation, alias and organisation type is supported by a citation", func(t *testing.T) {
		// The names of the actors and activities are names someone
		// gave them, which a citation must hold; the hub's labels of
		// events, services and target groups describe what the quotes
		// say and are not checked here.
		named := []hub.Kind{hub.KindOrganisation, hub.KindEmployer, hub.KindProgramme, hub.KindPilot}
		for _, n := range b.Nodes {
			if !slices.Contains(named, n.Kind) {
				continue
			}
			what := dataset.KindName(n.Kind) + "/" + n.Key
			for _, l := range []struct {
				field, value string
			}{{"name", n.Name.FI}, {"name.sv", n.Name.SV}, {"name.en", n.Name.EN}} {
				if l.value != "" && !supports(n.Sources, l.field, l.value) {
					t.Errorf("%s: %s %q is in no quote and no citation names the field", what, l.field, l.value)
				}
			}
			for _, a := range n.Abbreviations {
				if !supports(n.Sources, "abbreviations", a) {
					t.Errorf("%s: abbreviation %q is in no quote and no citation names the field", what, a)
				}
			}
			for _, a := range n.Aliases {
				if !supports(n.Sources, "aliases", a) {
					t.Errorf("%s: alias %q is in no quote and no citation names the field", what, a)
				}
			}
			if (n.Kind == hub.KindOrganisation || n.Kind == hub.KindEmployer) && !typeSupported(n) {
				t.Errorf("%s: type %s: no quote says so and no citation names the field", what, n.Type)
			}
		}
	})
}

// cites reports whether a quote of cs contains s.
func cites(cs []hub.Citation, s string) bool {
	return slices.ContainsFunc(cs, func(c hub.Citation) bool { return strings.Contains(c.Quote, s) })
}

// supports reports whether a citation of a source document supports
// value as field: its quote holds the value (see holds), or it names
// the field explicitly ("name" for every language of the name).
func supports(cs []hub.Citation, field, value string) bool {
	// A trailing qualifier in brackets, "TE-toimisto (Kainuu)", tells
	// apart nodes of the same name; the quote need not repeat it.
	if i := strings.LastIndex(value, " ("); i > 0 && strings.HasSuffix(value, ")") {
		value = value[:i]
	}
	for _, c := range cs {
		if c.SourceID == "" {
			continue
		}
		if slices.Contains(c.Fields, strings.Split(field, ".")[0]) {
			return true
		}
		if c.Quote != "" && (len(c.Fields) == 0 || slices.Contains(c.Fields, strings.Split(field, ".")[0])) &&
			holds(c.Quote, value) {
			return true
		}
	}
	return false
}

// holds reports whether quote contains the words of name in order,
// ignoring case, accents and punctuation, each word of the quote
// allowed a Finnish inflected ending: "Porin ja Oulun kaupungilta"
// holds "Oulun kaupunki", "Validia Ammattiopiston" holds "Validia
// Ammattiopisto"; "Kainuun soten" does not hold "Kainuun sosiaali- ja
// terveydenhuollon kuntayhtymä".
func holds(quote, name string) bool {
	q, w := strings.Fields(hub.Normalize(quote)), strings.Fields(hub.Normalize(name))
	if len(w) == 0 {
		return false
	}
	for i := 0; i+len(w) <= len(q); i++ {
		ok := true
		for j, word := range w {
			if !sameStem(q[i+j], word) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// sameStem reports whether two words differ at most in an ending of
// three letters (kaupunki, kaupungilta) on a common stem of at least
// four letters; shorter words must be equal.
func sameStem(a, b string) bool {
	if a == b {
		return true
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n >= 4 && len(b)-n <= 3
}

// typeEvidence are the words by which a Finnish text says what an
// organisation is.
var typeEvidence = map[string][]string{
	"MINISTRY":                  {"ministerio"},
	"MUNICIPALITY":              {"kaupunki", "kaupungi", "kunta"},
	"JOINT_MUNICIPAL_AUTHORITY": {"kuntayhtyma"},
	"WELLBEING_DISTRICT":        {"sosiaali ja terveys", "sote", "hyvinvointikuntayhtyma", "sairaanhoitopiiri"},
	"EMPLOYMENT_OFFICE":         {"te toimisto", "typ"},
	"EDUCATIONAL_INSTITUTION":   {"oppilaito", "ammattiopisto"},
	"ASSOCIATION":               {" ry"},
	"FOUNDATION":                {"saatio"},
	"COMPANY":                   {" oy"},
	"COOPERATIVE":               {"osuuskunta"},
}

// typeSupported reports whether a citation of n says what n's type
// says: a quote holds a word of the type, or the citation names the
// field. OTHER claims nothing.
func typeSupported(n *hub.Node) bool {
	if n.Type == "OTHER" {
		return true
	}
	for _, c := range n.Sources {
		if c.SourceID == "" {
			continue
		}
		if slices.Contains(c.Fields, "type") {
			return true
		}
		q := " " + hub.Normalize(c.Quote) + " "
		for _, w := range typeEvidence[n.Type] {
			if strings.Contains(q, w) {
				return true
			}
		}
	}
	return false
}
