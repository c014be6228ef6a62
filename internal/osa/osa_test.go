package osa

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"kainuu", "kainuu", 0}, {"kainuu", "kianuu", 1}, {"kainuu", "kainu", 1},
		{"kainuu", "kainuuu", 1}, {"kainuu", "kaimuu", 1}, {"ca", "abc", 3}, {"", "abc", 3}, {"äö", "öä", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
