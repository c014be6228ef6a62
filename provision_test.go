package hub_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/otehub/hub"
)

// PageProvisionRows pages ordered rows like PageOf, forwards and
// backwards, from every cursor position (on a row and between rows).
func TestPageProvisionRows(t *testing.T) {
	_, rows, cursors := provisionRowsAndCursors(12, []string{"a", "b", "b", "c"})
	order, values, id := hub.ProvisionOrder(), hub.ProvisionRowOrderValues, func(r hub.ProvisionRow) string { return r.ID }
	for _, c := range cursors {
		for _, first := range []int{0, 1, 3, 12, hub.Unlimited} {
			for _, reverse := range []bool{false, true} {
				opts := hub.ListOptions{OrderBy: order, First: first, After: c, Reverse: reverse}
				got, gotNext := hub.PageProvisionRows(rows, opts)
				want, wantNext := hub.PageOf(rows, opts, values, id)
				if len(got) == 0 && len(want) == 0 {
					got, want = nil, nil
				}
				if !reflect.DeepEqual(got, want) || gotNext != wantNext {
					t.Errorf("after %v, first %d, reverse %v: got %v %v, want %v %v", c, first, reverse, got, gotNext, want, wantNext)
				}
			}
		}
	}
}

// provisionRowsAndCursors returns n rows whose names repeat (so that
// ids break ties), the same rows in the provision order, and cursors at
// every position: none, on each row, just after each, before all and
// after all.
func provisionRowsAndCursors(n int, names []string) (rows, sorted []hub.ProvisionRow, cursors []*hub.Cursor) {
	k := len(names)
	for i := range n {
		rows = append(rows, hub.ProvisionRow{ID: fmt.Sprintf("id%02d", (i*7)%n),
			ServiceName: names[i%k], ProviderName: names[(i/k)%k], RecipientName: names[i%2]})
	}
	values := hub.ProvisionRowOrderValues
	sorted, _ = hub.PageOf(slices.Clone(rows), hub.ListOptions{OrderBy: hub.ProvisionOrder(), First: hub.Unlimited}, values,
		func(r hub.ProvisionRow) string { return r.ID })
	cursors = []*hub.Cursor{nil, {Values: []string{"", "", ""}}, {Values: []string{"z", "", ""}}}
	for _, r := range sorted {
		cursors = append(cursors, &hub.Cursor{Values: values(r), ID: r.ID}, &hub.Cursor{Values: values(r), ID: r.ID + "~"})
	}
	return rows, sorted, cursors
}

// SelectProvisionPage pages rows in any order as PageProvisionRows pages
// them in order: from every cursor position, both ways, every size.
func TestSelectProvisionPage(t *testing.T) {
	rows, sorted, cursors := provisionRowsAndCursors(40, []string{"a", "b", "b", "c", "ä"})
	order := hub.ProvisionOrder()
	shuffle := rand.New(rand.NewPCG(1, 2))
	// Rows in any order, in the page's order and against it.
	arrange := map[string]func([]hub.ProvisionRow){
		"shuffled": func(r []hub.ProvisionRow) { shuffle.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] }) },
		"ordered":  func(r []hub.ProvisionRow) { copy(r, sorted) },
		"reversed": func(r []hub.ProvisionRow) { copy(r, sorted); slices.Reverse(r) },
	}
	for name, arrange := range arrange {
		for _, c := range cursors {
			for _, first := range []int{0, 1, 2, 7, 39, 40, 41, hub.Unlimited} {
				for _, reverse := range []bool{false, true} {
					opts := hub.ListOptions{OrderBy: order, First: first, After: c, Reverse: reverse}
					want, wantNext := hub.PageProvisionRows(sorted, opts)
					input := slices.Clone(rows)
					arrange(input)
					got, gotNext := hub.SelectProvisionPage(input, opts)
					if len(got) == 0 && len(want) == 0 {
						got, want = nil, nil
					}
					if !reflect.DeepEqual(got, want) || gotNext != wantNext {
						t.Errorf("%s, after %v, first %d, reverse %v: got %v %v, want %v %v", name, c, first, reverse, got, gotNext, want, wantNext)
					}
				}
			}
		}
	}
}

// BenchmarkSelectProvisionPage pages 26 000 rows that come in the order
// that costs a page the most: the page's own, each row nearer than the
// last.
func BenchmarkSelectProvisionPage(b *testing.B) {
	rows := make([]hub.ProvisionRow, 26000)
	for i := range rows {
		rows[i] = hub.ProvisionRow{ID: fmt.Sprintf("id%05d", i), ServiceName: fmt.Sprintf("s%03d", i/100),
			ProviderName: fmt.Sprintf("p%03d", i%100), RecipientName: "r"}
	}
	rows, _ = hub.PageOf(rows, hub.ListOptions{OrderBy: hub.ProvisionOrder(), First: hub.Unlimited}, hub.ProvisionRowOrderValues,
		func(r hub.ProvisionRow) string { return r.ID })
	opts := hub.ListOptions{OrderBy: hub.ProvisionOrder(), First: 100, Reverse: true}
	input := make([]hub.ProvisionRow, len(rows))
	for b.Loop() {
		copy(input, rows)
		if page, _ := hub.SelectProvisionPage(input, opts); len(page) != 100 {
			b.Fatalf("%d rows", len(page))
		}
	}
}
