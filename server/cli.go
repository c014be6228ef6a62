package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/importer"
)

// The commands of the hub besides serve. Each opens the store as serve
// does (the same flags and variables, see Config.storeFlags) but never
// seeds it, follows it or retries: it fails at once when the store
// cannot be had.
const usage = `hub: the OTE network hub.

Usage:
  hub [serve] [flags]          serve the GraphQL API, pages and exports (the default)
  hub import [flags] PATH...   import dataset files (JSON, or CSV tables) into the store
  hub export [flags]           write the stored network as a dataset file or CSV tables
  hub key new|list|revoke      manage the API keys of a keys file
  hub version                  print the version
  hub help [command]           print this help, or a command's flags

Every command opens the store as serve does: the embedded store in
-data-dir (HUB_DATA_DIR, ./data), or MongoDB with -mongodb-uri
(MONGODB_URI). Import and export never load the OTE dataset by
themselves; "hub import dataset/ote.json" does. The embedded store is
held by one process at a time: stop a hub that serves it first, or use
MongoDB, where imports run while hubs serve.
`

// Exit codes of the commands.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is a run of one command: its environment and output.
type command struct {
	ctx            context.Context
	getenv         func(string) string
	stdout, stderr io.Writer
	// progress redraws its line in place: stderr is a terminal.
	progress bool
}

// verbOf splits the command's name from its arguments: serve when the
// first argument is a flag or there is none, so that "hub -addr :9000"
// serves as it always has.
func verbOf(args []string) (string, []string) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "serve", args
	}
	return args[0], args[1:]
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runCommand runs a command other than serve and returns its exit code.
func runCommand(ctx context.Context, verb string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := &command{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr, progress: isTerminal(stderr)}
	var err error
	switch verb {
	case "import":
		err = c.importFiles(args)
	case "export":
		err = c.export(args)
	case "key":
		err = c.key(args)
	case "version":
		fmt.Fprintln(stdout, version())
	case "help":
		err = c.help(args)
	default:
		fmt.Fprintf(stderr, "hub: unknown command %q\n\n%s", verb, usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "hub %s: %v\n", verb, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "hub %s: %v\n", verb, err)
		return exitFail
	}
}

// usageError is a command line that cannot be run as written.
type usageError struct{ error }

func (c *command) help(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		return m.ParseFlags([]string{"-h"}, func(string) string { return "" })
	case "import", "export":
		c.stderr = c.stdout // the flags' help goes to stderr on a bad flag only
		if args[0] == "import" {
			return c.importFiles([]string{"-h"})
		}
		return c.export([]string{"-h"})
	case "key":
		fmt.Fprint(c.stdout, keyUsage)
		return nil
	case "version", "help":
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("no command %q", args[0])}
}

// commandUsage is the first lines of a command's help.
var commandUsage = map[string]string{
	"import": `Usage: hub import [flags] PATH...

Import dataset files into the store: JSON files in the format of
dataset/ote.json, or CSV tables (a directory of them, or single
tables named after their table, such as organisation.csv). Rows are
upserted by their keys and only rows whose facts changed are written,
in batches that are each written whole or not at all. Exit status 1
when a row has an error.
`,
	"export": `Usage: hub export [flags]

Write every node and relationship of the store as a dataset file
(JSON, the format of dataset/ote.json, to -out or standard output) or
as CSV tables (into the directory -out), which hub import reads back.
`,
}

// flags returns the configuration and the flag set of a command, with
// the store's flags; own adds the command's own.
func (c *command) flags(verb string, own func(*flag.FlagSet)) (*Main, *flag.FlagSet) {
	m := NewMain()
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nFlags:\n", commandUsage[verb])
		fs.PrintDefaults()
	}
	if own != nil {
		own(fs)
	}
	m.Config.storeFlags(fs)
	return m, fs
}

// parse reads the environment and args into m.Config.
func (c *command) parse(m *Main, fs *flag.FlagSet, args []string) error {
	if err := m.Config.readEnv(c.getenv); err != nil {
		return usageError{err}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if err := m.Config.checkStore(); err != nil {
		return usageError{err}
	}
	return nil
}

// openStore opens the configured store for a command. MongoDB gets its
// indexes (as a hub's start would create them); the embedded store held
// by a running hub is refused with what to do instead.
func (c *command) openStore(m *Main) (hub.Store, error) {
	store, mongo, err := m.Config.open(nil, nil)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, fmt.Errorf("the embedded store in %s is in use by another process, most likely a running hub: "+
			"stop that hub and run the command again, or keep the network in MongoDB (MONGODB_URI), "+
			"where imports and exports run while hubs serve", m.Config.DataDir)
	}
	if err != nil {
		return nil, err
	}
	if mongo != nil {
		ctx, cancel := context.WithTimeout(c.ctx, m.Config.MongoTimeout)
		defer cancel()
		if err := mongo.Init(ctx); err != nil {
			mongo.Close()
			return nil, fmt.Errorf("MongoDB database %s cannot be used: %s", mongo.Database(), hub.ErrorMessage(err))
		}
	}
	return store, nil
}

// Formats of import and export.
const (
	formatJSON = "json"
	formatCSV  = "csv"
)

func (c *command) export(args []string) error {
	var format, out string
	m, fs := c.flags("export", func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", formatJSON, "json (a dataset file) or csv (a directory of tables)")
		fs.StringVar(&out, "out", "", "the file (json; standard output when empty or -) or directory (csv, required) to write")
	})
	if err := c.parse(m, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q: export writes to -out", fs.Args())}
	}
	switch {
	case format != formatJSON && format != formatCSV:
		return usageError{fmt.Errorf("-format %q: want json or csv", format)}
	case format == formatCSV && (out == "" || out == "-"):
		return usageError{errors.New("-format csv writes a directory of tables: name it with -out")}
	}
	store, err := c.openStore(m)
	if err != nil {
		return err
	}
	defer store.Close()
	var nodes []*hub.Node
	var rels []*hub.Relationship
	err = store.Load(c.ctx,
		func(n *hub.Node) error { nodes = append(nodes, n); return nil },
		func(r *hub.Relationship) error { rels = append(rels, r); return nil })
	if err != nil {
		return fmt.Errorf("read the store: %s", hub.ErrorMessage(err))
	}
	if format == formatCSV {
		if err := dataset.WriteCSV(out, nodes, rels); err != nil {
			return err
		}
	} else {
		var buf bytes.Buffer
		if err := dataset.WriteJSON(&buf, nodes, rels); err != nil {
			return err
		}
		if out == "" || out == "-" {
			_, err = c.stdout.Write(buf.Bytes())
		} else {
			err = os.WriteFile(out, buf.Bytes(), 0o644)
		}
		if err != nil {
			return err
		}
	}
	if out != "" && out != "-" {
		fmt.Fprintf(c.stderr, "exported %d nodes and %d relationships to %s\n", len(nodes), len(rels), out)
	}
	return nil
}

func (c *command) importFiles(args []string) error {
	var (
		format  string
		dryRun  bool
		verbose bool
		opts    importer.Options
	)
	m, fs := c.flags("import", func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "json or csv; by default csv for a directory or a .csv file, json otherwise")
		fs.BoolVar(&dryRun, "dry-run", false, "check every row and report what would change, writing nothing")
		fs.IntVar(&opts.BatchSize, "batch", importer.DefaultBatchSize, "rows per store transaction, each written whole or not at all")
		fs.BoolVar(&verbose, "v", false, "list every row written (a dry run always lists them)")
	})
	if err := c.parse(m, fs, args); err != nil {
		return err
	}
	opts.DryRun = dryRun
	switch {
	case fs.NArg() == 0:
		return usageError{errors.New("name the files to import (hub help import)")}
	case format != "" && format != formatJSON && format != formatCSV:
		return usageError{fmt.Errorf("-format %q: want json or csv", format)}
	case opts.BatchSize < 1 || opts.BatchSize > importer.MaxBatchSize:
		return usageError{fmt.Errorf("-batch %d: want 1 to %d rows", opts.BatchSize, importer.MaxBatchSize)}
	}
	rows, err := readFiles(fs.Args(), format)
	if err != nil {
		return err
	}
	store, err := c.openStore(m)
	if err != nil {
		return err
	}
	defer store.Close()
	p := &progressLine{w: c.stderr, redraw: c.progress}
	opts.Progress = p.show
	rep, err := importer.Run(c.ctx, store, rows, opts)
	p.clear()
	if rep != nil {
		c.report(rep, verbose || dryRun)
	}
	if err != nil {
		return err
	}
	if rep.ErrorCount == 1 {
		return errors.New("1 row has an error")
	}
	if rep.ErrorCount > 1 {
		return fmt.Errorf("%d rows have errors", rep.ErrorCount)
	}
	return nil
}

// readFiles reads the rows of every path: a JSON file, a CSV table or a
// directory of tables. A file that cannot be read at all is an error.
func readFiles(paths []string, format string) ([]dataset.Row, error) {
	var rows []dataset.Row
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		f := format
		if f == "" {
			f = formatJSON
			if fi.IsDir() || strings.EqualFold(filepath.Ext(p), ".csv") {
				f = formatCSV
			}
		}
		if fi.IsDir() {
			if f != formatCSV {
				return nil, fmt.Errorf("%s is a directory: a directory holds CSV tables (-format csv)", p)
			}
			if files, err = dataset.CSVFiles(p); err != nil {
				return nil, err
			}
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, err
			}
			var r []dataset.Row
			if f == formatCSV {
				r, err = dataset.ReadCSV(name, data)
			} else {
				r, err = dataset.ReadJSON(name, data)
			}
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	return rows, nil
}

// report prints an import's outcome: the rows written when listed, the
// counts per kind to stdout, the errors to stderr.
func (c *command) report(rep *importer.Report, list bool) {
	verb := map[bool]string{true: "create", false: "update"}
	if list {
		for _, ch := range rep.Changes {
			fmt.Fprintf(c.stdout, "%s %s: %s (%s)\n", verb[ch.Created], ch.Row, strings.Join(ch.Fields, ", "), ch.At)
		}
	}
	fmt.Fprintf(c.stdout, "%-14s %8s %8s %10s %8s\n", "kind", "created", "updated", "unchanged", "failed")
	for _, n := range append(rep.Counts, rep.Total()) {
		kind := n.Kind
		switch {
		case kind == importer.RelationshipRows:
			kind = "relationship"
		case dataset.KindName(hub.Kind(kind)) != "":
			kind = dataset.KindName(hub.Kind(kind))
		}
		fmt.Fprintf(c.stdout, "%-14s %8d %8d %10d %8d\n", kind, n.Created, n.Updated, n.Unchanged, n.Failed)
	}
	for _, err := range rep.Errors {
		fmt.Fprintln(c.stderr, err)
	}
	if more := rep.ErrorCount - len(rep.Errors); more > 0 {
		fmt.Fprintf(c.stderr, "... and %d more errors\n", more)
	}
	would := ""
	if rep.DryRun {
		would = "would be "
	}
	if len(rep.Skipped) > 0 {
		nums := make([]string, len(rep.Skipped))
		for i, b := range rep.Skipped {
			nums[i] = fmt.Sprint(b)
		}
		fmt.Fprintf(c.stderr, "batches %s of %d %snot written: each holds a row that cannot be written\n", strings.Join(nums, ", "), rep.Batches, would)
	}
	if rep.DryRun {
		fmt.Fprintln(c.stdout, "dry run: nothing was written")
	}
}

// progressLine shows an import's progress on stderr: on a terminal one
// line redrawn in place, elsewhere a line when a stage starts and ends
// and every few seconds between.
type progressLine struct {
	w      io.Writer
	redraw bool
	stage  string
	last   time.Time
	drawn  bool
}

// progressEvery is how often a plain progress line is written, and
// redrawEvery how often the terminal line is redrawn.
const (
	progressEvery = 2 * time.Second
	redrawEvery   = 100 * time.Millisecond
)

func (p *progressLine) show(pr importer.Progress) {
	line := pr.Stage
	if pr.Total > 0 {
		line = fmt.Sprintf("%s: %d of %d rows", pr.Stage, pr.Done, pr.Total)
	}
	now := time.Now()
	edge := pr.Stage != p.stage || pr.Done == pr.Total
	if p.redraw {
		if edge || now.Sub(p.last) >= redrawEvery {
			fmt.Fprintf(p.w, "\r\033[K%s", line)
			p.drawn, p.last = true, now
		}
	} else if pr.Stage != p.stage || now.Sub(p.last) >= progressEvery || (pr.Done == pr.Total && pr.Total > 0) {
		fmt.Fprintln(p.w, line)
		p.last = now
	}
	p.stage = pr.Stage
}

// clear removes the terminal line before the report.
func (p *progressLine) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// version is the hub's version from its build information: the module
// version, the commit and its time, and whether the tree was modified.
// buildVersion is the version a release build stamps in
// (-ldflags "-X main.buildVersion=v1.2.3"; the Dockerfile's VERSION).
var buildVersion string

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "hub (unknown version)"
	}
	v := "hub " + bi.Main.Version
	if buildVersion != "" {
		v = "hub " + buildVersion
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev
		if t := settings["vcs.time"]; t != "" {
			v += " " + t
		}
		if settings["vcs.modified"] == "true" {
			v += " (modified)"
		}
	}
	return v + " " + bi.GoVersion
}
