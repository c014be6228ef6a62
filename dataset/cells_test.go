package dataset

import (
	"slices"
	"testing"
)

func TestListCells(t *testing.T) {
	for _, items := range [][]string{
		{"a"},
		{"a", "b c"},
		{"a|b", `back\slash`, " padded ", "\ttab", "line\nbreak"},
		{"ends with a backslash\\", "|", `\|`},
	} {
		cell := joinList(items)
		if got := splitList(cell); !slices.Equal(got, items) {
			t.Errorf("%q: joined %q, split %q", items, cell, got)
		}
	}
	for cell, want := range map[string][]string{
		"":                   nil,
		"  ":                 nil,
		"a|b":                {"a", "b"},
		" a | | b |":         {"a", "b"},
		`a\|b`:               {"a|b"},
		`a\\|b`:              {`a\`, "b"},
		`\ a`:                {" a"},
		"trailing\\":         {"trailing\\"},
		"Päijät-Häme | Kymi": {"Päijät-Häme", "Kymi"},
	} {
		if got := splitList(cell); !slices.Equal(got, want) {
			t.Errorf("splitList(%q) = %q, want %q", cell, got, want)
		}
	}
}

func TestGoalsCells(t *testing.T) {
	for cell, want := range map[string][]string{
		"":        nil,
		"a":       {"a"},
		"a | ":    {"a", ""},
		" | b":    {"", "b"},
		"a | | c": {"a", "", "c"},
	} {
		if got := splitGoals(cell); !slices.Equal(got, want) {
			t.Errorf("splitGoals(%q) = %q, want %q", cell, got, want)
		}
	}
}

func sameCitation(a, b citation) bool {
	return a.Source == b.Source && a.StatedBy == b.StatedBy && a.Locator == b.Locator && a.Quote == b.Quote && slices.Equal(a.Fields, b.Fields)
}

func TestCitationCells(t *testing.T) {
	cs := []citation{
		{Source: "s1"},
		{Source: "s2", Locator: "p. 3"},
		{Source: "s3", Quote: "no locator | but a bar\nand a line"},
		{Source: "s4", Locator: "slide 'A' (line 5)", Quote: `"quoted"; with semicolons \ and a backslash`},
		{Source: "s5", Fields: []string{"name", "period"}},
		{StatedBy: "alice", Quote: "as she said"},
	}
	cell := citationsCell(cs)
	got, err := parseCitations(cell)
	if err != nil || !slices.EqualFunc(got, cs, sameCitation) {
		t.Errorf("cell %q parses to %+v, %v", cell, got, err)
	}
	if _, err := parseCitations(" | locator"); err == nil {
		t.Error("a citation without a source parsed")
	}
	got, err = parseCitations("s1\n\n  s2 | p. 3  \n")
	if err != nil || !slices.EqualFunc(got, []citation{{Source: "s1"}, {Source: "s2", Locator: "p. 3"}}, sameCitation) {
		t.Errorf("blank lines and padding: %+v, %v", got, err)
	}
}

func TestAmounts(t *testing.T) {
	for s, want := range map[string]int64{
		"0": 0, "1200000": 120000000, "1 200 000": 120000000, "1\u00a0500\u00a0000,50": 150000050,
		"12.5": 1250, "12.05": 1205, "0,99": 99, "-3": -300,
	} {
		got, err := parseAmount(s)
		if err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "abc", "1.234", "1,200.50", "12.", ".5", "1e6", "+-1", "1.-5"} {
		if got, err := parseAmount(s); err == nil {
			t.Errorf("parseAmount(%q) = %d, want an error", s, got)
		}
	}
	for minor, want := range map[int64]string{0: "0", 120000000: "1200000", 1205: "12.05", 1250: "12.50", -5: "-0.05", 99: "0.99"} {
		if got := formatAmount(float64(minor) / 100); got != want {
			t.Errorf("formatAmount(%d) = %q, want %q", minor, got, want)
		}
	}
}
