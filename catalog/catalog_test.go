package catalog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/catalog"
	"github.com/arenasync/arenasync/internal/testenv"
)

func TestParseYAML(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		want    catalog.Courses
		wantErr string
	}{
		{
			name: "mapping",
			file: "courses:\n  LMS-SAFETY-101: TRN-0042\n  \"101\": 42\n",
			want: catalog.Courses{"LMS-SAFETY-101": "TRN-0042", "101": "42"},
		},
		{name: "empty file", file: "", wantErr: `the file is empty; it must hold a "courses" mapping`},
		{name: "no courses key", file: "other:\n  A: B\n", wantErr: `the file has no top-level "courses" mapping`},
		{name: "courses is a list", file: "courses:\n  - A\n", wantErr: `line 2: "courses" must map LMS course ids to Arena course ids`},
		{name: "empty Arena id", file: "courses:\n  A: \"\"\n  B: X\n", wantErr: `line 2: the Arena course id of "A" is empty`},
		{name: "nested value", file: "courses:\n  A:\n    x: y\n", wantErr: `line 3: the Arena course id of "A" is not a single value`},
		{name: "separator in LMS id", file: "courses:\n  A|B: X\n", wantErr: `line 2: LMS course id "A|B" contains "|"`},
		{name: "duplicate key", file: "courses:\n  A: X\n  A: Y\n", wantErr: `line 3: LMS course "A" maps to "Y" here and to "X" on line 2`},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := catalog.ParseYAML(strings.NewReader(tc.file))
			checkParse(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestParseCSV(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		want    catalog.Courses
		wantErr string
	}{
		{
			name: "byte order mark, blank lines, other column order",
			file: "\uFEFFarenaCourseId,lmsCourseId\n\nTRN-1,LMS-1\n,\nTRN-2,LMS-2\n",
			want: catalog.Courses{"LMS-1": "TRN-1", "LMS-2": "TRN-2"},
		},
		{name: "repeat with the same id", file: "lmsCourseId,arenaCourseId\nA,X\nA,X\n", want: catalog.Courses{"A": "X"}},
		{name: "conflicting repeat", file: "lmsCourseId,arenaCourseId\nA,X\nA,Y\n", wantErr: `line 3: LMS course "A" maps to "Y" here and to "X" on line 2`},
		{name: "every problem listed", file: "lmsCourseId,arenaCourseId\n,X\nB,\n", wantErr: `line 2: LMS course id "" is empty; line 3: the Arena course id of "B" is empty`},
		{name: "missing column", file: "lms,arena\nA,X\n", wantErr: "lacks the column(s) lmsCourseId, arenaCourseId"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := catalog.ParseCSV(strings.NewReader(tc.file))
			checkParse(t, got, err, tc.want, tc.wantErr)
		})
	}
}

// checkParse compares a parse result with the expected courses or error.
func checkParse(t *testing.T, got catalog.Courses, err error, want catalog.Courses, wantErr string) {
	t.Helper()

	if wantErr != "" {
		if !errors.Is(err, catalog.ErrInvalidFile) {
			t.Fatalf("error = %v, want ErrInvalidFile", err)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Errorf("error = %q, want it to contain %q", err, wantErr)
		}

		return
	}

	if err != nil {
		t.Fatalf("error = %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("courses = %v, want %v", got, want)
	}
}

func TestLoadByExtension(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"courses.yaml": "courses:\n  A: X\n",
		"courses.yml":  "courses:\n  A: X\n",
		"courses.CSV":  "lmsCourseId,arenaCourseId\nA,X\n",
		"courses.json": "{}",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		file    string
		wantErr string
	}{
		{file: "courses.yaml"},
		{file: "courses.yml"},
		{file: "courses.CSV"},
		{file: "courses.json", wantErr: "unknown extension: use .yaml, .yml or .csv"},
		{file: "missing.yaml", wantErr: "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := catalog.Load(filepath.Join(dir, tc.file))
			checkParse(t, got, err, catalog.Courses{"A": "X"}, tc.wantErr)
		})
	}
}

func TestCatalogLookupOrder(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	entries := catalog.NewRedis(client, testenv.RedisPrefix(t))
	ctx := t.Context()

	file := filepath.Join(t.TempDir(), "courses.yaml")
	if err := os.WriteFile(file, []byte("courses:\n  FILE-ONLY: TRN-FILE\n  BOTH: TRN-FROM-FILE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := entries.Set(ctx, "BOTH", "TRN-FROM-REDIS"); err != nil {
		t.Fatal(err)
	}
	if err := entries.Set(ctx, "REDIS-ONLY", "TRN-REDIS"); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name        string
		passthrough bool
		lmsID       string
		wantID      string
		wantOK      bool
	}{
		{name: "Redis wins over the file", lmsID: "BOTH", wantID: "TRN-FROM-REDIS", wantOK: true},
		{name: "file", lmsID: "FILE-ONLY", wantID: "TRN-FILE", wantOK: true},
		{name: "Redis", lmsID: "REDIS-ONLY", wantID: "TRN-REDIS", wantOK: true},
		{name: "unknown without pass-through", lmsID: "NEW-COURSE", wantOK: false},
		{name: "unknown with pass-through", passthrough: true, lmsID: "NEW-COURSE", wantID: "NEW-COURSE", wantOK: true},
		{name: "pass-through after the file", passthrough: true, lmsID: "FILE-ONLY", wantID: "TRN-FILE", wantOK: true},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := catalog.New(catalog.Config{File: file, Passthrough: tc.passthrough}, entries)
			if err != nil {
				t.Fatal(err)
			}

			id, ok, err := c.ArenaCourse(ctx, tc.lmsID)
			if err != nil {
				t.Fatal(err)
			}
			if id != tc.wantID || ok != tc.wantOK {
				t.Errorf("ArenaCourse(%s) = %q, %v; want %q, %v", tc.lmsID, id, ok, tc.wantID, tc.wantOK)
			}
		})
	}
}

func TestCatalogDescribe(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.csv")
	if err := os.WriteFile(file, []byte("lmsCourseId,arenaCourseId\nA,X\nB,Y\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		cfg  catalog.Config
		want string
	}{
		{name: "nothing", want: "no Redis entries, no file, no pass-through"},
		{name: "file and pass-through", cfg: catalog.Config{File: file, Passthrough: true}, want: "no Redis entries, file " + file + " (2 courses), pass-through"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := catalog.New(tc.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Describe(); got != tc.want {
				t.Errorf("Describe = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (catalog.Config{File: "courses.txt"}).Validate(); !errors.Is(err, catalog.ErrInvalidConfig) {
		t.Errorf("Validate(courses.txt) = %v, want ErrInvalidConfig", err)
	}
	if err := (catalog.Config{}).Validate(); err != nil {
		t.Errorf("Validate(zero) = %v, want nil", err)
	}
}

func TestRedisSetAllAndExport(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	entries := catalog.NewRedis(client, testenv.RedisPrefix(t))
	ctx := t.Context()

	courses := catalog.Courses{}
	for i := range 1200 {
		courses["LMS-"+strconv.Itoa(i)] = "TRN-" + strconv.Itoa(i)
	}
	if err := entries.SetAll(ctx, courses); err != nil {
		t.Fatal(err)
	}

	got, err := entries.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, courses) {
		t.Errorf("All returned %d entries, want the %d stored", len(got), len(courses))
	}

	if deleted, err := entries.Delete(ctx, "missing"); err != nil || deleted {
		t.Errorf("Delete(missing) = %v, %v; want false", deleted, err)
	}

	var buf bytes.Buffer
	if err := catalog.WriteCSV(&buf, catalog.Courses{"B": "Y", "A": "X"}); err != nil {
		t.Fatal(err)
	}
	if want := "lmsCourseId,arenaCourseId\nA,X\nB,Y\n"; buf.String() != want {
		t.Errorf("WriteCSV = %q, want %q", buf.String(), want)
	}
}
