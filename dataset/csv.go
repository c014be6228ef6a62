package dataset

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otehub/hub"
)

// The CSV format spells the rows of a dataset file as tables, one file
// each: sources.csv (the file's sources), one file per entity kind named
// by the kind's name in the file (organisation.csv, targetGroup.csv...)
// and relationships.csv. A table's first line names its columns, in any
// order; a column may be left out (its cells are then empty), an unknown
// column is an error. Cells hold the file's values as text:
//
//   - a localised text is one column per language: name_fi, name_sv,
//     name_en;
//   - a period is two columns, start and end, YYYY-MM-DD;
//   - references are "kind/key", as in the JSON file;
//   - an amount is in major units with "." or "," before the cents
//     ("1200000", "1500000.50"), its currency in its own column;
//   - a list (abbreviations, aliases, regions) joins its items with
//     " | "; goals are three such lists, goals_fi, goals_sv and
//     goals_en, whose n-th items are the n-th goal's texts;
//   - citations (the sources column) are one per line of the cell, each
//     "source key | locator | quote | fields", all but the source
//     optional; a source "@name" is a statement by name instead of a
//     document; fields, the fields the citation supports, are joined
//     with ", ";
//   - alternatives (other values of a row's fields, with their sources)
//     are a JSON array as in the JSON file.
//
// Inside lists and citations a backslash takes the next character
// literally: "\|" is a "|" that does not separate, "\\" a backslash, and
// white space around an item is dropped unless escaped. Other cells are
// taken as they are.

const (
	sourcesTable       = "sources"
	relationshipsTable = "relationships"
	listSeparator      = " | "
	fieldSeparator     = ", "
	// statementPrefix marks a citation of who stated a fact: source
	// keys never start with it.
	statementPrefix = "@"
)

// CSVTables lists the tables of the CSV format in the order an import
// reads them: sources, one table per entity kind (in hub.EntityKinds
// order), relationships. Each is the file table+".csv".
func CSVTables() []string {
	t := []string{sourcesTable}
	for _, k := range hub.EntityKinds {
		t = append(t, KindName(k))
	}
	return append(t, relationshipsTable)
}

// CSVColumns returns the columns of a table in the order WriteCSV writes
// them, or nil for an unknown table. A kind's table has a type column
// only when the kind has types, regions a code, contacts a title, email
// and phone.
func CSVColumns(table string) []string {
	switch table {
	case sourcesTable:
		return []string{"key", "title", "kind", "publisher", "author", "published", "language", "url", "file"}
	case relationshipsTable:
		return []string{"type", "from", "to", "key", "role", "amount", "currency", "start", "end",
			"description_fi", "description_sv", "description_en", "sources", "alternatives"}
	}
	kind, ok := kinds[table]
	if !ok || kind == hub.KindSourceDocument {
		return nil
	}
	cols := []string{"key", "name_fi", "name_sv", "name_en", "abbreviations", "aliases",
		"description_fi", "description_sv", "description_en"}
	if len(hub.NodeTypes(kind)) > 0 {
		cols = append(cols, "type")
	}
	if kind == hub.KindRegion {
		cols = append(cols, "code", "classification_scheme", "classification_year", "classification_url")
	}
	if kind == hub.KindOrganisation || kind == hub.KindEmployer {
		cols = append(cols, "business_id", "external_ids")
	}
	cols = append(cols, "regions", "start", "end", "goals_fi", "goals_sv", "goals_en")
	if kind == hub.KindContact {
		cols = append(cols, "title", "email", "phone")
	}
	return append(cols, "merged", "sources", "alternatives")
}

// csvTable returns the table a file holds, from its name
// ("organisation.csv", case ignored).
func csvTable(name string) (string, bool) {
	base, ok := strings.CutSuffix(strings.ToLower(filepath.Base(name)), ".csv")
	if !ok {
		return "", false
	}
	for _, t := range CSVTables() {
		if strings.ToLower(t) == base {
			return t, true
		}
	}
	return "", false
}

// CSVFiles returns the tables in directory dir, in the order of
// CSVTables. A .csv file that is not a table is an error, so that a
// misnamed file is not skipped unseen.
func CSVFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(strings.ToLower(e.Name()), ".csv") {
			continue
		}
		t, ok := csvTable(e.Name())
		if !ok {
			return nil, fmt.Errorf("%s: not a table of the CSV format: name it after one of %s (.csv)",
				filepath.Join(dir, e.Name()), strings.Join(CSVTables(), ", "))
		}
		if other, dup := found[t]; dup {
			return nil, fmt.Errorf("%s and %s hold the same table", other, filepath.Join(dir, e.Name()))
		}
		found[t] = filepath.Join(dir, e.Name())
	}
	var out []string
	for _, t := range CSVTables() {
		if p, ok := found[t]; ok {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no tables of the CSV format (%s.csv)", dir, strings.Join(CSVTables(), ".csv, "))
	}
	return out, nil
}

// WriteCSV writes a network as the tables of the CSV format into
// directory dir (created when missing), every table even when empty:
// UTF-8 without a byte order mark, "," between cells, a header line, the
// columns of CSVColumns, rows in the order of WriteJSON. Like WriteJSON
// it writes nothing and fails when a row cannot be written so that it
// reads back as it is.
func WriteCSV(dir string, nodes []*hub.Node, rels []*hub.Relationship) error {
	f, err := toFile(nodes, rels)
	if err != nil {
		return err
	}
	tables := map[string][][]string{}
	for _, t := range CSVTables() {
		tables[t] = [][]string{CSVColumns(t)}
	}
	for i := range f.Sources {
		tables[sourcesTable] = append(tables[sourcesTable], sourceRecord(&f.Sources[i]))
	}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		tables[n.Kind] = append(tables[n.Kind], nodeRecord(CSVColumns(n.Kind), n))
	}
	for i := range f.Relationships {
		tables[relationshipsTable] = append(tables[relationshipsTable], relationshipRecord(&f.Relationships[i]))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, t := range CSVTables() {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(tables[t]); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, t+".csv"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sourceRecord(s *source) []string {
	return []string{s.Key, s.Title, s.Kind, s.Publisher, s.Author, s.Published, s.Language, s.URL, s.File}
}

func nodeRecord(cols []string, n *node) []string {
	rec := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "key":
			rec[i] = n.Key
		case "name_fi", "name_sv", "name_en":
			rec[i] = n.Name.Get(lang(c))
		case "description_fi", "description_sv", "description_en":
			rec[i] = n.Description.Get(lang(c))
		case "abbreviations":
			rec[i] = joinList(n.Abbreviations)
		case "aliases":
			rec[i] = joinList(n.Aliases)
		case "merged":
			rec[i] = joinList(n.Merged)
		case "type":
			rec[i] = n.Type
		case "code":
			rec[i] = n.Code
		case "classification_scheme", "classification_year", "classification_url":
			rec[i] = classificationCell(n.Class, c)
		case "business_id":
			rec[i] = n.BusinessID
		case "external_ids":
			rec[i] = joinList(externalIDItems(n.ExternalIDs))
		case "regions":
			rec[i] = joinList(n.Regions)
		case "start", "end":
			rec[i] = periodCell(n.Period, c)
		case "goals_fi", "goals_sv", "goals_en":
			rec[i] = goalsCell(n.Goals, lang(c))
		case "title":
			rec[i] = n.Title
		case "email":
			rec[i] = n.Email
		case "phone":
			rec[i] = n.Phone
		case "sources":
			rec[i] = citationsCell(n.Sources)
		case "alternatives":
			rec[i] = alternativesCell(n.Alternatives)
		}
	}
	return rec
}

func relationshipRecord(r *relationship) []string {
	var value, currency string
	if r.Amount != nil {
		value, currency = formatAmount(r.Amount.Value), r.Amount.Currency
	}
	return []string{r.Type, r.From, r.To, r.Key, r.Role, value, currency,
		periodCell(r.Period, "start"), periodCell(r.Period, "end"),
		r.Description.FI, r.Description.SV, r.Description.EN, citationsCell(r.Sources), alternativesCell(r.Alternatives)}
}

// lang is the language of a column such as name_sv.
func lang(col string) hub.Language {
	_, l, _ := strings.Cut(col, "_")
	return hub.Language(l)
}

func periodCell(p *period, col string) string {
	switch {
	case p == nil:
		return ""
	case col == "start":
		return p.Start
	default:
		return p.End
	}
}

// goalsCell is the texts of every goal in l, or "" when no goal has one.
func goalsCell(goals []hub.LocalizedText, l hub.Language) string {
	texts := make([]string, len(goals))
	some := false
	for i, g := range goals {
		texts[i] = g.Get(l)
		some = some || texts[i] != ""
	}
	if !some {
		return ""
	}
	return joinList(texts)
}

func citationsCell(cs []citation) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		source := c.Source
		if c.StatedBy != "" {
			source = statementPrefix + c.StatedBy
		}
		parts := []string{source, c.Locator, c.Quote, strings.Join(c.Fields, fieldSeparator)}
		for len(parts) > 1 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		for j, p := range parts {
			parts[j] = escape(p, "|\n")
		}
		lines[i] = strings.Join(parts, listSeparator)
	}
	return strings.Join(lines, "\n")
}

func alternativesCell(as []alternative) string {
	if len(as) == 0 {
		return ""
	}
	b, err := json.Marshal(as)
	if err != nil {
		panic("dataset: marshal alternatives: " + err.Error())
	}
	return string(b)
}

func parseAlternatives(s string) ([]alternative, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var as []alternative
	if err := json.Unmarshal([]byte(s), &as); err != nil {
		return nil, fmt.Errorf("alternatives: a JSON array of {field, value, sources}: %v", err)
	}
	return as, nil
}

// externalIDItems writes external ids as list items "scheme=id": a
// scheme has no "=".
func externalIDItems(ids []hub.ExternalID) []string {
	out := make([]string, len(ids))
	for i, e := range ids {
		out[i] = e.Scheme + "=" + e.ID
	}
	return out
}

// classificationCell is one of the three cells of a region's
// classification ("" when it has none).
func classificationCell(c *hub.Classification, col string) string {
	if c == nil {
		return ""
	}
	switch col {
	case "classification_scheme":
		return c.Scheme
	case "classification_year":
		return strconv.Itoa(c.Year)
	}
	return c.URL
}

// classificationOf reads the classification cells: all empty is none.
func classificationOf(scheme, year, url string) (*hub.Classification, error) {
	if scheme == "" && year == "" && url == "" {
		return nil, nil
	}
	y, err := strconv.Atoi(year)
	if err != nil {
		return nil, fmt.Errorf("classification_year %q is not a year such as 2023", year)
	}
	return &hub.Classification{Scheme: scheme, Year: y, URL: url}, nil
}

// parseExternalIDs reads the items of externalIDItems. An item without
// "=" becomes an id without a scheme, which validation refuses by name.
func parseExternalIDs(items []string) []hub.ExternalID {
	var out []hub.ExternalID
	for _, it := range items {
		scheme, id, ok := strings.Cut(it, "=")
		if !ok {
			scheme, id = "", it
		}
		out = append(out, hub.ExternalID{Scheme: scheme, ID: id})
	}
	return out
}

func joinList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = escape(s, "|")
	}
	return strings.Join(out, listSeparator)
}

// escape puts a backslash before every backslash, every rune of seps and
// white space at either end of s.
func escape(s, seps string) string {
	var b strings.Builder
	runes := []rune(s)
	for i, r := range runes {
		if r == '\\' || strings.ContainsRune(seps, r) || (unicode.IsSpace(r) && (i == 0 || i == len(runes)-1)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// splitCell splits a list or citations cell: into lines at unescaped
// line breaks when lines is set, each line into items at unescaped
// "|", escapes resolved, unescaped white space around each item
// dropped. Blank lines are left out.
func splitCell(s string, lines bool) [][]string {
	var (
		out     [][]string
		items   []string
		cur     []rune
		escaped []bool
	)
	endItem := func() {
		i, j := 0, len(cur)
		for i < j && !escaped[i] && unicode.IsSpace(cur[i]) {
			i++
		}
		for j > i && !escaped[j-1] && unicode.IsSpace(cur[j-1]) {
			j--
		}
		items = append(items, string(cur[i:j]))
		cur, escaped = cur[:0], escaped[:0]
	}
	endLine := func() {
		endItem()
		if len(items) > 1 || items[0] != "" {
			out = append(out, items)
		}
		items = nil
	}
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == '\\' && i+1 < len(runes):
			i++
			cur, escaped = append(cur, runes[i]), append(escaped, true)
		case r == '|':
			endItem()
		case r == '\n' && lines:
			endLine()
		default:
			cur, escaped = append(cur, r), append(escaped, false)
		}
	}
	endLine()
	return out
}

// splitList is the items of a list cell, empty items left out.
func splitList(s string) []string {
	var out []string
	for _, line := range splitCell(s, false) {
		for _, it := range line {
			if it != "" {
				out = append(out, it)
			}
		}
	}
	return out
}

// splitGoals is the items of a goals cell, empty ones kept in place.
func splitGoals(s string) []string {
	if lines := splitCell(s, false); len(lines) > 0 {
		return lines[0]
	}
	return nil
}

func parseCitations(s string) ([]citation, error) {
	var out []citation
	for _, parts := range splitCell(s, true) {
		if len(parts) > 4 {
			return nil, fmt.Errorf("a citation is \"source | locator | quote | fields\"; write a | inside a quote as \\|")
		}
		parts = append(parts, "", "", "")
		c := citation{Source: parts[0], Locator: parts[1], Quote: parts[2]}
		if by, ok := strings.CutPrefix(c.Source, statementPrefix); ok {
			c.Source, c.StatedBy = "", by
		}
		if c.Source == "" && c.StatedBy == "" {
			return nil, fmt.Errorf("a citation names no source")
		}
		for _, f := range strings.Split(parts[3], ",") {
			if f = strings.TrimSpace(f); f != "" {
				c.Fields = append(c.Fields, f)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// formatAmount writes a major-unit amount exactly, with its cents when
// it has any.
func formatAmount(v float64) string {
	minor := int64(math.Round(v * 100))
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := sign + strconv.FormatInt(minor/100, 10)
	if c := minor % 100; c != 0 {
		s += fmt.Sprintf(".%02d", c)
	}
	return s
}

// parseAmount reads a major-unit amount exactly into minor units: digits
// with "." or "," before at most two decimals; spaces between digit
// groups are allowed ("1 200 000").
func parseAmount(s string) (int64, error) {
	bad := fmt.Errorf("bad amount %q: want a number such as 1200000 or 1500000.50", s)
	t := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	whole, frac, dot := strings.Cut(strings.Replace(t, ",", ".", 1), ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") {
		return 0, bad
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || strings.ContainsAny(whole, "+-") {
		return 0, bad
	}
	c, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || strings.ContainsAny(frac, "+-") || w > (1<<53)/100 {
		return 0, bad
	}
	m := w*100 + c
	if neg {
		m = -m
	}
	return m, nil
}

// bom is the UTF-8 byte order mark that spreadsheets write.
var bom = []byte{0xEF, 0xBB, 0xBF}

// separator guesses a table's cell separator from its header line: ";"
// when it holds more semicolons than commas (spreadsheets in locales
// with a decimal comma write those), "," otherwise.
func separator(data []byte) rune {
	header, _, _ := bytes.Cut(data, []byte{'\n'})
	if bytes.Count(header, []byte{';'}) > bytes.Count(header, []byte{','}) {
		return ';'
	}
	return ','
}

// ReadCSV reads one table of the CSV format; name tells which
// ("organisation.csv"). It returns every row, placed by line, those it
// cannot convert with their Err. A leading byte order mark
// is skipped and the separator, "," or ";", is taken from the header
// line. A file that is not a table (an unknown name, an unknown or
// repeated column, no key column, broken quoting) fails as a whole.
func ReadCSV(name string, data []byte) (rows []Row, err error) {
	table, ok := csvTable(name)
	fail := func(line int, format string, args ...any) error {
		return &RowError{At: Position{File: name, Line: line, Index: -1}, Err: fmt.Errorf(format, args...)}
	}
	if !ok {
		return nil, fail(0, "not a table of the CSV format: name it after one of %s (.csv)", strings.Join(CSVTables(), ", "))
	}
	list := "nodes"
	if table == sourcesTable || table == relationshipsTable {
		list = table
	}
	data = bytes.TrimPrefix(data, bom)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	parseErr := func(err error) error {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return fail(pe.Line, "%v", pe.Err)
		}
		return fail(0, "%v", err)
	}
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, parseErr(err)
	}
	known := CSVColumns(table)
	for i, c := range header {
		header[i] = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(known, header[i]) {
			return nil, fail(1, "unknown column %q: the columns of %s.csv are %s", c, table, strings.Join(known, ", "))
		}
		if slices.Contains(header[:i], header[i]) {
			return nil, fail(1, "column %q appears twice", c)
		}
	}
	if !slices.Contains(header, "key") && table != relationshipsTable {
		return nil, fail(1, "no key column")
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, parseErr(err)
		}
		line, _ := r.FieldPos(0)
		at := Position{File: name, Line: line, List: list, Index: -1}
		if !slices.ContainsFunc(rec, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue // a blank row, as spreadsheets leave
		}
		if len(rec) != len(header) {
			rows = append(rows, Row{At: at, Err: &RowError{At: at, Err: fmt.Errorf("%d cells, the header has %d", len(rec), len(header))}})
			continue
		}
		if i := slices.IndexFunc(rec, func(s string) bool { return !utf8.ValidString(s) }); i >= 0 {
			// A spreadsheet that saves in Latin-1 writes "ä" as one byte
			// that is not UTF-8; stored as it is, it would show as garbage.
			rows = append(rows, Row{At: at, Err: &RowError{At: at, Err: fmt.Errorf("column %s is not UTF-8 text: save the table as UTF-8 (\"CSV UTF-8\")", header[i])}})
			continue
		}
		cell := func(col string) string {
			if i := slices.Index(header, col); i >= 0 {
				return rec[i]
			}
			return ""
		}
		row, what, err := csvRow(table, cell)
		if err != nil {
			row = Row{Err: &RowError{At: at, Row: what, Err: err}}
		}
		row.At = at
		rows = append(rows, row)
	}
}

// csvRow converts one record of table to a row.
func csvRow(table string, cell func(string) string) (Row, string, error) {
	switch table {
	case sourcesTable:
		s := source{Key: cell("key"), Title: cell("title"), Kind: cell("kind"), Publisher: cell("publisher"),
			Author: cell("author"), Published: cell("published"), Language: cell("language"), URL: cell("url"), File: cell("file")}
		n, err := s.toNode()
		return Row{Node: n}, s.what(), err
	case relationshipsTable:
		r := relationship{Type: cell("type"), From: cell("from"), To: cell("to"), Key: cell("key"), Role: cell("role"),
			Period: periodOf(cell("start"), cell("end")), Description: localized(cell, "description")}
		what := r.what()
		if v, cur := strings.TrimSpace(cell("amount")), cell("currency"); v != "" || cur != "" {
			if v == "" {
				return Row{}, what, fmt.Errorf("a currency without an amount")
			}
			minor, err := parseAmount(v)
			if err != nil {
				return Row{}, what, err
			}
			r.Amount = &amount{Value: float64(minor) / 100, Currency: cur}
		}
		var err error
		if r.Sources, err = parseCitations(cell("sources")); err != nil {
			return Row{}, what, err
		}
		if r.Alternatives, err = parseAlternatives(cell("alternatives")); err != nil {
			return Row{}, what, err
		}
		hr, err := r.toRelationship()
		return Row{Relationship: hr}, what, err
	}
	n := node{Kind: table, Key: cell("key"), Name: localized(cell, "name"), Abbreviations: splitList(cell("abbreviations")),
		Aliases: splitList(cell("aliases")), Description: localized(cell, "description"), Type: cell("type"),
		Code: cell("code"), BusinessID: cell("business_id"), ExternalIDs: parseExternalIDs(splitList(cell("external_ids"))), Regions: splitList(cell("regions")), Period: periodOf(cell("start"), cell("end")),
		Title: cell("title"), Email: cell("email"), Phone: cell("phone"), Merged: splitList(cell("merged"))}
	what := n.what()
	fi, sv, en := splitGoals(cell("goals_fi")), splitGoals(cell("goals_sv")), splitGoals(cell("goals_en"))
	for i := range max(len(fi), len(sv), len(en)) {
		n.Goals = append(n.Goals, hub.LocalizedText{FI: item(fi, i), SV: item(sv, i), EN: item(en, i)})
	}
	var err error
	if n.Class, err = classificationOf(cell("classification_scheme"), cell("classification_year"), cell("classification_url")); err != nil {
		return Row{}, what, err
	}
	if n.Sources, err = parseCitations(cell("sources")); err != nil {
		return Row{}, what, err
	}
	if n.Alternatives, err = parseAlternatives(cell("alternatives")); err != nil {
		return Row{}, what, err
	}
	hn, err := n.toNode()
	return Row{Node: hn}, what, err
}

func item(l []string, i int) string {
	if i < len(l) {
		return l[i]
	}
	return ""
}

func localized(cell func(string) string, col string) hub.LocalizedText {
	return hub.LocalizedText{FI: cell(col + "_fi"), SV: cell(col + "_sv"), EN: cell(col + "_en")}
}

func periodOf(start, end string) *period {
	if start == "" && end == "" {
		return nil
	}
	return &period{Start: start, End: end}
}
