package graph

import (
	"context"
	"strings"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// label is one enum value's text in Finnish, Swedish and English.
type label struct{ fi, sv, en string }

// enumLabel is one row of the table: labels keep the schema's order.
type enumLabel struct {
	value string
	label
}

// labelTable holds the human labels of the enums the pages show, so that
// a page in Swedish never shows WELLBEING_DISTRICT. TestLabelsCoverSchema
// checks it against schema.graphqls.
var labelTable = map[model.LabelledEnum][]enumLabel{
	model.LabelledEnumNodeKind: {
		{"Organisation", label{"Organisaatio", "Organisation", "Organisation"}},
		{"Employer", label{"Työnantaja", "Arbetsgivare", "Employer"}},
		{"Programme", label{"Ohjelma", "Program", "Programme"}},
		{"Pilot", label{"Pilotti", "Pilot", "Pilot"}},
		{"Service", label{"Palvelu", "Tjänst", "Service"}},
		{"Region", label{"Alue", "Område", "Region"}},
		{"TargetGroup", label{"Kohderyhmä", "Målgrupp", "Target group"}},
		{"Theme", label{"Teema", "Tema", "Theme"}},
		{"Agreement", label{"Sopimus", "Avtal", "Agreement"}},
		{"Event", label{"Tapahtuma", "Evenemang", "Event"}},
		{"Training", label{"Koulutus", "Utbildning", "Training"}},
		{"Contact", label{"Yhteyshenkilö", "Kontaktperson", "Contact"}},
		{"SourceDocument", label{"Lähdeasiakirja", "Källdokument", "Source document"}},
	},
	model.LabelledEnumOrganisationType: {
		{"MINISTRY", label{"Ministeriö", "Ministerium", "Ministry"}},
		{"GOVERNMENT_AGENCY", label{"Valtion virasto", "Statlig myndighet", "Government agency"}},
		{"MUNICIPALITY", label{"Kunta", "Kommun", "Municipality"}},
		{"JOINT_MUNICIPAL_AUTHORITY", label{"Kuntayhtymä", "Samkommun", "Joint municipal authority"}},
		{"WELLBEING_DISTRICT", label{"Hyvinvointialue", "Välfärdsområde", "Wellbeing services county"}},
		{"REGIONAL_COUNCIL", label{"Maakuntaliitto", "Landskapsförbund", "Regional council"}},
		{"EMPLOYMENT_OFFICE", label{"Työllisyyspalvelut", "Sysselsättningstjänster", "Employment services"}},
		{"EDUCATIONAL_INSTITUTION", label{"Oppilaitos", "Läroanstalt", "Educational institution"}},
		{"ASSOCIATION", label{"Yhdistys", "Förening", "Association"}},
		{"FOUNDATION", label{"Säätiö", "Stiftelse", "Foundation"}},
		{"COMPANY", label{"Yritys", "Företag", "Company"}},
		{"COOPERATIVE", label{"Osuuskunta", "Andelslag", "Cooperative"}},
		{"RESEARCH_INSTITUTE", label{"Tutkimuslaitos", "Forskningsinstitut", "Research institute"}},
		{"OTHER", label{"Muu", "Annan", "Other"}},
	},
	model.LabelledEnumProgrammeType: {
		{"PROGRAMME", label{"Ohjelma", "Program", "Programme"}},
		{"SUB_PROJECT", label{"Osahanke", "Delprojekt", "Sub-project"}},
	},
	model.LabelledEnumServiceType: {
		{"SERVICE", label{"Palvelu", "Tjänst", "Service"}},
		{"METHOD", label{"Menetelmä", "Metod", "Method"}},
		{"OPERATING_MODEL", label{"Toimintamalli", "Verksamhetsmodell", "Operating model"}},
	},
	model.LabelledEnumRegionLevel: {
		{"REGION", label{"Maakunta", "Landskap", "Region"}},
		{"MUNICIPALITY", label{"Kunta", "Kommun", "Municipality"}},
		{"WELLBEING_SERVICES_COUNTY", label{"Hyvinvointialue", "Välfärdsområde", "Wellbeing services county"}},
	},
	model.LabelledEnumEventType: {
		{"SEMINAR", label{"Seminaari", "Seminarium", "Seminar"}},
		{"WEBINAR", label{"Webinaari", "Webbinarium", "Webinar"}},
		{"VISIT", label{"Vierailu", "Besök", "Visit"}},
		{"MEETING", label{"Kokous", "Möte", "Meeting"}},
		{"TOUR", label{"Kiertue", "Turné", "Tour"}},
	},
	model.LabelledEnumRelationshipType: {
		{"ADMINISTERS", label{"Hallinnoi", "Administrerar", "Administers"}},
		{"PARTNER_IN", label{"Kumppanina", "Partner i", "Partner in"}},
		{"PROSPECTIVE_PARTNER_IN", label{"Tuleva kumppani", "Blivande partner i", "Prospective partner in"}},
		{"FUNDS", label{"Rahoittaa", "Finansierar", "Funds"}},
		{"PROVIDES", label{"Tuottaa", "Tillhandahåller", "Provides"}},
		{"SERVES", label{"Palvelee", "Betjänar", "Serves"}},
		{"REFERS_TO", label{"Ohjaa", "Hänvisar till", "Refers to"}},
		{"COORDINATES", label{"Koordinoi", "Koordinerar", "Coordinates"}},
		{"EXPERT_FOR", label{"Asiantuntijana", "Expert för", "Expert for"}},
		{"MEMBER_OF", label{"Jäsenenä", "Medlem i", "Member of"}},
		{"PART_OF", label{"Osa", "Del av", "Part of"}},
		{"EMPLOYS", label{"Työllistää", "Sysselsätter", "Employs"}},
		{"SIGNATORY_OF", label{"Allekirjoittaja", "Undertecknare av", "Signatory of"}},
		{"LEADS", label{"Johtaa", "Leder", "Leads"}},
		{"ORGANISES", label{"Järjestää", "Ordnar", "Organises"}},
		{"PARTICIPATES_IN", label{"Osallistuu", "Deltar i", "Participates in"}},
		{"HAS_THEME", label{"Teemana", "Har temat", "Has theme"}},
		{"CONTACT_FOR", label{"Yhteyshenkilönä", "Kontaktperson för", "Contact for"}},
		{"LOCATED_IN", label{"Sijaitsee", "Ligger i", "Located in"}},
	},
	model.LabelledEnumStatus: {
		{"PLANNED", label{"Suunniteltu", "Planerad", "Planned"}},
		{"ACTIVE", label{"Käynnissä", "Pågående", "Active"}},
		{"ENDED", label{"Päättynyt", "Avslutad", "Ended"}},
		{"UNKNOWN", label{"Ei tiedossa", "Okänd", "Unknown"}},
	},
	model.LabelledEnumSourceDocumentType: {
		{"BLOG_POST", label{"Blogikirjoitus", "Blogginlägg", "Blog post"}},
		{"PRESS_RELEASE", label{"Tiedote", "Pressmeddelande", "Press release"}},
		{"PRESENTATION", label{"Esitys", "Presentation", "Presentation"}},
		{"AGREEMENT", label{"Sopimus", "Avtal", "Agreement"}},
		{"WEB_PAGE", label{"Verkkosivu", "Webbsida", "Web page"}},
		{"REFERENCE_DATA", label{"Viitetieto", "Referensdata", "Reference data"}},
	},
}

func (l label) in(lang hub.Language) string {
	switch lang {
	case hub.Swedish:
		return l.sv
	case hub.English:
		return l.en
	}
	return l.fi
}

// enumLabels answers Query.labels: the enums asked for (all when none),
// in the schema's order of LabelledEnum.
func enumLabels(ctx context.Context, enums []model.LabelledEnum, language *model.Language) []*model.EnumLabel {
	lang := hub.LanguageFrom(ctx)
	if language != nil {
		lang = hub.Language(strings.ToLower(string(*language)))
	}
	if len(enums) == 0 {
		enums = model.AllLabelledEnum
	}
	out := []*model.EnumLabel{}
	seen := map[model.LabelledEnum]bool{}
	for _, e := range enums {
		if seen[e] {
			continue
		}
		seen[e] = true
		for _, v := range labelTable[e] {
			out = append(out, &model.EnumLabel{Enum: e, Value: v.value, Label: v.in(lang),
				Language: model.Language(strings.ToUpper(string(lang)))})
		}
	}
	return out
}
