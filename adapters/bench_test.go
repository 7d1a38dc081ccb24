package adapters_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/adapters"
)

// BenchmarkParse parses the completion fixture of every adapter, with the
// request headers the fixture comes with.
func BenchmarkParse(b *testing.B) {
	fixtures := []struct {
		kind adapters.Kind
		file string
	}{
		{adapters.KindGeneric, "completed.json"},
		{adapters.KindMoodle, "course-completed.json"},
		{adapters.KindDocebo, "completed.json"},
		{adapters.KindDocebo, "completed-grouped.json"},
		{adapters.Kind360Learning, "attempt-closed.json"},
		{adapters.KindXAPI, "completed.json"},
		{adapters.KindXAPI, "statement-array.json"},
	}

	for _, f := range fixtures {
		b.Run(string(f.kind)+"/"+strings.TrimSuffix(f.file, ".json"), func(b *testing.B) {
			a := newAdapter(b, f.kind, nil)
			body := readFixture(b, string(f.kind), f.file)
			header := readHeaders(b, filepath.Join("testdata", string(f.kind), strings.TrimSuffix(f.file, ".json")+".headers"))
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()

			for b.Loop() {
				if _, err := a.ParseRequest(header, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
