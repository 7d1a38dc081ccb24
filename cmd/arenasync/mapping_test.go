package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/internal/testenv"
)

// runCLI runs arenasync with args and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()

	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)

	err := root.Execute()
	if err == nil {
		return out.String(), 0
	}

	var exit exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			out.WriteString(exit.err.Error())
		}

		return out.String(), exit.code
	}
	out.WriteString(err.Error())

	return out.String(), 1
}

// redisArgs returns the Redis flags of a test of its own.
func redisArgs(t *testing.T) []string {
	t.Helper()

	return []string{"--redis-addr", testenv.RedisAddr(t), "--redis-prefix", testenv.RedisPrefix(t)}
}

// writeFile writes content to a file in a temporary folder.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	return path
}

func TestMappingImportReportsRejectedRows(t *testing.T) {
	var file strings.Builder
	file.WriteString("\uFEFFemployeeId,courseId,trainingRecordId\n")
	for i := range 10_000 {
		switch i {
		case 99:
			file.WriteString("EMP00099,,TR-000099\n")
		case 4_999:
			file.WriteString("EMP04999,LMS-1|2,TR-004999\n\n")
		case 9_998:
			file.WriteString("EMP00001,LMS-001,TR-009998\n")
		default:
			fmt.Fprintf(&file, "EMP%05d,LMS-%03d,TR-%06d\n", i, i%250, i)
		}
	}
	path := writeFile(t, "go-live.csv", file.String())
	redis := redisArgs(t)

	dry, code := runCLI(t, append([]string{"mapping", "import", path, "--dry-run"}, redis...)...)
	if code != exitRejected {
		t.Errorf("dry run exit code = %d, want %d", code, exitRejected)
	}
	if !strings.Contains(dry, "dry run, nothing written: 9997 would be imported") {
		t.Errorf("dry run output = %q", lastLine(dry))
	}
	if out, code := runCLI(t, append([]string{"mapping", "export"}, redis...)...); code != 0 || out != "employeeId,courseId,trainingRecordId\n" {
		t.Errorf("export after the dry run = %d %q, want only the header", code, out)
	}

	out, code := runCLI(t, append([]string{"mapping", "import", path}, redis...)...)
	if code != exitRejected {
		t.Errorf("exit code = %d, want %d", code, exitRejected)
	}
	wantReport := strings.Join([]string{
		`line 101: courseId "": is empty`,
		`line 5001: courseId "LMS-1|2": contains "|", which separates employee and course in record keys`,
		`line 10001: trainingRecordId "TR-009998": employee EMP00001 and course LMS-001 are mapped to TR-000001 on line 3; keep one of the two rows`,
		`9997 imported, 0 unchanged, 0 replaced, 3 rejected, 0 repeated rows skipped`,
	}, "\n") + "\n"
	if out != wantReport {
		t.Errorf("report =\n%s\nwant\n%s", out, wantReport)
	}

	exported, code := runCLI(t, append([]string{"mapping", "export"}, redis...)...)
	if code != 0 {
		t.Fatalf("export exit code = %d: %s", code, exported)
	}
	if rows := strings.Count(exported, "\n") - 1; rows != 9_997 {
		t.Errorf("exported rows = %d, want 9997", rows)
	}

	again, code := runCLI(t, append([]string{"mapping", "import", path}, redis...)...)
	if code != exitRejected || !strings.Contains(again, "0 imported, 9997 unchanged") {
		t.Errorf("second import = %d %q, want 9997 unchanged", code, lastLine(again))
	}
}

func TestMappingImportErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		want string
	}{
		{name: "missing header", file: "EMP1,C1,TR-1\n", want: "lacks the column(s) employeeId, courseId, trainingRecordId"},
		{name: "missing file", want: "no such file"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.csv")
			if tc.file != "" {
				path = writeFile(t, "bad.csv", tc.file)
			}

			out, code := runCLI(t, append([]string{"mapping", "import", path}, redisArgs(t)...)...)
			if code != exitFailed {
				t.Errorf("exit code = %d, want %d", code, exitFailed)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output = %q, want it to contain %q", out, tc.want)
			}
		})
	}
}

func TestMappingGetSetDelete(t *testing.T) {
	redis := redisArgs(t)
	steps := []struct {
		args     []string
		wantOut  string
		wantCode int
	}{
		{args: []string{"mapping", "get", "EMP1", "C1"}, wantOut: "no training record is mapped for employee EMP1 and course C1", wantCode: exitRejected},
		{args: []string{"mapping", "set", "EMP1", "C1", "TR-1"}, wantOut: "employee EMP1, course C1: TR-1\n"},
		{args: []string{"mapping", "get", "EMP1", "C1"}, wantOut: "TR-1\n"},
		{args: []string{"mapping", "set", "EMP1", "C1", "TR-2"}, wantOut: "employee EMP1, course C1: TR-2 (was TR-1)\n"},
		{args: []string{"mapping", "set", "EMP|1", "C1", "TR-2"}, wantOut: `employeeId "EMP|1" contains "|"`, wantCode: exitFailed},
		{args: []string{"mapping", "export"}, wantOut: "employeeId,courseId,trainingRecordId\nEMP1,C1,TR-2\n"},
		{args: []string{"mapping", "delete", "EMP1", "C1"}, wantOut: "deleted the mapping of employee EMP1, course C1\n"},
		{args: []string{"mapping", "delete", "EMP1", "C1"}, wantOut: "no training record was mapped for employee EMP1 and course C1", wantCode: exitRejected},
	}

	for i, step := range steps {
		out, code := runCLI(t, append(step.args, redis...)...)
		if code != step.wantCode {
			t.Errorf("step %d %v: exit code = %d, want %d", i, step.args, code, step.wantCode)
		}
		if !strings.Contains(out, step.wantOut) {
			t.Errorf("step %d %v: output = %q, want it to contain %q", i, step.args, out, step.wantOut)
		}
	}
}

func TestMappingExportToFile(t *testing.T) {
	redis := redisArgs(t)
	if _, code := runCLI(t, append([]string{"mapping", "set", "EMP2", "C2", "TR-2"}, redis...)...); code != 0 {
		t.Fatalf("set exit code = %d", code)
	}
	path := filepath.Join(t.TempDir(), "export.csv")

	out, code := runCLI(t, append([]string{"mapping", "export", "--output", path}, redis...)...)
	if code != 0 || out != "" {
		t.Fatalf("export = %d %q, want 0 and no output", code, out)
	}

	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "employeeId,courseId,trainingRecordId\nEMP2,C2,TR-2\n"; string(content) != want {
		t.Errorf("file = %q, want %q", content, want)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the export", len(entries))
	}
}

func TestCatalogCommands(t *testing.T) {
	redis := redisArgs(t)
	yamlFile := writeFile(t, "courses.yaml", "courses:\n  LMS-A: TRN-A\n  LMS-B: TRN-B\n")
	badFile := writeFile(t, "bad.csv", "lmsCourseId,arenaCourseId\nLMS-A,\n")

	steps := []struct {
		args     []string
		wantOut  string
		wantCode int
	}{
		{args: []string{"catalog", "import", badFile}, wantOut: `line 2: the Arena course id of "LMS-A" is empty`, wantCode: exitFailed},
		{args: []string{"catalog", "import", yamlFile, "--dry-run"}, wantOut: "dry run, nothing written: 2 courses are valid\n"},
		{args: []string{"catalog", "get", "LMS-A"}, wantOut: "LMS course LMS-A has no entry in Redis", wantCode: exitRejected},
		{args: []string{"catalog", "import", yamlFile}, wantOut: "2 courses stored\n"},
		{args: []string{"catalog", "get", "LMS-A"}, wantOut: "TRN-A\n"},
		{args: []string{"catalog", "set", "LMS-C", "TRN-C"}, wantOut: "LMS course LMS-C: Arena course TRN-C\n"},
		{args: []string{"catalog", "delete", "LMS-B"}, wantOut: "deleted the entry of LMS course LMS-B\n"},
		{args: []string{"catalog", "delete", "LMS-B"}, wantOut: "LMS course LMS-B had no entry in Redis", wantCode: exitRejected},
		{args: []string{"catalog", "export"}, wantOut: "lmsCourseId,arenaCourseId\nLMS-A,TRN-A\nLMS-C,TRN-C\n"},
	}

	for i, step := range steps {
		out, code := runCLI(t, append(step.args, redis...)...)
		if code != step.wantCode {
			t.Errorf("step %d %v: exit code = %d, want %d", i, step.args, code, step.wantCode)
		}
		if !strings.Contains(out, step.wantOut) {
			t.Errorf("step %d %v: output = %q, want it to contain %q", i, step.args, out, step.wantOut)
		}
	}
}

func TestWorkerEnrollmentFlags(t *testing.T) {
	cmd, _, err := newRootCommand().Find([]string{"worker"})
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"course-catalog":       "",
		"course-passthrough":   "false",
		"employee-cache-ttl":   "1h0m0s",
		"create-on-completion": "false",
	}
	for name, def := range want {
		flag := cmd.Flags().Lookup(name)
		if flag == nil {
			t.Errorf("worker has no --%s flag", name)

			continue
		}
		if flag.DefValue != def {
			t.Errorf("--%s default = %q, want %q", name, flag.DefValue, def)
		}
	}
}

func TestEnrollOptionsRejectBadCatalog(t *testing.T) {
	cases := []struct {
		name string
		o    enrollOptions
		want string
	}{
		{name: "unknown extension", o: enrollOptions{catalogFile: "courses.txt"}, want: "--course-catalog: invalid course catalog config"},
		{name: "missing file", o: enrollOptions{catalogFile: filepath.Join(t.TempDir(), "none.yaml")}, want: "no such file"},
		{name: "negative cache TTL", o: enrollOptions{employeeCacheTTL: -1}, want: "--employee-cache-ttl -1ns is negative"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.o.handlerOptions(nil, nil, "test:", nil, zap.NewNop())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("handlerOptions = %v, want %q", err, tc.want)
			}
		})
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")

	return lines[len(lines)-1]
}
