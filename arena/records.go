package arena

// Training record statuses. ASSIGNED and IN_PROGRESS records accept
// completion, and Arena rejects completion of the others with 409.
const (
	StatusAssigned        = "ASSIGNED"
	StatusInProgress      = "IN_PROGRESS"
	StatusCompleted       = "COMPLETED"
	StatusPendingApproval = "PENDING_APPROVAL"
	StatusExpired         = "EXPIRED"
	StatusCancelled       = "CANCELLED"
)

// CreateRecordRequest is the body of POST /api/v1/training/records.
type CreateRecordRequest struct {
	EmployeeID string `json:"employeeId"`
	CourseID   string `json:"courseId"`

	// DueDate is optional and left out when empty.
	DueDate string `json:"dueDate,omitempty"`
}

// CompleteRequest is the body of POST .../records/{trainingRecordId}/complete.
type CompleteRequest struct {
	EmployeeID string `json:"employeeId"`

	// CompletionDate is RFC 3339 in UTC with a "Z" suffix, for example
	// "2025-01-19T14:30:00Z".
	CompletionDate string `json:"completionDate"`

	// Status is StatusCompleted. CompleteRecord fills it in when empty.
	Status string `json:"status"`

	// Score is 0 to 100 and left out when nil.
	Score *float64 `json:"score,omitempty"`
}

// Record is an Arena training record.
type Record struct {
	ID         string `json:"id"`
	EmployeeID string `json:"employeeId"`
	CourseID   string `json:"courseId"`
	Status     string `json:"status"`

	// CompletionDate and Score are set once the record is completed.
	CompletionDate string   `json:"completionDate,omitempty"`
	Score          *float64 `json:"score,omitempty"`

	DueDate string `json:"dueDate,omitempty"`
}

// AcceptsCompletion reports whether a record in this status can be completed.
func (r Record) AcceptsCompletion() bool {
	return r.Status == StatusAssigned || r.Status == StatusInProgress
}

// User is an Arena user as GET /api/v1/users/{employeeId} returns it.
type User struct {
	EmployeeID string `json:"employeeId"`
	Name       string `json:"name"`
	Active     bool   `json:"active"`
}
