package metricscatalog

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Query is the input of a PromQL expression: its series selectors and the
// label names of its by, without, on, ignoring, group_left and group_right
// clauses.
type Query struct {
	Selectors []Selector
	// Grouping lists the label names of the grouping and matching clauses.
	Grouping []string
}

// Selector is one series selector: a metric name with the label names its
// matchers use.
type Selector struct {
	Metric string
	Labels []string
}

// groupingKeywords take a parenthesised list of label names.
var groupingKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// operatorKeywords are PromQL words that are neither functions nor metric names.
var operatorKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true, "inf": true, "nan": true, "start": true, "end": true}

// aggregationOperators may be followed by a grouping clause before their
// parenthesised argument, as in sum by (le) (...).
var aggregationOperators = map[string]bool{"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true, "count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true}

// ParseQuery lists the selectors of a PromQL expression. It is a scanner,
// not a parser: it finds names and matchers but does not check the
// syntax, which promtool does (see the deployment checks). Grafana variables
// such as $__rate_interval or ${topic} are skipped.
func ParseQuery(expr string) (Query, error) {
	s := &scanner{src: expr}
	var q Query
	for {
		s.skipSpace()
		if s.done() {
			break
		}

		c := s.peek()
		switch {
		case c == '"' || c == '\'' || c == '`':
			if err := s.skipString(); err != nil {
				return q, err
			}
		case c == '$':
			s.skipVariable()
		case c == '[':
			if err := s.skipUntil(']'); err != nil {
				return q, err
			}
		case c == '{':
			labels, name, err := s.matchers()
			if err != nil {
				return q, err
			}
			q.attach(labels, name, s.lastWasMetric)
		case unicode.IsDigit(rune(c)) || (c == '.' && unicode.IsDigit(rune(s.peekAt(1)))):
			s.skipNumber()
		case isIdentStart(c):
			if err := s.identifier(&q); err != nil {
				return q, err
			}

			continue
		default:
			s.pos++
		}
		s.lastWasMetric = false
	}

	sort.Strings(q.Grouping)

	return q, nil
}

// attach adds matcher labels to the selector just scanned, or makes a new
// selector of a bare {...} whose __name__ matcher names the metric.
func (q *Query) attach(labels []string, name string, toLast bool) {
	if toLast && len(q.Selectors) > 0 {
		last := &q.Selectors[len(q.Selectors)-1]
		last.Labels = append(last.Labels, labels...)

		return
	}
	q.Selectors = append(q.Selectors, Selector{Metric: name, Labels: labels})
}

// scanner walks a PromQL expression.
type scanner struct {
	src           string
	pos           int
	lastWasMetric bool
}

func (s *scanner) done() bool { return s.pos >= len(s.src) }

func (s *scanner) peek() byte { return s.peekAt(0) }

func (s *scanner) peekAt(offset int) byte {
	if s.pos+offset >= len(s.src) {
		return 0
	}

	return s.src[s.pos+offset]
}

func (s *scanner) skipSpace() {
	for !s.done() && unicode.IsSpace(rune(s.peek())) {
		s.pos++
	}
}

// skipString skips a quoted string, honouring backslash escapes except in
// raw (backquoted) strings.
func (s *scanner) skipString() error {
	quote := s.peek()
	start := s.pos
	s.pos++
	for !s.done() {
		c := s.peek()
		switch {
		case c == '\\' && quote != '`':
			s.pos += 2
		case c == quote:
			s.pos++

			return nil
		default:
			s.pos++
		}
	}

	return fmt.Errorf("unterminated string at offset %d in %q", start, s.src)
}

// skipVariable skips a Grafana variable: $name, ${name} or ${name:format}.
func (s *scanner) skipVariable() {
	s.pos++
	if s.peek() == '{' {
		_ = s.skipUntil('}')

		return
	}
	for !s.done() && isIdentPart(s.peek()) {
		s.pos++
	}
}

// skipUntil skips past the next closing byte.
func (s *scanner) skipUntil(closing byte) error {
	start := s.pos
	end := strings.IndexByte(s.src[s.pos:], closing)
	if end < 0 {
		return fmt.Errorf("missing %q after offset %d in %q", closing, start, s.src)
	}
	s.pos += end + 1

	return nil
}

// skipNumber skips a number or a duration such as 0.95, 1e3 or 5m.
func (s *scanner) skipNumber() {
	for !s.done() && (isIdentPart(s.peek()) || s.peek() == '.' || ((s.peek() == '+' || s.peek() == '-') && (s.src[s.pos-1] == 'e' || s.src[s.pos-1] == 'E'))) {
		s.pos++
	}
}

// matchers reads {label op "value", ...} and returns the label names and
// the value of an exact __name__ matcher.
func (s *scanner) matchers() ([]string, string, error) {
	start := s.pos
	s.pos++
	var labels []string
	var name string
	for {
		s.skipSpace()
		if s.done() {
			return nil, "", fmt.Errorf("missing '}' after offset %d in %q", start, s.src)
		}
		if s.peek() == '}' {
			s.pos++

			return labels, name, nil
		}
		if s.peek() == ',' {
			s.pos++

			continue
		}

		label := s.readIdentifier()
		if label == "" {
			return nil, "", fmt.Errorf("expected a label name at offset %d in %q", s.pos, s.src)
		}
		s.skipSpace()
		op := s.readOperator()
		s.skipSpace()
		valueStart := s.pos
		if err := s.skipString(); err != nil {
			return nil, "", err
		}
		if label == "__name__" && op == "=" {
			name = strings.Trim(s.src[valueStart:s.pos], "\"'`")

			continue
		}
		labels = append(labels, label)
	}
}

// readOperator reads a matcher operator: =, !=, =~ or !~.
func (s *scanner) readOperator() string {
	start := s.pos
	for !s.done() && strings.IndexByte("=!~", s.peek()) >= 0 {
		s.pos++
	}

	return s.src[start:s.pos]
}

// identifier reads a word and decides whether it is a function, a
// keyword, a grouping clause or a metric name.
func (s *scanner) identifier(q *Query) error {
	word := s.readIdentifier()
	s.skipSpace()
	next := s.peek()

	switch {
	case groupingKeywords[word]:
		s.lastWasMetric = false
		if next != '(' {
			return nil
		}
		labels, err := s.labelList()
		if err != nil {
			return err
		}
		q.Grouping = append(q.Grouping, labels...)
	case next == '(' || aggregationOperators[word] || operatorKeywords[strings.ToLower(word)]:
		s.lastWasMetric = false
	default:
		q.Selectors = append(q.Selectors, Selector{Metric: word})
		s.lastWasMetric = true
	}

	return nil
}

// labelList reads (label, label, ...).
func (s *scanner) labelList() ([]string, error) {
	start := s.pos
	if err := s.skipUntil(')'); err != nil {
		return nil, err
	}

	var labels []string
	for _, field := range strings.Split(s.src[start+1:s.pos-1], ",") {
		if field = strings.TrimSpace(field); field != "" {
			labels = append(labels, field)
		}
	}

	return labels, nil
}

func (s *scanner) readIdentifier() string {
	start := s.pos
	for !s.done() && isIdentPart(s.peek()) {
		s.pos++
	}

	return s.src[start:s.pos]
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}
