package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/otehub/hub"
)

// Row is one node or relationship read from a dataset file, with where
// it was read. Exactly one of Node, Relationship and Err is set; rows
// are not prepared (see hub.Prepare).
type Row struct {
	Node         *hub.Node
	Relationship *hub.Relationship
	// Err (a *RowError) says why the row could not be read.
	Err error
	At  Position
}

// Position is where a row of a dataset file is.
type Position struct {
	// File is the file's name as given to the reader.
	File string
	// Line is the line where the row starts, from 1 (0 when unknown).
	Line int
	// List is the list of the dataset file that the row belongs to:
	// "sources", "nodes" or "relationships" (a CSV table's rows belong
	// to the list of the table).
	List string
	// Index is the row's place in its list of a JSON file, from 0; -1
	// for a CSV row.
	Index int
}

// String is "file:line", followed for JSON rows by the row's place in
// its list: "ote.json:120 (nodes[4])".
func (p Position) String() string {
	s := p.File
	if p.Line > 0 {
		if s != "" {
			s += ":"
		}
		s += strconv.Itoa(p.Line)
	}
	if p.Index >= 0 && p.List != "" {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("(%s[%d])", p.List, p.Index)
	}
	return s
}

// RowError is a problem with one row of a file.
type RowError struct {
	At Position
	// Row names the row as the file does ("organisation/fokus", a
	// relationship's key), or is "" when the row could not be read.
	Row string
	Err error
}

func (e *RowError) Error() string {
	s := e.At.String() + ": "
	if e.Row != "" {
		s += e.Row + ": "
	}
	msg := e.Err.Error()
	if he, ok := errors.AsType[*hub.Error](e.Err); ok {
		msg = he.Message // without the code, which says nothing to a reader of the file
	}
	return s + msg
}

func (e *RowError) Unwrap() error { return e.Err }

// lines converts byte offsets of a file to line numbers. Offsets must be
// asked in increasing order.
type lines struct {
	data []byte
	off  int
	line int
}

func (l *lines) at(off int) int {
	if l.line == 0 {
		l.line = 1
	}
	off = min(off, len(l.data))
	if off > l.off {
		l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
		l.off = off
	}
	return l.line
}

// ReadJSON reads a dataset file in JSON (the format of ote.json): every
// row, placed by line and list index, those it cannot convert with their
// Err. A row with an unknown field, a value of the wrong type, an
// unknown kind, a bad reference or a bad date is such a row; the rows
// after it are read on. A file that is not a dataset file at all (not
// JSON, not an object of the three lists) fails as a whole: err is set,
// placed where the problem is.
func ReadJSON(name string, data []byte) (rows []Row, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	ln := &lines{data: data}
	fail := func(off int64, format string, args ...any) error {
		return &RowError{At: Position{File: name, Line: ln.at(int(off)), Index: -1}, Err: fmt.Errorf(format, args...)}
	}
	syntax := func(err error) error {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return fail(se.Offset, "not valid JSON: %v", se)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(int64(len(data)), "the file ends early")
		}
		return fail(dec.InputOffset(), "%v", err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, fail(0, "a dataset file is an object with the lists sources, nodes and relationships")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return rows, syntax(err)
		}
		list, _ := tok.(string)
		if list == "meta" {
			// A dump's description, not rows.
			var m Meta
			if err := dec.Decode(&m); err != nil {
				return rows, fail(dec.InputOffset(), "meta: %v", err)
			}
			continue
		}
		if list != "sources" && list != "nodes" && list != "relationships" {
			return rows, fail(dec.InputOffset(), "unknown list %q: want meta, sources, nodes or relationships", list)
		}
		if tok, err = dec.Token(); err != nil {
			return rows, syntax(err)
		}
		if tok == nil {
			continue
		}
		if tok != json.Delim('[') {
			return rows, fail(dec.InputOffset(), "%s must be a list", list)
		}
		for i := 0; dec.More(); i++ {
			at := Position{File: name, Line: ln.at(valueStart(data, dec.InputOffset())), List: list, Index: i}
			row, what, err, convErr := decodeRow(dec, list)
			if err != nil {
				// A value of the wrong type or an unknown field leaves
				// the decoder past the row: read on.
				if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok && !isUnknownField(err) {
					return rows, syntax(err)
				}
			} else {
				err = convErr
			}
			if err != nil {
				row = Row{Err: &RowError{At: at, Row: what, Err: err}}
			}
			row.At = at
			rows = append(rows, row)
		}
		if _, err := dec.Token(); err != nil {
			return rows, syntax(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return rows, syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return rows, fail(dec.InputOffset(), "data after the dataset object")
	}
	return rows, nil
}

// decodeRow decodes the next value of list and converts it. decodeErr
// is the decoder's, convErr the conversion's.
func decodeRow(dec *json.Decoder, list string) (row Row, what string, decodeErr, convErr error) {
	switch list {
	case "sources":
		var s source
		if err := dec.Decode(&s); err != nil {
			return Row{}, s.what(), err, nil
		}
		n, err := s.toNode()
		return Row{Node: n}, s.what(), nil, err
	case "nodes":
		var n node
		if err := dec.Decode(&n); err != nil {
			return Row{}, n.what(), err, nil
		}
		hn, err := n.toNode()
		return Row{Node: hn}, n.what(), nil, err
	default:
		var r relationship
		if err := dec.Decode(&r); err != nil {
			return Row{}, r.what(), err, nil
		}
		hr, err := r.toRelationship()
		return Row{Relationship: hr}, r.what(), nil, err
	}
}

// isUnknownField reports whether err is the decoder's error for a field
// that the row type does not have (encoding/json has no type for it).
func isUnknownField(err error) bool {
	return err != nil && bytes.HasPrefix([]byte(err.Error()), []byte("json: unknown field "))
}

// valueStart returns the offset of the next JSON value at or after off:
// past white space and the comma between list items.
func valueStart(data []byte, off int64) int {
	i := int(off)
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n', ',':
			i++
			continue
		}
		break
	}
	return i
}
