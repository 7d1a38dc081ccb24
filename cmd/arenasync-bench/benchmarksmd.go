package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Markers around the figures that a full run writes into BENCHMARKS.md.
// The text outside them is written by hand and kept.
const (
	figuresStart = "<!-- figures:start (written by arenasync-bench -benchmarks) -->"
	figuresEnd   = "<!-- figures:end -->"
)

// checkFiguresTarget reports why the figures of cfg's run may not replace
// those in the BENCHMARKS.md at cfg.BenchmarksFile, before the run starts.
func checkFiguresTarget(cfg Config) error {
	if cfg.BenchmarksFile == "" {
		return nil
	}

	var missing []string
	for _, name := range allScenarios {
		if !slices.Contains(cfg.Scenarios, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("-benchmarks %s replaces every figure, so it needs every scenario, and -scenarios lacks %s: drop -scenarios or -benchmarks", cfg.BenchmarksFile, strings.Join(missing, ", "))
	}

	content, err := os.ReadFile(cfg.BenchmarksFile)
	if err != nil {
		return fmt.Errorf("-benchmarks: %w", err)
	}
	_, _, err = splitFigures(content)

	return err
}

// writeFigures replaces the figures between the markers of the Markdown
// file at path with figures.
func writeFigures(path, figures string) error {
	content, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-benchmarks: %w", err)
	}
	before, after, err := splitFigures(content)
	if err != nil {
		return err
	}

	var out bytes.Buffer
	out.Write(before)
	out.WriteString(figuresStart + "\n\n" + strings.TrimRight(figures, "\n") + "\n\n" + figuresEnd)
	out.Write(after)

	return os.WriteFile(path, out.Bytes(), 0o644)
}

// splitFigures returns the text before the start marker and from the end
// of the end marker on.
func splitFigures(content []byte) (before, after []byte, err error) {
	start := bytes.Index(content, []byte(figuresStart))
	end := bytes.Index(content, []byte(figuresEnd))
	if start < 0 || end < start {
		return nil, nil, fmt.Errorf("-benchmarks: the file lacks the lines %q and %q, in this order, around its figures", figuresStart, figuresEnd)
	}

	return content[:start], content[end+len(figuresEnd):], nil
}
