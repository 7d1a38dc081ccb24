package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the README's configuration table from the flags")

const (
	tableStart = "<!-- config-table:start -->\n"
	tableEnd   = "<!-- config-table:end -->"
)

// TestReadmeConfigTable fails when the README's configuration table differs
// from the flags, so documented defaults cannot drift from the code. Run
// `go test ./cmd/arenasync -run TestReadmeConfigTable -update-readme` after
// changing a flag.
func TestReadmeConfigTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}

	start := bytes.Index(readme, []byte(tableStart))
	end := bytes.Index(readme, []byte(tableEnd))
	if start < 0 || end < start {
		t.Fatalf("README.md lacks the %q and %q markers", strings.TrimSpace(tableStart), tableEnd)
	}

	var table bytes.Buffer
	if err := writeConfigTable(&table, newRootCommand()); err != nil {
		t.Fatal(err)
	}

	current := readme[start+len(tableStart) : end]
	if bytes.Equal(current, table.Bytes()) {
		return
	}

	if *updateReadme {
		updated := append(append(append([]byte{}, readme[:start+len(tableStart)]...), table.Bytes()...), readme[end:]...)
		if err := os.WriteFile("../../README.md", updated, 0o644); err != nil {
			t.Fatal(err)
		}

		return
	}
	t.Errorf("README.md's configuration table differs from the flags; run: go test ./cmd/arenasync -run TestReadmeConfigTable -update-readme")
}

// TestEveryFlagHasEnvironmentVariable checks the help text of each flag
// names its environment variable.
func TestEveryFlagHasEnvironmentVariable(t *testing.T) {
	root := newRootCommand()
	for _, path := range configCommands {
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatalf("find %v: %v", path, err)
		}

		var help bytes.Buffer
		cmd.SetOut(&help)
		if err := cmd.Help(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(help.String(), "[env ARENASYNC_") {
			t.Errorf("help of %v names no environment variable:\n%s", path, help.String())
		}
	}
}
