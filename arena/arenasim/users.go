package arenasim

import (
	"fmt"
	"net/http"
)

// User is the body of GET /api/v1/users/{employeeId}.
type User struct {
	EmployeeID string `json:"employeeId"`
	Name       string `json:"name"`
	Active     bool   `json:"active"`
}

func (s *Sim) handleGetUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("employeeId")

	s.mu.Lock()
	employee, ok := s.employees[id]
	s.mu.Unlock()

	if !ok {
		writeError(w, http.StatusNotFound, codeEmployeeNotFound, fmt.Sprintf("employee %q not found", id))
		return
	}
	writeJSON(w, http.StatusOK, User{EmployeeID: employee.ID, Name: employee.Name, Active: employee.Active})
}
