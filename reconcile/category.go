package reconcile

// Category is the result of comparing one enrollment's completion in the
// LMS (or in the ledger) with its Arena training record.
type Category string

// Categories of a compared enrollment.
const (
	// CategoryOK: Arena holds the same completion date and score.
	CategoryOK Category = "ok"
	// CategoryMissingInArena: the LMS or the ledger has a completion that
	// Arena does not hold: the record is not completed, does not exist or
	// is not mapped.
	CategoryMissingInArena Category = "missing_in_arena"
	// CategoryMismatch: Arena holds a completion with another date or score.
	CategoryMismatch Category = "mismatch"
	// CategoryUnknownToLMS: Arena holds a completion of a mapped record
	// that neither the LMS export nor the ledger contains, such as one
	// entered by hand in Arena.
	CategoryUnknownToLMS Category = "unknown_to_lms"
	// CategoryStalePendingApproval: Arena holds the completion but has
	// waited for approval longer than Config.StaleApprovalAge.
	CategoryStalePendingApproval Category = "stale_pending_approval"
	// CategoryDeadLettered: the completion waits in the dead-letter topic
	// for an administrator, with its reason.
	CategoryDeadLettered Category = "dead_lettered"
	// CategoryInFlight: the completion is on its way (accepted by ingest,
	// or in a retry tier) and younger than Config.InFlightGrace. It is not
	// a difference.
	CategoryInFlight Category = "in_flight"
)

// Categories lists every category in report order.
var Categories = []Category{
	CategoryOK, CategoryMissingInArena, CategoryMismatch, CategoryUnknownToLMS,
	CategoryStalePendingApproval, CategoryDeadLettered, CategoryInFlight,
}

// DifferenceCategories lists the categories that count as differences and
// make the reconciliation exit with code 1.
var DifferenceCategories = []Category{
	CategoryMissingInArena, CategoryMismatch, CategoryUnknownToLMS,
	CategoryStalePendingApproval, CategoryDeadLettered,
}

// Difference reports whether c is a difference between the LMS and Arena.
func (c Category) Difference() bool {
	for _, d := range DifferenceCategories {
		if c == d {
			return true
		}
	}

	return false
}
