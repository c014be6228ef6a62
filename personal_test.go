package hub_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/storetest"
)

const (
	email = hub.EmailRemoved
	phone = hub.PhoneRemoved
)

func TestRedactPersonalData(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// E-mail addresses.
		{"a plain address", "Lisätietoja: niina.turunen@socom.fi", "Lisätietoja: " + email},
		{"an address at the end of a sentence", "Kysy: timo.pesu@carearea.fi.", "Kysy: " + email + "."},
		{"an address in brackets", "Pirjo Pekkala (pirjo.pekkala@kela.fi) vastaa", "Pirjo Pekkala (" + email + ") vastaa"},
		{"an address with a subdomain and a plus", "palaute+ote@kirjaamo.stm.fi", email},
		{"(a) for @", "Eveliina Pöyhönen, eveliina.poyhonen(a)stm.fi", "Eveliina Pöyhönen, " + email},
		{"(a) with spaces", "etunimi.sukunimi (a) eksote.fi", email},
		{"(at) for @", "etunimi.sukunimi(at)eksote.fi", email},
		{"( a ) with spaces inside the brackets", "etunimi.sukunimi ( a ) eksote.fi", email},
		{"[ at] with a space inside the brackets", "etunimi.sukunimi[ at]eksote.fi", email},
		{"a spelled-out at between line breaks", "etunimi.sukunimi\r\nat\r\neksote.fi", email},
		{"[at] for @", "etunimi.sukunimi[at]eksote.fi", email},
		{"{at} for @", "etunimi.sukunimi{at}eksote.fi", email},
		{"(ät) for @", "etunimi.sukunimi(ät)soite.fi", email},
		{"upper-case AT", "Etunimi.Sukunimi(AT)Eksote.FI", email},
		{"a spelled-out at", "kirjoita etunimi.sukunimi at eksote.fi", "kirjoita " + email},
		{"a spelled-out at and dot", "etunimi.sukunimi at eksote dot fi", email},
		{"(dot) and (piste) for the dots", "etunimi(at)eksote(dot)fi ja nimi[a]kela(piste)fi", email + " ja " + email},
		{"a non-ASCII local part", "päivi.mättö@stm.fi", email},
		{"two addresses", "a.b@x.fi, c.d(a)y.fi", email + ", " + email},

		// Phone numbers.
		{"a mobile number in groups", "Niina Turunen p. 050 306 6869", "Niina Turunen p. " + phone},
		{"a mobile number in two groups", "p. 050 3100362", "p. " + phone},
		{"a mobile number in 3-4-3", "Simo Liikanen, 044 5650 558", "Simo Liikanen, " + phone},
		{"a mobile number 044 7186 240", "puh 044 7186 240.", "puh " + phone + "."},
		{"a hyphenated number", "soita 050-1234567 tai", "soita " + phone + " tai"},
		{"a compact number", "gsm 0401234567", "gsm " + phone},
		{"a slash after the code", "050/1234567", phone},
		{"puh. and a Helsinki number", "puh. 09 123 456", "puh. " + phone},
		{"a bracketed area code", "puh. (09) 1605 1234", "puh. " + phone},
		{"a state switchboard", "vaihde 0295 16001", "vaihde " + phone},
		{"a local number after a label", "puh. 123 4567", "puh. " + phone},
		{"tel: and a colon", "tel: 050 123 4567", "tel: " + phone},
		{"international", "+358 50 123 4567", phone},
		{"international with (0)", "+358 (0)50 123 4567", phone},
		{"international compact", "Tel +358501234567", "Tel " + phone},
		{"international with 00", "00358 40 123 4567", phone},
		{"international Helsinki", "+358 9 1605 1234", phone},
		{"a no-break space", "p.\u00a0050\u00a0306\u00a06869", "p.\u00a0" + phone},
		{"two numbers in a list", "050 306 6869, 044 5650 558", phone + ", " + phone},
		{"two numbers after one another", "puh. 050 306 6869 044 5650 558", "puh. " + phone + " " + phone},
		{"a number and a switchboard", "09 123 4567 0295 16001", phone + " " + phone},
		{"a number and an address", "Timo Pesu timo.pesu@carearea.fi p. 050 3100362", "Timo Pesu " + email + " p. " + phone},
		{"a number right after a label-like word end", "Soitto050 123 4567", "Soitto050 123 4567"},

		// Not personal data.
		{"years", "OTE-kärkihanke 2016–2018 ja vuonna 2017", ""},
		{"an amount in euros", "Fokus opinnoista tuetusti työllistymiseen, (489 800 euroa)", ""},
		{"an amount in EUR", "1 200 000 EUR ja 1 500 000 EUR", ""},
		{"a billion", "1 000 000 000 euroa", ""},
		{"a euro figure in millions", "1.5 M€", ""},
		{"dates", "29.5.2017, 05.06.2018 ja 17.5.2017 asti", ""},
		{"ISO dates", "2017-05-29–2018-12-31", ""},
		{"a month and year", "05/2017–12/2018", ""},
		{"a postal code", "Kirkkokatu 14, 00170 Helsinki", ""},
		{"a postal code and a box", "PL 33, 00023 Valtioneuvosto", ""},
		{"a business id", "Y-tunnus 0123456-7", ""},
		{"a business id alone", "0245862-7", ""},
		{"an ISBN", "ISBN 978-952-00-3456-7", ""},
		{"an account number", "FI21 1234 5600 0007 85", ""},
		{"municipality codes", "091, 049, 092, 235", ""},
		{"a time range", "klo 09.00–16.00", ""},
		{"a page", "s. 12–15, p. 30", ""},
		{"puhujat is not a label", "syksyllä puhujat ja järjestelyt 2018", ""},
		{"at in English", "Project director at the Ministry of Social Affairs and Health", ""},
		{"at before a domain in prose", "the pilot is presented at eksote.fi", ""},
		{"(a) as an item", "kohdat (a) ja (b).", ""},
		{"a Twitter handle", "Seuraa @OTEhanke ja #osatyökyky", ""},
		{"a web address", "https://stm.fi/ote ja www.eksote.fi", ""},
		{"a decimal", "0,5 milj. euroa ja 0.25", ""},
		{"a short number after p.", "p. 2017", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if got := hub.RedactPersonalData(tt.in); got != want {
				t.Errorf("RedactPersonalData(%q)\n got %q\nwant %q", tt.in, got, want)
			}
		})
	}
}

func TestPersonalTextShowsEverythingToCallersWhoMayRead(t *testing.T) {
	in := "Niina Turunen niina.turunen@socom.fi p. 050 306 6869"
	if got := hub.PersonalText(true, in); got != in {
		t.Errorf("PersonalText(true) = %q, want the text whole", got)
	}
	if got := hub.PersonalText(false, in); strings.Contains(got, "socom") || strings.Contains(got, "6869") {
		t.Errorf("PersonalText(false) = %q, still holds personal data", got)
	}
}

// TestRedactionCoversTheOTEDataset reads dataset/ote.json as JSON (not
// through the hub's parser), takes every contact's e-mail and phone from
// it, and checks every other text of the file after redaction: none of
// them holds an address (or its name part) or a number (or its digits,
// however grouped), and a text that holds none is left exactly as it
// was.
func TestRedactionCoversTheOTEDataset(t *testing.T) {
	raw, err := os.ReadFile("dataset/ote.json")
	if err != nil {
		t.Fatal(err)
	}
	secrets := storetest.MustReadContactDetails(t, "dataset/ote.json")
	if len(secrets.Emails) < 4 || len(secrets.Phones) < 3 {
		t.Fatalf("the dataset's contacts hold %d e-mail addresses and %d phone numbers, want at least 4 and 3", len(secrets.Emails), len(secrets.Phones))
	}

	var texts []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			if key != "email" && key != "phone" {
				texts = append(texts, v)
			}
		}
	}
	var all any
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	walk("", all)

	leaked, changed := 0, 0
	for _, text := range texts {
		got := hub.RedactPersonalData(text)
		if leak := secrets.FindInField(text); leak == "" {
			if got != text {
				t.Errorf("a text without personal data changed:\n  %q\n→ %q", text, got)
			}
			continue
		}
		leaked++
		if leak := secrets.FindInField(got); leak != "" {
			t.Errorf("after redaction %q still holds %q", got, leak)
		} else {
			changed++
		}
	}
	if leaked < 6 {
		t.Errorf("%d texts of the dataset hold a contact's e-mail or phone, want at least 6 (the quotes on contacts and organisations)", leaked)
	}
	t.Logf("%d texts, %d held personal data, %d redacted clean", len(texts), leaked, changed)
}

func BenchmarkRedactPersonalData(b *testing.B) {
	for _, bm := range []struct{ name, text string }{
		{"a name", "Etelä-Karjalan sosiaali- ja terveyspiiri (Eksote)"},
		{"an amount", "Etelä-Karjalan sosiaali- ja terveystyö EKSOTE: Yhdessä hyvä ote - Etelä-Karjalan ja Kymenlaakson OTE-kärkihanke (1 200 000 euroa)"},
		{"contact details", "Etelä-Karjala projektipäällikkö Niina Turunen (17.5.2017 asti) niina.turunen@socom.fi p. 050 306 6869"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				hub.RedactPersonalData(bm.text)
			}
		})
	}
}
