package hub

import "testing"

// editDistance is the optimal-string-alignment distance of a and b by
// dynamic programming: the oracle of oneEdit.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			c := 1
			if x[i-1] == y[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// FuzzOneEdit: oneEdit holds exactly when the strings are one letter
// added, dropped or replaced, or two adjacent letters swapped, apart.
func FuzzOneEdit(f *testing.F) {
	for _, c := range [][2]string{
		{"kainuu", "kianuu"}, {"kainuu", "kainuuu"}, {"kainuu", "kainu"}, {"kainuu", "kainuu"},
		{"kainuu", "kaiunu"}, {"pohjanmaa", "pohjamnaa"}, {"ab", "ba"}, {"abc", "cba"}, {"", "a"},
		{"åland", "aland"}, {"häme", "hmäe"}, {"satakunta", "satakun"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 64 || len(b) > 64 {
			return
		}
		if got, want := oneEdit(a, b), editDistance(a, b) == 1; got != want {
			t.Errorf("oneEdit(%q, %q) = %v, distance %d", a, b, got, editDistance(a, b))
		}
	})
}
