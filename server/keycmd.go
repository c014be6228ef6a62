package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/otehub/hub"
)

const keyUsage = `Usage: hub key new|list|revoke [flags]

Manage the API keys of the keys file that hubs serve with
(-file, or HUB_API_KEYS_FILE). The file holds only the keys' hashes;
a hub reads it again within a second of a change.

  hub key new -role editor -subject alice         make a key: it is printed once
  hub key new -role partner -subject kela -organisation <id>
  hub key list                                     the keys' subjects and roles
  hub key revoke SUBJECT                           remove the subject's key

Roles: partner (reads contacts; writes its own organisation's node and
the relationships that touch it), editor (writes everything), admin
(writes everything and manages keys).
`

// key runs hub key.
func (c *command) key(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(c.stderr, keyUsage)
		return usageError{errors.New("name what to do: new, list or revoke")}
	}
	action, args := args[0], args[1:]
	fset := flag.NewFlagSet("key "+action, flag.ContinueOnError)
	fset.SetOutput(c.stderr)
	fset.Usage = func() {
		fmt.Fprintf(fset.Output(), "%s\nFlags:\n", keyUsage)
		fset.PrintDefaults()
	}
	file := fset.String("file", c.getenv("HUB_API_KEYS_FILE"), "the API keys file (env HUB_API_KEYS_FILE)")
	var role, subject, org string
	if action == "new" {
		fset.StringVar(&role, "role", "", "partner, editor or admin")
		fset.StringVar(&subject, "subject", "", "who the key is for: a name without spaces, recorded with every write")
		fset.StringVar(&org, "organisation", "", "a partner's organisation: the id of its Organisation or Employer node")
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if *file == "" {
		return usageError{errors.New("name the keys file: -file or HUB_API_KEYS_FILE")}
	}
	entries, err := readKeyEntries(*file, action == "new")
	if err != nil {
		return err
	}
	switch action {
	case "new":
		p := hub.Principal{Subject: subject, Role: hub.Role(role)}
		if subject == "" || strings.ContainsAny(subject, " \t#") {
			return usageError{errors.New("-subject: a name without spaces or #")}
		}
		if strings.HasPrefix(subject, oidcSubjectPrefix) {
			return usageError{fmt.Errorf("-subject: %q begins the subjects of callers signed in with a token; choose another", oidcSubjectPrefix)}
		}
		if err := checkPrincipal(&p, []string{org}); err != nil {
			return usageError{err}
		}
		for _, e := range entries {
			if e.principal.Subject == subject {
				return fmt.Errorf("subject %q has a key already: revoke it first, or choose another subject", subject)
			}
		}
		key, hash := newAPIKey()
		entries = append(entries, keyEntry{hash: hash, principal: p})
		if err := writeKeyEntries(*file, entries); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s\n", key)
		fmt.Fprintf(c.stderr, "The key of %s (%s) is above; it is shown this once. Send it as Authorization: Bearer <key>.\n", subject, role)
	case "list":
		for _, e := range entries {
			fmt.Fprintf(c.stdout, "%s\t%s\t%s\n", e.principal.Subject, e.principal.Role, e.principal.Organisation)
		}
	case "revoke":
		if fset.NArg() != 1 {
			return usageError{errors.New("name the subject whose key to revoke")}
		}
		kept := entries[:0]
		for _, e := range entries {
			if e.principal.Subject != fset.Arg(0) {
				kept = append(kept, e)
			}
		}
		if len(kept) == len(entries) {
			return fmt.Errorf("no key of subject %q in %s", fset.Arg(0), *file)
		}
		if err := writeKeyEntries(*file, kept); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "Revoked the key of %s; hubs refuse it within a second.\n", fset.Arg(0))
	default:
		return usageError{fmt.Errorf("unknown action %q: new, list or revoke", action)}
	}
	return nil
}

func readKeyEntries(path string, mayBeMissing bool) ([]keyEntry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && mayBeMissing {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("API keys: %w", err)
	}
	return parseKeys(bytes.NewReader(data), path)
}

// writeKeyEntries replaces the file at once (a new file renamed over the
// old), readable by its owner only.
func writeKeyEntries(path string, entries []keyEntry) error {
	var b strings.Builder
	b.WriteString("# OTE hub API keys: sha256:<hash of the key> <role> <subject> [<organisation id>]\n")
	for _, e := range entries {
		b.WriteString(e.line() + "\n")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*")
	if err != nil {
		return fmt.Errorf("API keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("API keys: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("API keys: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("API keys: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("API keys: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
