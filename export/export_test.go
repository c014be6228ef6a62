package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

func TestWriteRejectsAnUnknownFormat(t *testing.T) {
	f := newFixture()
	for _, format := range []string{"", "GraphML", "csv", "cytoscape"} {
		var buf bytes.Buffer
		err := Write(format, &buf, f.nodes, f.edges, f.options())
		if hub.ErrorCode(err) != hub.EINVALID {
			t.Errorf("Write(%q) = %v, want %s", format, err, hub.EINVALID)
		}
		if buf.Len() != 0 {
			t.Errorf("Write(%q) wrote %d bytes", format, buf.Len())
		}
	}
}

func TestContentTypeAndExtension(t *testing.T) {
	tests := []struct{ format, contentType, ext string }{
		{FormatGraphML, "application/graphml+xml", ".graphml"},
		{FormatGEXF, "application/gexf+xml", ".gexf"},
		{FormatCytoscapeJSON, "application/json", ".json"},
		{"xml", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := ContentType(tt.format); got != tt.contentType {
			t.Errorf("ContentType(%q) = %q, want %q", tt.format, got, tt.contentType)
		}
		if got := Extension(tt.format); got != tt.ext {
			t.Errorf("Extension(%q) = %q, want %q", tt.format, got, tt.ext)
		}
	}
	if len(Formats) != 3 {
		t.Errorf("Formats = %v", Formats)
	}
}

// TestAttributes checks every column of the fixture in every format.
func TestAttributes(t *testing.T) {
	f := newFixture()
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			tb := parseAny(t, format, mustWrite(t, format, f.nodes, f.edges, f.options()))

			wantOrder := []string{f.stm, f.yhdistys, f.akatemia, f.pilot, f.contact, hub.NodeID(hub.KindRegion, "09"), f.doc}
			if !slices.Equal(tb.nodeOrder, wantOrder) {
				t.Errorf("node order = %v, want %v", tb.nodeOrder, wantOrder)
			}
			if len(tb.edgeOrder) != 6 || tb.edgeOrder[0] != f.funds || tb.edgeOrder[1] != f.funds2 {
				t.Errorf("edge order = %v", tb.edgeOrder)
			}

			// Declared columns and their types.
			for name, typ := range map[string]string{"kind": "string", "type": "string", "key": "string", "regionIds": "string", "start": "string", "sources": "string", "degree": "double", "betweenness": "double"} {
				if got := tb.nodeKeys[name]; got != typ && format != FormatCytoscapeJSON {
					t.Errorf("node column %s: type %q, want %q", name, got, typ)
				}
			}
			for name, typ := range map[string]string{"type": "string", "role": "string", "amount": "double", "currency": "string", "start": "string", "sources": "string"} {
				if got := tb.edgeKeys[name]; got != typ && format != FormatCytoscapeJSON {
					t.Errorf("edge column %s: type %q, want %q", name, got, typ)
				}
			}

			wantAttrs(t, "pilot", tb.nodes[f.pilot], map[string]string{
				"label":       "Yhdessä hyvä OTE",
				"kind":        "Pilot",
				"type":        "PILOT",
				"key":         "yhdessa-hyva-ote",
				"regionIds":   hub.NodeID(hub.KindRegion, "09"),
				"start":       "2017-03-01",
				"end":         "2018-12-31",
				"sources":     `Esitys: "OTE" & kokeilut — dia 'YHDESSÄ HYVÄ OTE' & muut | ` + hub.NodeID(hub.KindSourceDocument, "missing") + ` — rivi 3 | Esitys: "OTE" & kokeilut`,
				"sourceIds":   f.doc + ";" + hub.NodeID(hub.KindSourceDocument, "missing"),
				"degree":      "4",
				"betweenness": "0.125",
			})
			wantAttrs(t, "stm", tb.nodes[f.stm], map[string]string{
				"label":         "Sosiaali- ja terveysministeriö",
				"kind":          "Organisation",
				"type":          "MINISTRY",
				"key":           "stm",
				"abbreviations": "STM;SHM",
				"sources":       `Esitys: "OTE" & kokeilut — dia 1`,
				"sourceIds":     f.doc,
				"degree":        "3",
				"betweenness":   "1e-09",
			})
			wantAttrs(t, "yhdistys", tb.nodes[f.yhdistys], map[string]string{
				"label":     `Työ & "Osaaminen" ry`,
				"kind":      "Organisation",
				"type":      "ASSOCIATION",
				"key":       "tyo-ja-osaaminen",
				"regionIds": hub.NodeID(hub.KindRegion, "09") + ";" + hub.NodeID(hub.KindRegion, "08"),
				"degree":    "1",
			})
			wantAttrs(t, "region", tb.nodes[hub.NodeID(hub.KindRegion, "09")], map[string]string{
				"label": "Kymenlaakso", "kind": "Region", "type": "REGION", "key": "09", "code": "09",
			})
			// Finnish is missing: the fallback finds Swedish.
			if got := tb.nodes[f.akatemia]["label"]; got != "<Åbo> Akademi 'öppen'" {
				t.Errorf("akatemia label = %q", got)
			}

			wantAttrs(t, "funds", tb.edges[f.funds], map[string]string{
				"source":    f.stm,
				"target":    f.pilot,
				"label":     "FUNDS",
				"type":      "FUNDS",
				"amount":    "1200000",
				"currency":  "EUR",
				"start":     "2017-01-01",
				"sources":   `Esitys: "OTE" & kokeilut — dia 2`,
				"sourceIds": f.doc,
			})
			wantAttrs(t, "funds2", tb.edges[f.funds2], map[string]string{
				"source": f.stm, "target": f.pilot, "label": "FUNDS", "type": "FUNDS", "amount": "1500000.5", "currency": "EUR",
			})
			wantAttrs(t, "partner", tb.edges[f.partner], map[string]string{
				"source": f.yhdistys, "target": f.pilot, "label": "PARTNER_IN", "type": "PARTNER_IN", "role": `osatoteuttaja & "kumppani"`,
			})
			wantAttrs(t, "employs", tb.edges[f.employs], map[string]string{
				"source": f.stm, "target": f.contact, "label": "EMPLOYS", "type": "EMPLOYS",
			})
		})
	}
}

// wantAttrs checks that got holds exactly want.
func wantAttrs(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: not exported", what)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s.%s = %q, want %q", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && k != "viz:color" {
			t.Errorf("%s has unexpected %s = %q", what, k, v)
		}
	}
}

func TestCytoscapeListsAreArrays(t *testing.T) {
	f := newFixture()
	_, lists := parseCytoscape(t, mustWrite(t, FormatCytoscapeJSON, f.nodes, f.edges, f.options()))
	if got := lists[f.yhdistys]["regionIds"]; len(got) != 2 {
		t.Errorf("regionIds = %q, want two items", got)
	}
	if got := lists[f.stm]["abbreviations"]; !slices.Equal(got, []string{"STM", "SHM"}) {
		t.Errorf("abbreviations = %q", got)
	}
	if got := lists[f.funds]["sourceIds"]; !slices.Equal(got, []string{f.doc}) {
		t.Errorf("edge sourceIds = %q", got)
	}
}

// TestCytoscapeKeyOrder checks that data keys come in the column order
// rather than encoding/json's alphabetical one.
func TestCytoscapeKeyOrder(t *testing.T) {
	f := newFixture()
	doc := mustWrite(t, FormatCytoscapeJSON, f.nodes, f.edges, f.options())
	var firstNode, firstEdge string
	for line := range strings.SplitSeq(string(doc), "\n") {
		if strings.Contains(line, `"id":"`+f.pilot+`"`) && firstNode == "" {
			firstNode = line
		}
		if strings.Contains(line, `"id":"`+f.funds+`"`) {
			firstEdge = line
		}
	}
	wantNode := []string{"id", "label", "kind", "type", "key", "regionIds", "start", "end", "sources", "sourceIds", "betweenness", "degree"}
	if got := jsonKeys(t, firstNode); !slices.Equal(got, wantNode) {
		t.Errorf("node keys = %v, want %v", got, wantNode)
	}
	wantEdge := []string{"id", "source", "target", "label", "type", "amount", "currency", "start", "sources", "sourceIds"}
	if got := jsonKeys(t, firstEdge); !slices.Equal(got, wantEdge) {
		t.Errorf("edge keys = %v, want %v", got, wantEdge)
	}
}

// jsonKeys returns the keys of the "data" object in an element line.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	line = strings.TrimSuffix(line, ",")
	var el struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(line), &el); err != nil {
		t.Fatalf("element line %q: %v", line, err)
	}
	dec := json.NewDecoder(bytes.NewReader(el.Data))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 && dec.More() {
				keys = append(keys, tok)
				// Skip the value.
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return keys
}

func TestGEXFColoursKindsAndDescribesTruncation(t *testing.T) {
	f := newFixture()
	opt := f.options()
	tb, d := parseGEXF(t, mustWrite(t, FormatGEXF, f.nodes, f.edges, opt))
	if got := tb.nodes[f.pilot]["viz:color"]; got != "214,39,40" {
		t.Errorf("pilot colour = %q", got)
	}
	if strings.Contains(d.Meta.Description, "truncated") {
		t.Errorf("description %q mentions truncation", d.Meta.Description)
	}
	if _, declared := tb.nodeKeys["label"]; declared {
		t.Error("GEXF declares label as an attribute; it is native")
	}
	opt.Truncated = true
	_, d = parseGEXF(t, mustWrite(t, FormatGEXF, f.nodes, f.edges, opt))
	if !strings.Contains(d.Meta.Description, "truncated") {
		t.Errorf("description %q does not mention truncation", d.Meta.Description)
	}
}

func TestTruncatedFlag(t *testing.T) {
	f := newFixture()
	for _, truncated := range []bool{false, true} {
		opt := f.options()
		opt.Truncated = truncated
		for _, format := range []string{FormatGraphML, FormatCytoscapeJSON} {
			tb := parseAny(t, format, mustWrite(t, format, f.nodes, f.edges, opt))
			want := "false"
			if truncated {
				want = "true"
			}
			if tb.graph["truncated"] != want {
				t.Errorf("%s: truncated = %q, want %q", format, tb.graph["truncated"], want)
			}
		}
	}
}

// TestStoredTextIsRedactedUnlessTheReaderMayReadPersonalData puts an
// e-mail address and a phone number in every free-text column (a label,
// an abbreviation, a role, a document title and a locator) and checks
// that no format writes them for a reader without the personal-data
// right, and that one with it gets the text whole.
func TestStoredTextIsRedactedUnlessTheReaderMayReadPersonalData(t *testing.T) {
	const mail, tel = "toimisto@tyo-osaaminen.fi", "050 306 6869"
	f := newFixture()
	for _, n := range f.nodes {
		switch n.ID {
		case f.yhdistys:
			n.Name.FI = "Työ & Osaaminen ry, " + mail
			n.Abbreviations = []string{"TOry p. " + tel}
		case f.pilot:
			n.Sources = append(n.Sources, hub.Citation{SourceID: f.doc, Locator: "yhteystiedot: " + mail + ", p. " + tel})
		}
	}
	for _, r := range f.edges {
		if r.ID == f.partner {
			r.Role = "kumppani (puh. " + tel + ")"
		}
	}
	f.docs[f.doc].Name.FI = "Muistio, lisätietoja " + mail
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			doc := mustWrite(t, format, f.nodes, f.edges, f.options())
			for _, secret := range []string{mail, tel, "6869"} {
				if bytes.Contains(doc, []byte(secret)) {
					t.Errorf("export for an anonymous reader contains %q", secret)
				}
			}
			for _, marker := range []string{hub.EmailRemoved, hub.PhoneRemoved} {
				if !bytes.Contains(doc, []byte(marker)) {
					t.Errorf("export for an anonymous reader has no %q", marker)
				}
			}
			opt := f.options()
			opt.PersonalData = true
			doc = mustWrite(t, format, f.nodes, f.edges, opt)
			if n := bytes.Count(doc, []byte(mail)); n < 3 {
				t.Errorf("export for a reader with the right has the e-mail address %d times, want at least 3 (label, locator, title)", n)
			}
			if n := bytes.Count(doc, []byte(tel)); n < 3 {
				t.Errorf("export for a reader with the right has the phone number %d times, want at least 3 (abbreviation, locator, role)", n)
			}
		})
	}
}

// TestPersonalDataIsNeverExported checks that a contact carries id,
// label and kind only, and that its e-mail, phone, title, description
// and the quotes of citations appear nowhere in any export.
func TestPersonalDataIsNeverExported(t *testing.T) {
	f := newFixture()
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			doc := mustWrite(t, format, f.nodes, f.edges, f.options())
			for _, secret := range []string{contactEmail, "example.fi", contactPhone, "123 4567", contactTitle, "salainen", "Yhteyshenkilö", secretQuote, "yhteystiedot"} {
				if bytes.Contains(doc, []byte(secret)) {
					t.Errorf("export contains %q", secret)
				}
			}
			tb := parseAny(t, format, doc)
			got := tb.nodes[f.contact]
			delete(got, "viz:color") // the GEXF colour of the kind
			if want := map[string]string{"label": "Päivi Testaaja", "kind": "Contact"}; !maps.Equal(got, want) {
				t.Errorf("contact = %v, want only %v", got, want)
			}
			// The contact's relationships stay: they are the network.
			if tb.edges[f.contactFor] == nil || tb.edges[f.employs] == nil {
				t.Error("the contact's relationships are missing")
			}
		})
	}
}

// TestEscaping checks that names survive XML and JSON whatever they hold,
// and that characters XML cannot carry become U+FFFD instead of breaking
// the document.
func TestEscaping(t *testing.T) {
	f := newFixture()
	odd := node(hub.KindOrganisation, "odd", hub.LocalizedText{FI: "A & B <c> \"d\" 'e' ä ö å\ttab\nrivi ]]> \x01bell"})
	odd.Abbreviations = []string{"A&B", `"Q"`}
	nodes := append(slices.Clone(f.nodes), odd)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			doc := mustWrite(t, format, nodes, f.edges, f.options())
			tb := parseAny(t, format, doc)
			want := odd.Name.FI
			if format != FormatCytoscapeJSON {
				want = strings.ReplaceAll(want, "\x01", "\uFFFD")
				if !bytes.Contains(doc, []byte("A &amp; B &lt;c&gt;")) {
					t.Error("ampersand and angle brackets are not escaped as entities")
				}
			}
			if got := tb.nodes[odd.ID]["label"]; got != want {
				t.Errorf("label = %q, want %q", got, want)
			}
			if got := tb.nodes[odd.ID]["abbreviations"]; got != `A&B;"Q"` {
				t.Errorf("abbreviations = %q", got)
			}
			if got := tb.nodes[f.yhdistys]["label"]; got != `Työ & "Osaaminen" ry` {
				t.Errorf("label = %q", got)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	f := newFixture()
	opt := f.options()
	// Many metrics, so that map iteration order would show.
	for _, name := range []string{"a", "z", "m", "b.c", "d-e", "_f", "pagerank", "closeness"} {
		opt.Metrics[name] = map[string]float64{f.stm: 1.5, f.pilot: -2}
	}
	for _, format := range Formats {
		first := mustWrite(t, format, f.nodes, f.edges, opt)
		for range 20 {
			if again := mustWrite(t, format, f.nodes, f.edges, opt); !bytes.Equal(first, again) {
				t.Fatalf("%s: two exports differ:\n%s\n---\n%s", format, first, again)
			}
		}
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture()
	opt := f.options()
	opt.Language = hub.Swedish
	tb := parseGraphML(t, mustWrite(t, FormatGraphML, f.nodes, f.edges, opt))
	if got := tb.nodes[f.stm]["label"]; got != "Social- och hälsovårdsministeriet" {
		t.Errorf("Swedish label = %q", got)
	}
	// No Swedish name: the fallback order gives Finnish first.
	if got := tb.nodes[f.pilot]["label"]; got != "Yhdessä hyvä OTE" {
		t.Errorf("fallback label = %q", got)
	}
	opt.Language = hub.English
	tb = parseGraphML(t, mustWrite(t, FormatGraphML, f.nodes, f.edges, opt))
	if got := tb.nodes[f.pilot]["label"]; got != "Good OTE together" {
		t.Errorf("English label = %q", got)
	}
	// A node without a name is labelled by its key.
	nameless := node(hub.KindTheme, "nimeton", hub.LocalizedText{})
	tb = parseGraphML(t, mustWrite(t, FormatGraphML, []*hub.Node{nameless}, nil, Options{}))
	if got := tb.nodes[nameless.ID]["label"]; got != "nimeton" {
		t.Errorf("nameless label = %q", got)
	}
}

func TestDanglingDuplicateAndNilElements(t *testing.T) {
	f := newFixture()
	outside := node(hub.KindOrganisation, "outside", hub.LocalizedText{FI: "Ulkopuolinen"})
	dangling := relationship(hub.PartnerIn, outside, &hub.Node{ID: f.pilot, Kind: hub.KindPilot, Key: "yhdessa-hyva-ote"}, "")
	dupNode := *f.nodes[0]
	dupNode.Name = hub.LocalizedText{FI: "Kaksoiskappale"}
	nodes := append([]*hub.Node{nil}, f.nodes...)
	nodes = append(nodes, &dupNode)
	edges := append([]*hub.Relationship{nil, dangling}, f.edges...)
	edges = append(edges, f.edges[0])
	for _, format := range Formats {
		tb := parseAny(t, format, mustWrite(t, format, nodes, edges, f.options()))
		if len(tb.nodes) != len(f.nodes) || len(tb.edges) != len(f.edges) {
			t.Errorf("%s: %d nodes, %d edges, want %d, %d", format, len(tb.nodes), len(tb.edges), len(f.nodes), len(f.edges))
		}
		if _, ok := tb.edges[dangling.ID]; ok {
			t.Errorf("%s: the dangling edge was written", format)
		}
		if got := tb.nodes[f.stm]["label"]; got != "Sosiaali- ja terveysministeriö" {
			t.Errorf("%s: the first of duplicate nodes should win, got %q", format, got)
		}
	}

	empty := []*hub.Node{{Kind: hub.KindTheme, Key: "x"}}
	for _, format := range Formats {
		if err := Write(format, &bytes.Buffer{}, empty, nil, Options{}); hub.ErrorCode(err) != hub.EINVALID {
			t.Errorf("%s: node without id: err = %v, want %s", format, err, hub.EINVALID)
		}
		noID := []*hub.Relationship{{Type: hub.Funds, FromID: f.stm, ToID: f.pilot}}
		if err := Write(format, &bytes.Buffer{}, f.nodes, noID, Options{}); hub.ErrorCode(err) != hub.EINVALID {
			t.Errorf("%s: edge without id: err = %v, want %s", format, err, hub.EINVALID)
		}
	}
}

func TestEmptyNetwork(t *testing.T) {
	for _, format := range Formats {
		tb := parseAny(t, format, mustWrite(t, format, nil, nil, Options{Truncated: true}))
		if len(tb.nodes) != 0 || len(tb.edges) != 0 {
			t.Errorf("%s: %d nodes, %d edges", format, len(tb.nodes), len(tb.edges))
		}
	}
}

func TestMetricNames(t *testing.T) {
	f := newFixture()
	for _, name := range []string{"", "label", "id", "kind", "sources", "source", "1st", "two words", "a/b", "ä", "x<y"} {
		opt := Options{Metrics: map[string]map[string]float64{name: {f.stm: 1}}}
		for _, format := range Formats {
			if err := Write(format, &bytes.Buffer{}, f.nodes, f.edges, opt); hub.ErrorCode(err) != hub.EINVALID {
				t.Errorf("%s: metric %q: err = %v, want %s", format, name, err, hub.EINVALID)
			}
		}
	}
	for _, name := range []string{"degree", "in_degree", "page.rank", "k-core", "_x", "Betweenness2"} {
		if !validName(name) || reservedNames[name] {
			t.Errorf("metric %q should be allowed", name)
		}
	}
}

func TestNonFiniteMetrics(t *testing.T) {
	f := newFixture()
	opt := Options{Metrics: map[string]map[string]float64{"score": {f.stm: math.NaN(), f.pilot: math.Inf(1), f.yhdistys: math.Inf(-1)}}}
	tb := parseGraphML(t, mustWrite(t, FormatGraphML, f.nodes, f.edges, opt))
	if tb.nodes[f.stm]["score"] != "NaN" || tb.nodes[f.pilot]["score"] != "INF" || tb.nodes[f.yhdistys]["score"] != "-INF" {
		t.Errorf("GraphML scores: %q %q %q", tb.nodes[f.stm]["score"], tb.nodes[f.pilot]["score"], tb.nodes[f.yhdistys]["score"])
	}
	doc := mustWrite(t, FormatCytoscapeJSON, f.nodes, f.edges, opt)
	if !json.Valid(doc) || !bytes.Contains(doc, []byte(`"score":null`)) {
		t.Errorf("JSON with non-finite metrics: valid=%v\n%s", json.Valid(doc), doc)
	}
}

func TestFormatDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1200000, "1200000"},
		{1500000.5, "1500000.5"},
		{123.45, "123.45"},
		{-2, "-2"},
		{0.125, "0.125"},
		{1e-9, "1e-09"},
		{1e21, "1e+21"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "INF"},
		{math.Inf(-1), "-INF"},
	}
	for _, tt := range tests {
		if got := formatDouble(tt.in); got != tt.want {
			t.Errorf("formatDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriterErrorsAreReturned(t *testing.T) {
	f := newFixture()
	for _, format := range Formats {
		if err := Write(format, failingWriter{}, f.nodes, f.edges, f.options()); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: err = %v, want %v", format, err, errDiskFull)
		}
	}
}

// TestDataset exports the real OTE dataset and checks every format
// without Python: structure, counts, no personal data.
func TestDataset(t *testing.T) {
	d := mustLoadDataset(t)
	opt := Options{Documents: d.docs, Metrics: map[string]map[string]float64{"degree": degrees(d.edges)}}
	var contacts []*hub.Node
	for _, n := range d.nodes {
		if n.Kind == hub.KindContact {
			contacts = append(contacts, n)
		}
	}
	if len(contacts) == 0 {
		t.Fatal("the dataset has no contacts; the personal-data check would prove nothing")
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			doc := mustWrite(t, format, d.nodes, d.edges, opt)
			tb := parseAny(t, format, doc)
			if len(tb.nodes) != len(d.nodes) || len(tb.edges) != len(d.edges) {
				t.Errorf("%d nodes, %d edges, want %d, %d", len(tb.nodes), len(tb.edges), len(d.nodes), len(d.edges))
			}
			for _, c := range contacts {
				if c.Contact != nil {
					for _, secret := range []string{c.Contact.Email, c.Contact.Phone} {
						if secret != "" && bytes.Contains(doc, []byte(secret)) {
							t.Errorf("export contains personal data of %s", c.Key)
						}
					}
				}
				// The job title is not checked as a substring: the same words
				// are the public role of the contact's relationships
				// ("projektipäällikkö"), which are network facts. The node
				// itself must not carry it, which the next check pins.
				got := tb.nodes[c.ID]
				delete(got, "viz:color")
				if !maps.Equal(got, map[string]string{"label": c.DisplayName(""), "kind": "Contact"}) {
					t.Errorf("contact %s = %v", c.Key, got)
				}
			}
			if bytes.Contains(doc, []byte("@")) {
				t.Error("export contains an @: an e-mail address?")
			}
		})
	}
}
