package storetest

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// ContactDetails are the contacts' e-mail addresses (in lower case) and
// phone numbers as a dataset file holds them, read as plain JSON (not
// through the hub's parser, nor its redaction): the oracle of the
// personal-data tests.
type ContactDetails struct {
	Emails, Phones []string
}

// MustReadContactDetails reads the contacts' details from the dataset
// file at path.
func MustReadContactDetails(tb testing.TB, path string) ContactDetails {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var ds struct {
		Nodes []struct{ Kind, Email, Phone string }
	}
	if err := json.Unmarshal(raw, &ds); err != nil {
		tb.Fatal(err)
	}
	var d ContactDetails
	for _, n := range ds.Nodes {
		if n.Kind != "contact" {
			continue
		}
		if n.Email != "" {
			d.Emails = append(d.Emails, strings.ToLower(n.Email))
		}
		if n.Phone != "" {
			d.Phones = append(d.Phones, n.Phone)
		}
	}
	return d
}

// numberRun is a run of digits joined by single separators, as a phone
// number is written in any grouping.
var numberRun = regexp.MustCompile(`\d(?:[ \x{00a0}\-/().]?\d)*`)

var nonDigit = regexp.MustCompile(`\D+`)

// Find returns the e-mail address or phone number that text shows, or
// "": an address whole or its name part (before the @, as obfuscated
// spellings keep it), a number's digits in any grouping, or its last
// seven digits (the subscriber number) inside one number. It suits a
// whole answer, whose digits taken together are unrelated numbers.
func (d ContactDetails) Find(text string) string {
	return d.find(text, numberRun.FindAllString(text, -1))
}

// FindInField is Find for one stored text, where the pieces of a number
// may stand apart: a number's last seven digits anywhere among the
// text's digits also count.
func (d ContactDetails) FindInField(text string) string {
	return d.find(text, []string{text})
}

// find is Find with the last seven digits looked for in each of runs.
func (d ContactDetails) find(text string, runs []string) string {
	lower := strings.ToLower(text)
	for _, e := range d.Emails {
		local, _, _ := strings.Cut(e, "@")
		if strings.Contains(lower, e) || strings.Contains(lower, local) {
			return e
		}
	}
	all := nonDigit.ReplaceAllString(text, "")
	for _, ph := range d.Phones {
		digits := nonDigit.ReplaceAllString(ph, "")
		if strings.Contains(all, digits) {
			return ph
		}
		for _, run := range runs {
			if strings.Contains(nonDigit.ReplaceAllString(run, ""), digits[len(digits)-7:]) {
				return ph
			}
		}
	}
	return ""
}
