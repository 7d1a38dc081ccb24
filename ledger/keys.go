package ledger

// keys builds the Redis key names of the ledger; the package doc lists them.
type keys struct {
	prefix string
	base   string
}

func newKeys(prefix string) keys {
	return keys{prefix: prefix, base: prefix + "ledger:"}
}

func (k keys) entry(member string) string { return k.base + "entry:" + member }
func (k keys) byCompletion() string       { return k.base + "index:completed" }
func (k keys) byAttempt() string          { return k.base + "index:attempt" }
func (k keys) byOutcome(o Outcome) string { return k.base + "index:outcome:" + string(o) }
func (k keys) enrollment(member string) string {
	// The enrollment map's key, as package store names it.
	return k.prefix + "enrollment:" + member
}

// outcomeIndexes returns the per-outcome indexes in the order of Outcomes.
func (k keys) outcomeIndexes() []string {
	indexes := make([]string, 0, len(Outcomes))
	for _, o := range Outcomes {
		indexes = append(indexes, k.byOutcome(o))
	}

	return indexes
}
