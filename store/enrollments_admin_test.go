package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/store"
)

// bulkFile returns an enrollment map file of n rows, rows badLines
// (line numbers) made invalid in three different ways, cycling.
func bulkFile(n int, badLines map[int]string) string {
	var b strings.Builder
	b.WriteString("employeeId,courseId,trainingRecordId\n")
	for i := 0; i < n; i++ {
		line := i + 2
		if bad, ok := badLines[line]; ok {
			b.WriteString(bad + "\n")

			continue
		}
		fmt.Fprintf(&b, "EMP%05d,LMS-%03d,TR-%06d\n", i, i%250, i)
	}

	return b.String()
}

func TestImportTenThousandRowsWithThreeBad(t *testing.T) {
	client, prefix := newRedis(t)
	mappings := store.NewEnrollments(client, prefix)
	bad := map[int]string{
		18:    "EMP00016,LMS-016,",
		5003:  "EMP05001|X,LMS-001,TR-905001",
		10001: "EMP09999,LMS-249",
	}

	parsed, err := store.ReadMappingsCSV(strings.NewReader(bulkFile(10_000, bad)))
	if err != nil {
		t.Fatal(err)
	}

	started := time.Now()
	result, err := mappings.Import(t.Context(), parsed.Rows, store.ImportOptions{})
	elapsed := time.Since(started)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	t.Logf("imported %d rows in %s", result.Imported, elapsed)

	if result.Imported != 9_997 {
		t.Errorf("imported = %d, want 9997", result.Imported)
	}
	if len(result.Rejected) != 0 {
		t.Errorf("Redis rejected %v, want none", result.Rejected)
	}
	wantRejected := []string{
		`line 18: trainingRecordId "": is empty`,
		`line 5003: employeeId "EMP05001|X": contains "|", which separates employee and course in record keys`,
		`line 10001: has 2 cells; the header names 3 columns`,
	}
	var rejected []string
	for _, r := range parsed.Rejected {
		rejected = append(rejected, r.String())
	}
	if !reflect.DeepEqual(rejected, wantRejected) {
		t.Errorf("rejected =\n%s\nwant\n%s", strings.Join(rejected, "\n"), strings.Join(wantRejected, "\n"))
	}

	all, err := mappings.All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 9_997 {
		t.Errorf("stored mappings = %d, want 9997", len(all))
	}
	if id, ok, _ := mappings.Get(t.Context(), "EMP00017", "LMS-017"); !ok || id != "TR-000017" {
		t.Errorf("EMP00017/LMS-017 = %q, %v; want TR-000017", id, ok)
	}
	if _, ok, _ := mappings.Get(t.Context(), "EMP00016", "LMS-016"); ok {
		t.Errorf("rejected row EMP00016/LMS-016 was stored")
	}
	// Bounds the pipelined import well above its measured time, so only a
	// return to one round trip per row fails it.
	if elapsed > 10*time.Second {
		t.Errorf("import took %s, want well under 10s", elapsed)
	}
}

func TestImportAgainstStoredMap(t *testing.T) {
	rows := []store.MappingRow{
		{Line: 2, Mapping: store.Mapping{EmployeeID: "EMP1", CourseID: "C1", TrainingRecordID: "TR-1"}},
		{Line: 3, Mapping: store.Mapping{EmployeeID: "EMP2", CourseID: "C2", TrainingRecordID: "TR-2"}},
		{Line: 4, Mapping: store.Mapping{EmployeeID: "EMP3", CourseID: "C3", TrainingRecordID: "TR-3"}},
	}
	cases := []struct {
		name         string
		opts         store.ImportOptions
		want         store.ImportResult
		wantRejected []string
		wantStored   map[string]string
	}{
		{
			name:         "stored mapping of another record is rejected",
			want:         store.ImportResult{Imported: 1, Unchanged: 1},
			wantRejected: []string{`line 3: trainingRecordId "TR-2": employee EMP2 and course C2 are already mapped to TR-OLD; import with --overwrite to replace it`},
			wantStored:   map[string]string{"EMP1|C1": "TR-1", "EMP2|C2": "TR-OLD", "EMP3|C3": "TR-3"},
		},
		{
			name:       "overwrite replaces it",
			opts:       store.ImportOptions{Overwrite: true},
			want:       store.ImportResult{Imported: 1, Unchanged: 1, Replaced: 1},
			wantStored: map[string]string{"EMP1|C1": "TR-1", "EMP2|C2": "TR-2", "EMP3|C3": "TR-3"},
		},
		{
			name:         "dry run writes nothing",
			opts:         store.ImportOptions{DryRun: true},
			want:         store.ImportResult{Imported: 1, Unchanged: 1},
			wantRejected: []string{`line 3: trainingRecordId "TR-2": employee EMP2 and course C2 are already mapped to TR-OLD; import with --overwrite to replace it`},
			wantStored:   map[string]string{"EMP1|C1": "TR-1", "EMP2|C2": "TR-OLD"},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, prefix := newRedis(t)
			mappings := store.NewEnrollments(client, prefix)
			ctx := t.Context()
			mustSet(t, mappings, "EMP1", "C1", "TR-1")
			mustSet(t, mappings, "EMP2", "C2", "TR-OLD")

			result, err := mappings.Import(ctx, rows, tc.opts)
			if err != nil {
				t.Fatal(err)
			}

			var rejected []string
			for _, r := range result.Rejected {
				rejected = append(rejected, r.String())
			}
			if !reflect.DeepEqual(rejected, tc.wantRejected) {
				t.Errorf("rejected = %q, want %q", rejected, tc.wantRejected)
			}
			result.Rejected = nil
			if !reflect.DeepEqual(result, tc.want) {
				t.Errorf("result = %+v, want %+v", result, tc.want)
			}
			if got := storedMap(t, mappings); !reflect.DeepEqual(got, tc.wantStored) {
				t.Errorf("stored = %v, want %v", got, tc.wantStored)
			}
		})
	}
}

func TestScanSkipsLocksAndOtherPrefixes(t *testing.T) {
	client, prefix := newRedis(t)
	mappings := store.NewEnrollments(client, prefix)
	other := store.NewEnrollments(client, prefix+"other*[x]:")
	ctx := t.Context()

	mustSet(t, mappings, "EMP1", "C1", "TR-1")
	mustSet(t, mappings, "EMP1", "C2", "TR-2")
	mustSet(t, other, "EMP9", "C9", "TR-9")
	release, err := mappings.Lock(ctx, "EMP2", "C2", "evt-1", time.Minute)
	if err != nil || release == nil {
		t.Fatalf("Lock = taken %v, error %v; want taken", release != nil, err)
	}
	defer release()

	want := map[string]string{"EMP1|C1": "TR-1", "EMP1|C2": "TR-2"}
	if got := storedMap(t, mappings); !reflect.DeepEqual(got, want) {
		t.Errorf("stored = %v, want %v", got, want)
	}
	if got := storedMap(t, other); !reflect.DeepEqual(got, map[string]string{"EMP9|C9": "TR-9"}) {
		t.Errorf("prefix with glob characters lists %v, want only its own mapping", got)
	}
}

func TestAllSortsByEmployeeAndCourse(t *testing.T) {
	client, prefix := newRedis(t)
	mappings := store.NewEnrollments(client, prefix)
	mustSet(t, mappings, "EMP2", "A", "TR-3")
	mustSet(t, mappings, "EMP1", "B", "TR-2")
	mustSet(t, mappings, "EMP1", "A", "TR-1")

	all, err := mappings.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	want := []store.Mapping{
		{EmployeeID: "EMP1", CourseID: "A", TrainingRecordID: "TR-1"},
		{EmployeeID: "EMP1", CourseID: "B", TrainingRecordID: "TR-2"},
		{EmployeeID: "EMP2", CourseID: "A", TrainingRecordID: "TR-3"},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("All = %+v, want %+v", all, want)
	}
}

func mustSet(t *testing.T, mappings *store.Enrollments, employee, course, record string) {
	t.Helper()

	if err := mappings.Set(t.Context(), employee, course, record); err != nil {
		t.Fatal(err)
	}
}

// storedMap returns every stored mapping as "employee|course" → record.
func storedMap(t *testing.T, mappings *store.Enrollments) map[string]string {
	t.Helper()

	got := map[string]string{}
	err := mappings.Scan(t.Context(), func(m store.Mapping) error {
		got[m.EmployeeID+"|"+m.CourseID] = m.TrainingRecordID

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	return got
}
