package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFiguresKeepsTextAroundMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	old := "# Benchmarks\n\nBy hand.\n\n" + figuresStart + "\n\nold table\n\n" + figuresEnd + "\n\n## After\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := writeFigures(path, "new table\n"); err != nil {
		t.Fatalf("writeFigures: %v", err)
	}

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nBy hand.\n\n" + figuresStart + "\n\nnew table\n\n" + figuresEnd + "\n\n## After\n"
	if string(got) != want {
		t.Errorf("file after writeFigures:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteFiguresRejectsMissingMarkers(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "no markers", content: "# Benchmarks\n"},
		{name: "end before start", content: figuresEnd + "\n" + figuresStart + "\n"},
		{name: "start only", content: figuresStart + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}

			err := writeFigures(path, "table\n")
			if err == nil || !strings.Contains(err.Error(), figuresStart) {
				t.Fatalf("writeFigures error = %v, want one naming the marker lines", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.content {
				t.Errorf("file changed to %q, want it untouched", got)
			}
		})
	}
}

func TestCheckFiguresTargetNeedsEveryScenario(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(figuresStart+"\n"+figuresEnd+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		scenarios []string
		wantErr   string
	}{
		{name: "every scenario", scenarios: allScenarios, wantErr: ""},
		{name: "drain only", scenarios: []string{"drain"}, wantErr: "-scenarios lacks ingest, latency, e2e, scale, steady:"},
		{name: "steady missing", scenarios: allScenarios[:len(allScenarios)-1], wantErr: "-scenarios lacks steady:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFiguresTarget(Config{BenchmarksFile: path, Scenarios: tt.scenarios})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("checkFiguresTarget: %v, want nil", err)
				}

				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("checkFiguresTarget error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
