package gqlexec

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// Object returns the marshaller of an object whose fields resolved into
// out, which gqlgen built from fields. It writes what out's own
// MarshalGQL writes: the fields in their order, each alias once (the
// first), without allocating a map and a field copy per object to do it.
func Object(fields []graphql.CollectedField, out *graphql.FieldSet) graphql.Marshaler {
	return object{fields: fields, values: out.Values}
}

type object struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (o object) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if seenBefore(o.fields[:i], alias) {
			continue
		}
		if first {
			first = false
			io.WriteString(w, `"`)
		} else {
			io.WriteString(w, `,"`)
		}
		// An alias is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*, which the
		// parser checks): nothing in it needs escaping.
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// seenBefore reports whether one of fields has the alias. An object has
// a few fields, fewer than a map would pay for.
func seenBefore(fields []graphql.CollectedField, alias string) bool {
	for i := range fields {
		if fields[i].Alias == alias {
			return true
		}
	}
	return false
}
