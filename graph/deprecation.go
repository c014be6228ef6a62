package graph

import (
	"fmt"
	"regexp"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// removalAfter is the end every deprecation reason carries (see the
// policy at the top of schema.graphqls).
var removalAfter = regexp.MustCompile(`\S.*Removal after (\d{4}-\d{2}-\d{2})\.?$`)

// DeprecationProblems lists the deprecations of s whose reason does not
// follow the policy: a reason that ends "Removal after YYYY-MM-DD" with a
// real date.
func DeprecationProblems(s *ast.Schema) []string {
	var out []string
	check := func(where string, ds ast.DirectiveList) {
		d := ds.ForName("deprecated")
		if d == nil {
			return
		}
		reason := ""
		if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
			reason = a.Value.Raw
		}
		m := removalAfter.FindStringSubmatch(reason)
		if m == nil {
			out = append(out, fmt.Sprintf("%s: reason %q does not end with \"Removal after YYYY-MM-DD\"", where, reason))
			return
		}
		if _, err := time.Parse(time.DateOnly, m[1]); err != nil {
			out = append(out, fmt.Sprintf("%s: removal date %q is not a date", where, m[1]))
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			check(name+"."+f.Name, f.Directives)
			for _, a := range f.Arguments {
				check(name+"."+f.Name+"("+a.Name+")", a.Directives)
			}
		}
		for _, v := range def.EnumValues {
			check(name+"."+v.Name, v.Directives)
		}
	}
	return out
}
