package hub_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// The README and docs/ link into each other and into the tree; a moved
// section or file must not leave a link that leads nowhere.

var (
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode = regexp.MustCompile("`[^`]*`")
)

// headingSlug is the anchor GitHub gives a heading: lower case, without
// punctuation other than hyphens and underscores, spaces as hyphens.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestHeadingSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Writing: mutations, API keys and history":    "writing-mutations-api-keys-and-history",
		"Rate limits across instances":                "rate-limits-across-instances",
		"What `make run` does":                        "what-make-run-does",
		"The dataset, import and export":              "the-dataset-import-and-export",
		"Measured: three instances on one SecantusDB": "measured-three-instances-on-one-secantusdb",
	} {
		if got := headingSlug(heading); got != want {
			t.Errorf("headingSlug(%q) = %q, want %q", heading, got, want)
		}
	}
}

// markdownFile is the links and heading anchors of one markdown file,
// outside code blocks and inline code.
type markdownFile struct {
	links   []string
	anchors map[string]bool
}

func readMarkdown(t *testing.T, path string) markdownFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := markdownFile{anchors: map[string]bool{}}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") {
			slug := headingSlug(strings.TrimSpace(h))
			if n := seen[slug]; n > 0 {
				f.anchors[fmt.Sprintf("%s-%d", slug, n)] = true
			} else {
				f.anchors[slug] = true
			}
			seen[slug]++
		}
		for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			f.links = append(f.links, m[1])
		}
	}
	return f
}

func TestDocsLinksResolve(t *testing.T) {
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"README.md"}, files...)
	parsed := map[string]markdownFile{}
	parse := func(path string) markdownFile {
		if f, ok := parsed[path]; ok {
			return f
		}
		parsed[path] = readMarkdown(t, path)
		return parsed[path]
	}
	checked := 0
	for _, file := range files {
		for _, link := range parse(file).links {
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(link, "#")
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), target)
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: link %q: no file %s", file, link, path)
					continue
				}
			}
			if anchor != "" {
				if !strings.HasSuffix(path, ".md") {
					t.Errorf("%s: link %q: an anchor into a file that is not markdown", file, link)
				} else if !parse(path).anchors[anchor] {
					t.Errorf("%s: link %q: %s has no heading #%s", file, link, path, anchor)
				}
			}
			checked++
		}
	}
	// The README alone links to a dozen documents: finding almost no
	// links means the parsing is broken, not that the docs are fine.
	if checked < 50 {
		t.Errorf("checked %d relative links in README.md and docs/*.md, expected at least 50", checked)
	}
	t.Logf("%d relative links in %d files resolve", checked, len(files))
}
