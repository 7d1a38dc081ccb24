package producer

import (
	"slices"
	"testing"
)

// empty reports whether no id waits for Remember.
func (p *pendingIDs) empty() bool {
	p.mu.Lock()
	defer p.mu.Unlock()

	return len(p.counts) == 0
}

func TestPendingIDs(t *testing.T) {
	cases := []struct {
		name    string
		added   [][]string
		removed [][]string
		lookup  []string
		want    []string
	}{
		{name: "empty", lookup: []string{"a"}, want: []string{""}},
		{name: "added", added: [][]string{{"a", "b"}}, lookup: []string{"a", "c", "b"}, want: []string{"a", "", "b"}},
		{name: "removed", added: [][]string{{"a", "b"}}, removed: [][]string{{"a", "b"}}, lookup: []string{"a", "b"}, want: []string{"", ""}},
		{name: "added twice removed once", added: [][]string{{"a"}, {"a"}}, removed: [][]string{{"a"}}, lookup: []string{"a"}, want: []string{"a"}},
		{name: "removed without add", removed: [][]string{{"a"}}, lookup: []string{"a"}, want: []string{""}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPendingIDs()
			for _, ids := range tc.added {
				p.add(ids)
			}
			for _, ids := range tc.removed {
				p.remove(ids)
			}

			if got := p.firstIDs(tc.lookup); !slices.Equal(got, tc.want) {
				t.Errorf("firstIDs(%v) = %q, want %q", tc.lookup, got, tc.want)
			}
		})
	}
}
