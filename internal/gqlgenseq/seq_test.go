package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// The tests run gqlgen on testdata/tiny in a temporary module whose
// requirements are this module's, so that the module cache already holds
// them, and then this step on gqlgen's output.
var tiny struct {
	once  sync.Once
	dir   string
	stock []byte // generated/generated.go as gqlgen wrote it
	data  *codegen.Data
	err   error
}

func TestMain(m *testing.M) {
	// Everything the temporary module needs is in the module cache.
	os.Setenv("GOFLAGS", "-mod=mod")
	os.Setenv("GOPROXY", "off")
	os.Setenv("GOWORK", "off")
	code := m.Run()
	if tiny.dir != "" {
		os.RemoveAll(tiny.dir)
	}
	os.Exit(code)
}

// generated returns the tiny module's directory, gqlgen's executor for it
// and gqlgen's data as load builds it.
func generated(t *testing.T) (string, []byte, *codegen.Data) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs gqlgen and the go command")
	}
	tiny.once.Do(func() { tiny.err = generateTiny() })
	if tiny.err != nil {
		t.Fatal(tiny.err)
	}
	return tiny.dir, tiny.stock, tiny.data
}

func generateTiny() error {
	dir, err := os.MkdirTemp("", "gqlgenseq-")
	if err != nil {
		return err
	}
	tiny.dir = dir
	if err := os.CopyFS(dir, os.DirFS("testdata/tiny")); err != nil {
		return err
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		return err
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module example.com/tiny"))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return err
	}
	// gqlgen and the go command it runs work in the current directory.
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	defer os.Chdir(wd)
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		return err
	}
	if err := api.Generate(cfg); err != nil {
		return fmt.Errorf("gqlgen: %w", err)
	}
	if tiny.stock, err = os.ReadFile("generated/generated.go"); err != nil {
		return err
	}
	tiny.data, err = load("gqlgen.yml")
	return err
}

// listFuncs maps each list marshal function of gqlgen's data to its
// GraphQL type.
func listFuncs(data *codegen.Data) map[string]string {
	out := map[string]string{}
	for _, ref := range data.ReferencedTypes {
		if ref.IsSlice() && !ref.IsScalar() && ref.MarshalFunc() != "" {
			out[ref.MarshalFunc()] = ref.GQL.String()
		}
	}
	return out
}

func TestListsOfElementsWithoutGoroutinesAreMarshalledInLine(t *testing.T) {
	_, stock, data := generated(t)
	out, err := rewrite(stock, data)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	// What the tiny schema's lists should become: true for in line.
	want := map[string]bool{
		"[Plain!]!":    true,  // no field takes a context
		"[Slow!]!":     false, // Slow.at takes one
		"[Named]":      true,  // Plain and Other
		"[Thing!]!":    false, // Slow is a Thing
		"[Either!]":    true,  // Plain and Other
		"[Colour!]!":   true,  // enum values
		"[[Plain!]!]!": false, // a list of lists keeps gqlgen's marshaler
	}
	seen := map[string]bool{}
	for name, gql := range listFuncs(data) {
		inLine, ok := want[gql]
		if !ok {
			continue
		}
		seen[gql] = true
		body, err := function(text, data.FuncReceiver()+name)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(body, sequentialFunc+"("); got != inLine {
			t.Errorf("%s (%s): in line %v, want %v", gql, name, got, inLine)
		}
		if got := strings.Contains(body, "graphql.MarshalSliceConcurrently("); got == inLine {
			t.Errorf("%s (%s): concurrent %v, want %v", gql, name, got, !inLine)
		}
	}
	for gql := range want {
		if !seen[gql] {
			t.Errorf("gqlgen generated no marshaler of %s", gql)
		}
	}
	// Only the calls change: the rest of the file is gqlgen's.
	undo := strings.ReplaceAll(text, sequentialFunc+"(ctx, len(v), ", "graphql.MarshalSliceConcurrently(ctx, len(v), ")
	undo = strings.Replace(undo, sequentialHelper, "", 1)
	if undo != string(stock) {
		t.Error("the rewrite changed more than the calls of the lists' marshalers")
	}
}

// answers builds and runs the tiny program with executor src and returns
// its responses, each with its errors in a fixed order: gqlgen's
// concurrent marshaler adds the errors of a list's elements in the order
// their goroutines end.
func answers(t *testing.T, dir string, src []byte) []string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "generated", "generated.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, stderr.Bytes())
	}
	var lines []string
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		var resp struct {
			Data   json.RawMessage   `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal([]byte(line), &resp); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		errs := make([]string, len(resp.Errors))
		for i, e := range resp.Errors {
			errs[i] = string(e)
		}
		slices.Sort(errs)
		lines = append(lines, fmt.Sprintf("data %s errors %s", resp.Data, strings.Join(errs, " ")))
	}
	return lines
}

func TestTheAnswersAreGqlgensWithTheListsInLine(t *testing.T) {
	dir, stock, data := generated(t)
	out, err := rewrite(stock, data)
	if err != nil {
		t.Fatal(err)
	}
	want := answers(t, dir, stock)
	got := answers(t, dir, out)
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("answer %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	// The queries reach what the marshalers must keep: errors at element
	// paths, null for a non-null element, a panic recovered per element.
	all := strings.Join(got, "\n")
	for _, s := range []string{
		`"message":"boom at 1","path":["plain",1,"boom"]`,
		`"path":["plain",2,"children",1,"boom"]`,
		`"path":["strict","items",2,"must"]`,
		`data {"strict":null}`,
		`data null errors {"message":"cannot return null for non-null field Plain.must`,
		`"message":"internal system error","path":["strange",1]`,
		`{"name":"known"},null,{"name":"known too"}`,
		`"at":"slow[2].at"`,
		`data {"colours":["BLUE","RED","GREEN"]}`,
		`data {"empty":[]}`,
	} {
		if !strings.Contains(all, s) {
			t.Errorf("no answer has %s:\n%s", s, all)
		}
	}
}

func TestAFileThatIsNotGqlgensOutputIsRefused(t *testing.T) {
	_, stock, data := generated(t)
	text := string(stock)
	plain := ""
	for name, gql := range listFuncs(data) {
		if gql == "[Plain!]!" {
			plain = name
		}
	}
	body, err := function(text, data.FuncReceiver()+plain)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := function(text, data.FuncReceiver()+"_Slow")
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := rewrite(stock, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, src, says string
	}{
		{"a file already rewritten", string(rewritten), "already there"},
		{"a list marshaled otherwise", strings.Replace(text, body, strings.Replace(body, "graphql.MarshalSliceConcurrently(ctx, len(v), ", "graphql.MarshalSlice(ctx, v, ", 1), 1), "calls of graphql.MarshalSliceConcurrently"},
		{"a list marshal function that is missing", strings.Replace(text, "func "+data.FuncReceiver()+plain+"(", "func "+data.FuncReceiver()+plain+"Renamed(", 1), "not found"},
		{"an object whose concurrency differs from gqlgen's data", strings.Replace(text, slow, strings.ReplaceAll(slow, "ResolveConcurrently(", "ResolveInLine("), 1), "object Slow: concurrent true in gqlgen's data but false in the file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rewrite([]byte(c.src), data)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %v, want one that says %q", err, c.says)
			}
		})
	}
}

func TestTheCommandRewritesTheExecutorOrExitsNonZero(t *testing.T) {
	dir, stock, _ := generated(t)
	bin := filepath.Join(t.TempDir(), "gqlgenseq")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	executor := filepath.Join(dir, "generated", "generated.go")
	run := func() (string, error) {
		cmd := exec.Command(bin, "-config", "gqlgen.yml")
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	if err := os.WriteFile(executor, stock, 0o644); err != nil {
		t.Fatal(err)
	}
	if stderr, err := run(); err != nil {
		t.Fatalf("on gqlgen's output: %v\n%s", err, stderr)
	}
	got, err := os.ReadFile(executor)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte("\nfunc "+sequentialFunc+"(")) {
		t.Error("the executor was not rewritten")
	}
	stderr, err := run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("a second run: %v, want a non-zero exit", err)
	}
	if !strings.Contains(stderr, "gqlgenseq: ") || !strings.Contains(stderr, "run gqlgen first") {
		t.Errorf("a second run says %q", stderr)
	}
	after, err := os.ReadFile(executor)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, got) {
		t.Error("a failing run changed the executor")
	}
	if err := os.WriteFile(executor, stock, 0o644); err != nil {
		t.Fatal(err)
	}
}
