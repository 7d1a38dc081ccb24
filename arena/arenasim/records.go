package arenasim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Training record statuses.
const (
	StatusAssigned        = "ASSIGNED"
	StatusInProgress      = "IN_PROGRESS"
	StatusCompleted       = "COMPLETED"
	StatusPendingApproval = "PENDING_APPROVAL"
	StatusExpired         = "EXPIRED"
	StatusCancelled       = "CANCELLED"
)

func knownStatus(status string) bool {
	switch status {
	case StatusAssigned, StatusInProgress, StatusCompleted, StatusPendingApproval, StatusExpired, StatusCancelled:
		return true
	default:
		return false
	}
}

// Record is a training record as the API returns it.
type Record struct {
	ID             string   `json:"id"`
	EmployeeID     string   `json:"employeeId"`
	CourseID       string   `json:"courseId"`
	Status         string   `json:"status"`
	DueDate        string   `json:"dueDate,omitempty"`
	CompletionDate string   `json:"completionDate,omitempty"`
	Score          *float64 `json:"score,omitempty"`
}

// clone returns a copy that shares no pointer with r.
func (r Record) clone() Record {
	if r.Score != nil {
		score := *r.Score
		r.Score = &score
	}
	return r
}

type createRecordRequest struct {
	EmployeeID string `json:"employeeId"`
	CourseID   string `json:"courseId"`
	DueDate    string `json:"dueDate"`
}

type completeRequest struct {
	EmployeeID     string   `json:"employeeId"`
	CompletionDate string   `json:"completionDate"`
	Status         string   `json:"status"`
	Score          *float64 `json:"score"`
}

func (s *Sim) handleCreateRecord(w http.ResponseWriter, r *http.Request) {
	var req createRecordRequest
	if !decodeBody(w, r, &req) {
		return
	}

	if problems := validateCreate(req); len(problems) > 0 {
		writeError(w, http.StatusUnprocessableEntity, codeValidationFailed, strings.Join(problems, "; "))
		return
	}

	record, status, code, message := s.createRecord(req)
	if status != http.StatusCreated {
		writeError(w, status, code, message)
		return
	}

	w.Header().Set("Location", strings.Replace(PathRecord, "{trainingRecordId}", record.ID, 1))
	writeJSON(w, http.StatusCreated, record)
}

func validateCreate(req createRecordRequest) []string {
	var problems []string
	if req.EmployeeID == "" {
		problems = append(problems, "employeeId is missing")
	}
	if req.CourseID == "" {
		problems = append(problems, "courseId is missing")
	}
	if req.DueDate != "" && !isDate(req.DueDate) {
		problems = append(problems, fmt.Sprintf("dueDate %q is not a date (YYYY-MM-DD) or RFC 3339 time", req.DueDate))
	}
	return problems
}

// createRecord stores a new ASSIGNED record, or returns the 404 status, code
// and message for an unknown employee or course.
func (s *Sim) createRecord(req createRecordRequest) (Record, int, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if _, ok := s.employees[req.EmployeeID]; !ok {
		return Record{}, http.StatusNotFound, codeEmployeeNotFound, fmt.Sprintf("employee %q not found", req.EmployeeID)
	}
	// Without a seeded catalogue every course id is accepted.
	if _, ok := s.courses[req.CourseID]; len(s.courses) > 0 && !ok {
		return Record{}, http.StatusNotFound, codeCourseNotFound, fmt.Sprintf("course %q not found", req.CourseID)
	}

	record := s.storeRecord(Record{
		EmployeeID: req.EmployeeID,
		CourseID:   req.CourseID,
		Status:     StatusAssigned,
		DueDate:    req.DueDate,
	})
	s.stats.Creates++

	return record, http.StatusCreated, "", ""
}

// storeRecord stores r, giving it the next free id when it has none and
// ASSIGNED when it has no status. s.mu must be held.
func (s *Sim) storeRecord(r Record) Record {
	if r.ID == "" {
		r.ID = s.nextRecordID()
	}
	if r.Status == "" {
		r.Status = StatusAssigned
	}

	if _, exists := s.records[r.ID]; !exists {
		s.recordOrder = append(s.recordOrder, r.ID)
	}
	stored := r.clone()
	s.records[r.ID] = &stored

	return stored.clone()
}

// nextRecordID returns the next id of the form TR-000001 that no seeded
// record uses. s.mu must be held.
func (s *Sim) nextRecordID() string {
	for {
		s.lastRecordNumber++
		id := fmt.Sprintf("TR-%06d", s.lastRecordNumber)
		if _, taken := s.records[id]; !taken {
			return id
		}
	}
}

func (s *Sim) handleGetRecord(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("trainingRecordId")

	record, ok := s.Record(id)
	if !ok {
		writeError(w, http.StatusNotFound, codeRecordNotFound, fmt.Sprintf("training record %q not found", id))
		return
	}
	writeJSON(w, http.StatusOK, record)
}

func (s *Sim) handleCompleteRecord(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("trainingRecordId")

	if s.externalUpdatesBlocked() {
		writeError(w, http.StatusForbidden, codeExternalUpdatesDisabled,
			`external status updates are disabled for this workspace; enable "Allow external status updates" in the workspace's training settings`)
		return
	}
	if failure, ok := s.recordFailure(id); ok {
		writeFailure(w, failure)
		return
	}

	var req completeRequest
	if !decodeBody(w, r, &req) {
		return
	}

	record, status, code, message := s.completeRecord(id, req)
	if status != http.StatusOK {
		writeError(w, status, code, message)
		return
	}
	writeJSON(w, http.StatusOK, record)
}

// completeRecord applies the lifecycle rules to one completion and returns
// the updated record, or the error status, code and message.
func (s *Sim) completeRecord(id string, req completeRequest) (Record, int, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	record, ok := s.records[id]
	if !ok {
		return Record{}, http.StatusNotFound, codeRecordNotFound, fmt.Sprintf("training record %q not found", id)
	}

	if problems := validateCompletion(record, req); len(problems) > 0 {
		return Record{}, http.StatusUnprocessableEntity, codeValidationFailed, strings.Join(problems, "; ")
	}

	if record.Status != StatusAssigned && record.Status != StatusInProgress {
		if record.Status == StatusCompleted {
			s.stats.DuplicateCompletions++
		}
		return Record{}, http.StatusConflict, codeInvalidRecordState, fmt.Sprintf(
			"training record %s is %s; only %s or %s records accept completion",
			id, record.Status, StatusAssigned, StatusInProgress)
	}

	record.Status = StatusCompleted
	if course, ok := s.courses[record.CourseID]; ok && course.NeedsApproval {
		record.Status = StatusPendingApproval
	}
	record.CompletionDate = req.CompletionDate
	record.Score = req.Score
	s.stats.Completions++

	return record.clone(), http.StatusOK, "", ""
}

// validateCompletion lists every problem of req for record.
func validateCompletion(record *Record, req completeRequest) []string {
	var problems []string

	switch {
	case req.EmployeeID == "":
		problems = append(problems, "employeeId is missing")
	case req.EmployeeID != record.EmployeeID:
		problems = append(problems, fmt.Sprintf("employeeId %q does not match the record's employee", req.EmployeeID))
	}

	switch {
	case req.CompletionDate == "":
		problems = append(problems, "completionDate is missing")
	case !isRFC3339(req.CompletionDate):
		problems = append(problems, fmt.Sprintf("completionDate %q is not an RFC 3339 time such as 2025-01-19T14:30:00Z", req.CompletionDate))
	}

	switch {
	case req.Status == "":
		problems = append(problems, "status is missing")
	case req.Status != StatusCompleted:
		problems = append(problems, fmt.Sprintf("status %q is not %s", req.Status, StatusCompleted))
	}

	if req.Score != nil && (*req.Score < 0 || *req.Score > 100) {
		problems = append(problems, fmt.Sprintf("score %g is outside 0..100", *req.Score))
	}

	return problems
}

func (s *Sim) externalUpdatesBlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.externalUpdatesDisabled
}

func isRFC3339(value string) bool {
	_, err := time.Parse(time.RFC3339, value)
	return err == nil
}

func isDate(value string) bool {
	if _, err := time.Parse(time.DateOnly, value); err == nil {
		return true
	}
	return isRFC3339(value)
}
