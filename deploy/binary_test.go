package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error
)

// TestMain removes the arenasync binary that the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		_ = os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// arenasyncBinary builds cmd/arenasync once per test binary and returns
// its path. The deployment files run this binary, so the checks read its
// flags from it rather than from a copy of the code.
func arenasyncBinary(t *testing.T) string {
	t.Helper()

	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "arenasync-deploy-test-")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "arenasync")
		cmd := exec.Command("go", "build", "-o", binaryPath, "./cmd/arenasync")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build ./cmd/arenasync: %w\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}

	return binaryPath
}

// flagPattern matches a flag line of cobra's help output.
var flagPattern = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)`)

var (
	flagsMu    sync.Mutex
	flagsCache = make(map[string]map[string]bool)
)

// commandFlags returns the flag names of `arenasync <path...>`, read from
// its --help output. It fails the test when the command does not exist.
func commandFlags(t *testing.T, path ...string) map[string]bool {
	t.Helper()

	key := strings.Join(path, " ")
	flagsMu.Lock()
	defer flagsMu.Unlock()
	if flags, ok := flagsCache[key]; ok {
		return flags
	}

	cmd := exec.Command(arenasyncBinary(t), append(append([]string{}, path...), "--help")...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("arenasync %s --help failed: %v\n%s", key, err, out)
	}
	// For an unknown subcommand, cobra prints the parent's help or an
	// error. Neither contains the usage line of the requested command.
	if !strings.Contains(string(out), "arenasync "+key) {
		t.Fatalf("arenasync has no command %q:\n%s", key, out)
	}

	flags := make(map[string]bool)
	for _, m := range flagPattern.FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	flagsCache[key] = flags

	return flags
}

// envFlag returns the flag that an ARENASYNC_ environment variable sets,
// the reverse of cmd/arenasync's envName.
func envFlag(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "ARENASYNC_")
	if !ok {
		return "", false
	}

	return strings.ToLower(strings.ReplaceAll(rest, "_", "-")), true
}

// checkArgs checks a command line given to the arenasync binary: the
// command exists and every --flag is one of its flags. It returns the
// command path.
func checkArgs(t *testing.T, where string, args []string) []string {
	t.Helper()

	var path []string
	for _, arg := range args {
		if strings.HasPrefix(arg, "-") {
			break
		}
		path = append(path, arg)
	}
	if len(path) == 0 {
		t.Errorf("%s: command line %v names no arenasync command", where, args)

		return nil
	}

	flags := commandFlags(t, path...)
	for _, arg := range args[len(path):] {
		name, isFlag := strings.CutPrefix(arg, "--")
		if !isFlag {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		if !flags[name] {
			t.Errorf("%s: arenasync %s has no flag --%s", where, strings.Join(path, " "), name)
		}
	}

	return path
}

// checkEnv checks that an ARENASYNC_ variable sets a flag of the command.
func checkEnv(t *testing.T, where string, path []string, name string) {
	t.Helper()

	flag, ok := envFlag(name)
	if !ok || len(path) == 0 {
		return
	}
	if !commandFlags(t, path...)[flag] {
		t.Errorf("%s: %s sets no flag of arenasync %s (it would set --%s)", where, name, strings.Join(path, " "), flag)
	}
}
