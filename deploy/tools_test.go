package deploy

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/internal/testenv"
)

// requireTool returns the path of an external program the checks run.
// envVar, when set, names the program's path. Without the program the
// test is skipped, or fails when ARENASYNC_TEST_REQUIRE_SERVERS=1, because
// make test (scripts/testenv/run.sh) installs it.
func requireTool(t *testing.T, name, envVar, installHint string) string {
	t.Helper()

	if envVar != "" {
		if path := strings.TrimSpace(os.Getenv(envVar)); path != "" {
			return path
		}
	}
	if path, err := exec.LookPath(name); err == nil {
		return path
	}

	if os.Getenv(testenv.EnvRequireServers) == "1" {
		t.Fatalf("%s is not installed although %s=1; make test installs it (%s)", name, testenv.EnvRequireServers, installHint)
	}
	t.Skipf("%s is not installed; run make test, which installs it (%s)", name, installHint)

	return ""
}

// promtool returns the path of promtool from Debian's prometheus package.
func promtool(t *testing.T) string {
	t.Helper()

	return requireTool(t, "promtool", "", "apt-get install prometheus")
}

// runTool runs a program and fails the test with its output when it exits
// with an error. It returns the combined output.
func runTool(t *testing.T, dir, path string, args ...string) string {
	t.Helper()

	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s failed: %v\n%s", path, strings.Join(args, " "), err, out)
	}

	return string(out)
}
