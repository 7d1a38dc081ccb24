package adapters_test

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // loads Europe/Berlin on machines without a zone database

	"github.com/prometheus/client_golang/prometheus"

	"github.com/arenasync/arenasync/adapters"
)

// testNow is the clock of every adapter in these tests, so the future-date
// check does not depend on the test machine.
var testNow = time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)

// moodleUsers and learningUsers map the invented LMS user ids of the
// fixtures to employee ids.
var (
	moodleUsers   = adapters.TableID{"4410": "EMP20417", "4411": "EMP20988"}
	learningUsers = adapters.TableID{"6790a1b2c3d4e5f6a7b8c901": "EMP20417", "6790a1b2c3d4e5f6a7b8c903": "EMP20988"}
)

// testConfig returns the configuration of one kind that the fixtures
// expect: Docebo times in Berlin and ids with the EMP prefix, table
// lookups for Moodle and 360Learning.
func testConfig(t testing.TB, kind adapters.Kind) adapters.Config {
	t.Helper()

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load Europe/Berlin: %v", err)
	}

	cfg := adapters.Config{Kind: kind, TimeZone: berlin, Now: func() time.Time { return testNow }}
	switch kind {
	case adapters.KindMoodle:
		cfg.Identity = moodleUsers
	case adapters.KindDocebo:
		cfg.Identity = adapters.PrefixID{Prefix: "EMP"}
	case adapters.Kind360Learning:
		cfg.Identity = learningUsers
	}

	return cfg
}

// newAdapter builds the adapter of kind with testConfig, counting on reg
// when it is not nil.
func newAdapter(t testing.TB, kind adapters.Kind, reg prometheus.Registerer) *adapters.Adapter {
	t.Helper()

	var m *adapters.Metrics
	if reg != nil {
		var err error
		if m, err = adapters.NewMetrics(reg); err != nil {
			t.Fatalf("NewMetrics: %v", err)
		}
	}

	a, err := adapters.New(testConfig(t, kind), nil, m)
	if err != nil {
		t.Fatalf("New(%s): %v", kind, err)
	}

	return a
}

// readFixture returns a file of testdata.
func readFixture(t testing.TB, path ...string) []byte {
	t.Helper()

	body, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, path...)...))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}

	return body
}

// readHeaders reads a .headers fixture of "Name: value" lines, or returns
// an empty header when the file does not exist.
func readHeaders(t testing.TB, path string) http.Header {
	t.Helper()

	header := http.Header{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return header
	}
	if err != nil {
		t.Fatalf("read headers: %v", err)
	}

	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: line %q is not Name: value", path, line)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}

	return header
}
