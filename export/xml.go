package export

import (
	"bufio"
	"encoding/xml"
	"io"
	"strings"
)

// xmlHeader is the prolog of both XML formats.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// xmlWriter writes XML by hand, so that the layout, the attribute order
// and the namespace declarations are exactly as written (encoding/xml's
// Encoder rewrites namespaces). Every text and attribute value goes
// through xml.EscapeText, which escapes & < > " ' and newlines and
// replaces characters XML cannot hold with U+FFFD.
//
// Writes go to a bufio.Writer, whose first error sticks and is returned
// by flush; the individual writes therefore need no checks.
type xmlWriter struct {
	w *bufio.Writer
}

func newXMLWriter(w io.Writer) *xmlWriter { return &xmlWriter{w: bufio.NewWriter(w)} }

// raw writes s unescaped: markup of our own.
func (x *xmlWriter) raw(s ...string) {
	for _, p := range s {
		x.w.WriteString(p)
	}
}

// escaped writes s escaped for text or a double-quoted attribute value.
func (x *xmlWriter) escaped(s string) {
	// EscapeText only fails when the writer does, which flush reports.
	_ = xml.EscapeText(x.w, []byte(s))
}

// open writes an indented start tag "<name a="v" ...". Close it with
// end(">") or end("/>"). attrs are name, value pairs.
func (x *xmlWriter) open(depth int, name string, attrs ...string) {
	x.raw(strings.Repeat("  ", depth), "<", name)
	for i := 0; i+1 < len(attrs); i += 2 {
		x.raw(" ", attrs[i], `="`)
		x.escaped(attrs[i+1])
		x.raw(`"`)
	}
}

func (x *xmlWriter) end(s string) { x.raw(s, "\n") }

// close writes an indented end tag.
func (x *xmlWriter) close(depth int, name string) {
	x.raw(strings.Repeat("  ", depth), "</", name, ">\n")
}

// element writes <name attrs...>text</name> on one line.
func (x *xmlWriter) element(depth int, name, text string, attrs ...string) {
	x.open(depth, name, attrs...)
	x.raw(">")
	x.escaped(text)
	x.raw("</", name, ">\n")
}

func (x *xmlWriter) flush() error { return x.w.Flush() }
