// Command tiny answers each query of the tiny schema with the executor in
// generated/ and prints the responses, one a line.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"example.com/tiny/generated"
	"example.com/tiny/model"
)

var queries = []string{
	`{ plain { name index boom children { name index boom } } }`,
	`{ plain { must } }`,
	`{ slow { name at } }`,
	`{ named { name ... on Plain { index boom } } }`,
	`{ things { name ... on Slow { at } ... on Plain { boom } } }`,
	`{ either { ... on Plain { name index } ... on Other { name } } }`,
	`{ colours }`,
	`{ strict { items { name must } } }`,
	`{ strange { name } }`,
	`{ nested { name boom } }`,
	`{ empty { name } }`,
}

func main() {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: resolver{}}))
	srv.AddTransport(transport.POST{})
	for _, q := range queries {
		body := `{"query":` + strconv.Quote(q) + `}`
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			fmt.Fprintf(os.Stderr, "%s: status %d\n", q, rec.Code)
			os.Exit(1)
		}
		fmt.Println(strings.TrimSpace(rec.Body.String()))
	}
}

type resolver struct{}

func (resolver) Query() generated.QueryResolver { return query{} }

type query struct{}

func plains(n int) []*model.Plain {
	out := make([]*model.Plain, n)
	for i := range out {
		out[i] = &model.Plain{Name: fmt.Sprint("plain ", i), Index: i}
		for j := range i % 3 {
			out[i].Children = append(out[i].Children, &model.Plain{Name: fmt.Sprint("child ", i, ".", j), Index: j})
		}
	}
	return out
}

func (query) Plain(context.Context) ([]*model.Plain, error) { return plains(5), nil }

func (query) Slow(context.Context) ([]*model.Slow, error) {
	return []*model.Slow{{Name: "a"}, {Name: "b"}, {Name: "c"}}, nil
}

func (query) Named(context.Context) ([]model.Named, error) {
	return []model.Named{plains(2)[1], &model.Other{Name: "other"}, nil, plains(1)[0]}, nil
}

func (query) Things(context.Context) ([]model.Thing, error) {
	return []model.Thing{&model.Slow{Name: "slow"}, plains(4)[3], &model.Slow{Name: "slower"}}, nil
}

func (query) Either(context.Context) ([]model.Either, error) {
	return []model.Either{&model.Other{Name: "other"}, plains(3)[2]}, nil
}

func (query) Colours(context.Context) ([]model.Colour, error) {
	return []model.Colour{model.ColourBlue, model.ColourRed, model.ColourGreen}, nil
}

func (query) Strict(context.Context) (*model.Holder, error) {
	return &model.Holder{Items: plains(4)}, nil
}

func (query) Strange(context.Context) ([]model.Named, error) {
	return []model.Named{&model.Other{Name: "known"}, model.Stranger{}, &model.Other{Name: "known too"}}, nil
}

func (query) Nested(context.Context) ([][]*model.Plain, error) {
	return [][]*model.Plain{plains(2), {}, plains(3)}, nil
}

func (query) Empty(context.Context) ([]*model.Plain, error) { return nil, nil }
