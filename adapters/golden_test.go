package adapters_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata from the adapters' output")

// outcome is the golden form of one parse: exactly one member is set.
type outcome struct {
	Events    []pipeline.Event       `json:"events,omitempty"`
	Ignored   *pipeline.IgnoredError `json:"ignored,omitempty"`
	Invalid   []pipeline.FieldError  `json:"invalid,omitempty"`
	Malformed string                 `json:"malformed,omitempty"`
}

// outcomeOf converts a parse result to its golden form.
func outcomeOf(t *testing.T, events []pipeline.Event, err error) outcome {
	t.Helper()

	if err == nil {
		return outcome{Events: events}
	}

	var ignored *pipeline.IgnoredError
	var invalid *pipeline.ValidationError
	switch {
	case errors.As(err, &ignored):
		return outcome{Ignored: ignored}
	case errors.As(err, &invalid):
		return outcome{Invalid: invalid.Fields}
	case errors.Is(err, pipeline.ErrMalformed):
		return outcome{Malformed: err.Error()}
	}
	t.Fatalf("unexpected error type %T: %v", err, err)

	return outcome{}
}

// TestGolden parses every fixture testdata/<kind>/<name>.json, with the
// headers of <name>.headers when present, and compares the result with
// <name>.golden. Run go test ./adapters -run TestGolden -update to rewrite
// the golden files, then review their diff.
func TestGolden(t *testing.T) {
	for _, kind := range adapters.Kinds() {
		fixtures, err := filepath.Glob(filepath.Join("testdata", string(kind), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(fixtures) == 0 {
			t.Errorf("no fixtures for %s", kind)
		}

		for _, fixture := range fixtures {
			name := strings.TrimSuffix(fixture, ".json")
			t.Run(string(kind)+"/"+filepath.Base(name), func(t *testing.T) {
				a := newAdapter(t, kind, nil)

				events, err := a.ParseRequest(readHeaders(t, name+".headers"), readFixture(t, string(kind), filepath.Base(fixture)))

				got, marshalErr := json.MarshalIndent(outcomeOf(t, events, err), "", "  ")
				if marshalErr != nil {
					t.Fatal(marshalErr)
				}
				got = append(got, '\n')
				compareGolden(t, name+".golden", got)
			})
		}
	}
}

// compareGolden compares got with the golden file, or rewrites the file
// under -update.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()

	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}

		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
