package hub_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/otehub/hub"
)

// The fuzz targets of the domain. `go test` runs each on its seeds and
// on the inputs kept in testdata/fuzz; `make fuzz` explores further.

// cursorOrders are the orders a fuzzed cursor is decoded under, picked
// by a byte.
var cursorOrders = [][]hub.Order{
	{{Field: hub.OrderByName}},
	{{Field: hub.OrderByName, Desc: true}, {Field: hub.OrderByStartDate}},
	{{Field: hub.OrderByStartDate}, {Field: hub.OrderByKind}, {Field: hub.OrderByID, Desc: true}},
	{{Field: hub.OrderByType}},
	nil,
}

// FuzzDecodeCursor: any string is either a cursor of the order (whose id
// is set and whose values are one per order key) or an EINVALID error
// of bounded length, never a panic.
func FuzzDecodeCursor(f *testing.F) {
	for _, o := range cursorOrders {
		f.Add(uint8(0), hub.EncodeCursor(o, make([]string, len(o)), "T3JnYW5pc2F0aW9uOmVrc290ZQ"))
	}
	f.Add(uint8(1), hub.EncodeCursor(cursorOrders[1], []string{"eksote", "2017-01-01"}, "x"))
	for _, s := range []string{"", "bm90LWEtY3Vyc29y", "eyJvIjoiTkFNRSwiLCJ2IjpbXSwiaSI6IiJ9", "e30", "bnVsbA", "W10",
		"eyJvIjoiTkFNRSwiLCJ2IjpudWxsLCJpIjoieCJ9", strings.Repeat("A", 3000), "%%%", "eyJvIjpbXX0"} {
		f.Add(uint8(0), s)
	}
	f.Fuzz(func(t *testing.T, pick uint8, s string) {
		orders := cursorOrders[int(pick)%len(cursorOrders)]
		c, err := hub.DecodeCursor(orders, s)
		if err != nil {
			var he *hub.Error
			if !errors.As(err, &he) || he.Code != hub.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			if len(err.Error()) > 512 {
				t.Fatalf("a %d B error for a %d B cursor", len(err.Error()), len(s))
			}
			return
		}
		if c == nil || c.ID == "" || len(c.Values) != len(orders) {
			t.Fatalf("cursor %+v under %d order keys", c, len(orders))
		}
	})
}

// FuzzCursorRoundTrip: the cursor of any node the hub can store decodes
// to the values and id it was made from under the same order. Names are
// at most 500 bytes (hub.Prepare's limit) and keys 100, so a cursor
// must stay under DecodeCursor's 2 048 bytes for every such node.
func FuzzCursorRoundTrip(f *testing.F) {
	f.Add("Etelä-Karjalan sosiaali- ja terveyspiiri", "eksote", "2017-01-01", uint8(2))
	f.Add(strings.Repeat("<&>", 166), strings.Repeat("k", 100), "", uint8(1))
	f.Add(strings.Repeat("Ⱥ", 250), strings.Repeat("a-", 50), "2018-12-31", uint8(0))
	f.Add(strings.Repeat("\x01", 500), "x", "", uint8(2))
	f.Fuzz(func(t *testing.T, name, key, start string, pick uint8) {
		if len(name) > 500 || len(key) > 100 || len(start) > 10 || !utf8.ValidString(name) || !utf8.ValidString(start) || key == "" {
			return // not a node the hub stores
		}
		orders := cursorOrders[int(pick)%3]
		n := &hub.Node{ID: hub.NodeID(hub.KindTargetGroup, key), Kind: hub.KindTargetGroup, SortName: hub.Normalize(name), SortStart: start}
		values := hub.NodeOrderValues(n, orders)
		s := hub.EncodeCursor(orders, values, n.ID)
		c, err := hub.DecodeCursor(orders, s)
		if err != nil {
			t.Fatalf("the cursor of a node named %q (%d B) is refused: %v", name, len(s), err)
		}
		if c.ID != n.ID || strings.Join(c.Values, "\x00") != strings.Join(values, "\x00") {
			t.Fatalf("decoded %+v, encoded %q %q", c, values, n.ID)
		}
		// A cursor is for its own order only.
		if _, err := hub.DecodeCursor(cursorOrders[(int(pick)+1)%3], s); err == nil {
			t.Fatalf("a cursor of %v decodes under %v", orders, cursorOrders[(int(pick)+1)%3])
		}
	})
}

// FuzzRedactPersonalData: redaction is idempotent (what it leaves, it
// would leave again: no e-mail or phone pattern it detects remains), keeps
// valid UTF-8 valid, grows a text at most by the markers' length over
// the shortest thing they replace, and leaves the markers alone.
func FuzzRedactPersonalData(f *testing.F) {
	for _, s := range []string{
		"Lisätietoja: niina.turunen@socom.fi", "etunimi.sukunimi ( a ) eksote.fi", "etunimi(at)eksote(dot)fi ja nimi[a]kela(piste)fi",
		"etunimi.sukunimi at eksote dot fi", "Niina Turunen p. 050 306 6869", "050 306 6869 044 5650 558", "puh. (09) 1605 1234",
		"+358 (0)50 123 4567", "00358 40 123 4567", "1 200 000 EUR", "29.5.2017", "0123456-7", "978-952-00-1234-5",
		"puh. 12345", "a@b.cc", "p.0501234567p.0501234567", hub.EmailRemoved + hub.PhoneRemoved, "x＠y.fi",
		"director at eksote.fi", "[phone removed]0", "p. " + hub.PhoneRemoved + " 1234",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := hub.RedactPersonalData(s)
		if twice := hub.RedactPersonalData(once); twice != once {
			t.Fatalf("not idempotent:\nin:    %q\nonce:  %q\ntwice: %q", s, once, twice)
		}
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("%q redacted to invalid UTF-8 %q", s, once)
		}
		// The shortest address ("a@b.cc") is 6 bytes for a 16-byte
		// marker, the shortest number (five digits after a label) 5 for
		// a 15-byte one.
		if len(once) > 3*len(s) {
			t.Fatalf("%d B redacted to %d B: %q → %q", len(s), len(once), s, once)
		}
		if hub.PersonalText(true, s) != s {
			t.Fatal("a caller who may read personal data gets the text changed")
		}
	})
}
