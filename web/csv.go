package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/otehub/hub"
)

// MaxCSVPages bounds the pages a CSV export follows (100 rows each at
// most: 10 000 rows).
const MaxCSVPages = 100

// csvBOM starts every CSV answer: Excel reads UTF-8 only with it.
const csvBOM = "\uFEFF"

// CSV serves GET /export/csv?query=…[&variables=…][&operationName=…]: the
// answer of a GraphQL query as CSV. The query runs through api, the
// GraphQL endpoint, as a GET query (the same authentication, limits, rate
// limits and personal-data rules, and queries only), so that the export
// has every filter of the API without a second implementation. The
// first list in the answer (a connection's nodes, an aggregate's
// buckets) becomes the rows: see flatten for the columns. A query that
// declares $after and selects pageInfo { hasNextPage endCursor } next to
// the list is followed page by page, up to MaxCSVPages.
func CSV(api http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("query") == "" && q.Get("extensions") == "" {
			exportError(w, logger, hub.Errorf(hub.EINVALID, "send the GraphQL query in the query parameter"))
			return
		}
		serveCSV(w, r, api, q, logger)
	})
}

// NamedCSV serves a fixed query as CSV (the convenience URLs such as
// /export/organisations.csv); the caller's own parameters are ignored.
func NamedCSV(api http.Handler, query string, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveCSV(w, r, api, url.Values{"query": {query}}, logger)
	})
}

func serveCSV(w http.ResponseWriter, r *http.Request, api http.Handler, params url.Values, logger *slog.Logger) {
	vars := map[string]json.RawMessage{}
	if v := params.Get("variables"); v != "" {
		if err := json.Unmarshal([]byte(v), &vars); err != nil {
			exportError(w, logger, hub.Errorf(hub.EINVALID, "variables must be a JSON object"))
			return
		}
	}
	var (
		header []string
		rows   []map[string]string
		name   string
	)
	for page := 0; ; page++ {
		if page == MaxCSVPages {
			exportError(w, logger, hub.Errorf(hub.ETOOLARGE, "the export has more than %d pages; narrow the query", MaxCSVPages))
			return
		}
		status, body, hdr := runQuery(r, api, params)
		data, failed := answerData(body)
		if status != http.StatusOK || failed {
			// No partial CSV: the caller gets the GraphQL errors.
			if status == http.StatusOK {
				status = http.StatusUnprocessableEntity
			}
			for _, k := range []string{"Content-Type", "Retry-After", "WWW-Authenticate"} {
				if v := hdr.Get(k); v != "" {
					w.Header().Set(k, v)
				}
			}
			w.WriteHeader(status)
			w.Write(body)
			return
		}
		list, at, holder := firstList(data, "")
		if list == nil {
			exportError(w, logger, hub.Errorf(hub.EINVALID, "the answer has no list to export; select a connection's nodes or an aggregate"))
			return
		}
		name = at
		for _, item := range list {
			header, rows = addRow(header, rows, item)
		}
		info, _ := holder.get("pageInfo").(object)
		next, more := nextCursor(info)
		if !more || !strings.Contains(params.Get("query"), "$after") {
			break
		}
		vars["after"], _ = json.Marshal(next)
		b, _ := json.Marshal(vars)
		params = cloneValues(params)
		params.Set("variables", string(b))
	}
	var buf bytes.Buffer
	buf.WriteString(csvBOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	header = dropEmptyParents(header, rows)
	cw.Write(header)
	record := make([]string, len(header))
	for _, row := range rows {
		for i, h := range header {
			record[i] = row[h]
		}
		cw.Write(record)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", `attachment; filename="ote-`+fileName(name)+`.csv"`)
	w.Write(buf.Bytes())
}

// runQuery asks api the query of params as a GET query with r's caller
// (context and credentials) and language, and returns its answer.
func runQuery(r *http.Request, api http.Handler, params url.Values) (int, []byte, http.Header) {
	in := r.Clone(r.Context())
	in.URL = &url.URL{Path: "/graphql", RawQuery: params.Encode()}
	in.RequestURI = in.URL.RequestURI()
	// The CSV has its own entity tag; the query's must not answer 304.
	in.Header.Del("If-None-Match")
	in.Header.Del("Upgrade")
	rec := &recorder{header: http.Header{}}
	api.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.status, rec.body.Bytes(), rec.header
}

// recorder keeps a handler's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// answerData returns a GraphQL answer's data, in field order, and
// whether it has errors (or is no GraphQL answer).
func answerData(body []byte) (any, bool) {
	v, err := decodeOrdered(json.NewDecoder(bytes.NewReader(body)))
	if err != nil {
		return nil, true
	}
	o, ok := v.(object)
	if !ok || o.get("errors") != nil {
		return nil, true
	}
	return o.get("data"), false
}

// object is a JSON object with its members in the order written (the
// order of the query's selection).
type object []member

type member struct {
	key   string
	value any
}

func (o object) get(key string) any {
	for _, m := range o {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// decodeOrdered reads one JSON value: object, []any, string,
// json.Number, bool or nil.
func decodeOrdered(d *json.Decoder) (any, error) {
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := object{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			o = append(o, member{k.(string), v})
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		l := []any{}
		for d.More() {
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := d.Token()
		return l, err
	case json.Delim('}'), json.Delim(']'):
		return nil, errors.New("unexpected delimiter")
	}
	return t, nil
}

// firstList finds the first list in v, depth first in field order, with
// its path and the object that holds it (for its pageInfo).
func firstList(v any, path string) ([]any, string, object) {
	o, ok := v.(object)
	if !ok {
		return nil, "", nil
	}
	for _, m := range o {
		p := m.key
		if path != "" {
			p = path + "." + m.key
		}
		if l, isList := m.value.([]any); isList {
			return l, p, o
		}
		if l, at, holder := firstList(m.value, p); l != nil {
			return l, at, holder
		}
	}
	return nil, "", nil
}

// nextCursor says whether pageInfo announces a next page, and its cursor.
func nextCursor(info object) (string, bool) {
	if more, _ := info.get("hasNextPage").(bool); !more {
		return "", false
	}
	c, ok := info.get("endCursor").(string)
	return c, ok && c != ""
}

// addRow flattens item into a row, adding the columns it is the first to
// have: after the columns of the same field (parent.id where an earlier
// row had only a null parent), else last.
func addRow(header []string, rows []map[string]string, item any) ([]string, []map[string]string) {
	cells := map[string][]string{}
	var cols []string
	flatten(item, "", cells, &cols)
	for _, c := range cols {
		if slices.Contains(header, c) {
			continue
		}
		at := len(header)
		for i, h := range header {
			if strings.HasPrefix(c, h+".") || strings.HasPrefix(h, fieldOf(c)+".") || h == fieldOf(c) {
				at = i + 1
			}
		}
		header = slices.Insert(header, at, c)
	}
	row := make(map[string]string, len(cells))
	for c, vs := range cells {
		row[c] = strings.Join(vs, "; ")
	}
	return header, append(rows, row)
}

// fieldOf is the row's field a column comes from ("names" of "names.fi").
func fieldOf(col string) string {
	f, _, _ := strings.Cut(col, ".")
	return f
}

// flatten puts v's leaves in cells under their column: the field's name,
// a nested object's fields as "field.sub", and the values of a list
// (of scalars, or of objects field by field) joined with "; ". A null is
// an empty cell; a row's column list keeps the order of the fields.
func flatten(v any, col string, cells map[string][]string, cols *[]string) {
	add := func(s string, present bool) {
		col := col
		if col == "" {
			// A list of scalars: one column.
			col = "value"
		}
		if _, seen := cells[col]; !seen {
			*cols = append(*cols, col)
			cells[col] = nil
		}
		if present {
			cells[col] = append(cells[col], s)
		}
	}
	switch v := v.(type) {
	case object:
		for _, m := range v {
			c := m.key
			if col != "" {
				c = col + "." + m.key
			}
			flatten(m.value, c, cells, cols)
		}
	case []any:
		if len(v) == 0 {
			add("", false)
		}
		for _, e := range v {
			flatten(e, col, cells, cols)
		}
	case nil:
		add("", false)
	case string:
		add(textCell(v), true)
	case json.Number:
		add(v.String(), true)
	case bool:
		if v {
			add("true", true)
		} else {
			add("false", true)
		}
	}
}

// textCell is a text value as a cell that a spreadsheet shows as text:
// one beginning with a character that makes it a formula (=, +, -, @) or
// may start one after a spreadsheet strips it (tab, carriage return) gets
// a leading apostrophe, which spreadsheets take as "text follows" and do
// not show. Numbers are JSON numbers, never texts, so "-3" stays a number.
func textCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// dropEmptyParents drops the columns that only null objects or empty
// lists made: empty in every row, and named like the prefix of another
// column (regions beside regions.name).
func dropEmptyParents(header []string, rows []map[string]string) []string {
	var keep []string
	for _, h := range header {
		parent := slices.ContainsFunc(header, func(o string) bool { return strings.HasPrefix(o, h+".") })
		if parent && !slices.ContainsFunc(rows, func(row map[string]string) bool { return row[h] != "" }) {
			continue
		}
		keep = append(keep, h)
	}
	return keep
}

// fileName makes a file name of a list's path ("organisations.nodes" is
// "organisations").
func fileName(path string) string {
	path = strings.TrimSuffix(path, ".nodes")
	var b strings.Builder
	for _, c := range path {
		switch {
		case c == '.':
			b.WriteByte('-')
		case c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'):
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "export"
	}
	return b.String()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
