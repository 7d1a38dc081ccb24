package arenasim

// AddEmployee adds or replaces an active employee.
func (s *Sim) AddEmployee(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.employees[id] = Employee{ID: id, Name: name, Active: true}
}

// SetEmployeeActive sets an employee's active flag and reports whether the
// employee exists.
func (s *Sim) SetEmployeeActive(id string, active bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	employee, ok := s.employees[id]
	if !ok {
		return false
	}
	employee.Active = active
	s.employees[id] = employee
	return true
}

// AddCourse adds or replaces a course. Once any course is added, records for
// unknown course ids are rejected with 404.
func (s *Sim) AddCourse(id string, needsApproval bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.courses[id] = Course{ID: id, NeedsApproval: needsApproval}
}

// AddRecord stores r and returns it as stored: an empty ID gets the next
// TR-000001-style id and an empty Status becomes ASSIGNED. A record with the
// ID of an existing one replaces it. The employee and course are not checked.
func (s *Sim) AddRecord(r Record) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeRecord(r)
}

// SetRecordStatus sets a record's status and reports whether the record
// exists.
func (s *Sim) SetRecordStatus(id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	record, ok := s.records[id]
	if !ok {
		return false
	}
	record.Status = status
	return true
}

// Record returns a copy of one record.
func (s *Sim) Record(id string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	record, ok := s.records[id]
	if !ok {
		return Record{}, false
	}
	return record.clone(), true
}

// Records returns copies of every record in the order they were stored.
func (s *Sim) Records() []Record {
	return s.FindRecords("", "")
}

// FindRecords returns copies of the records of employeeID and courseID in the
// order they were stored. An empty argument matches any value.
func (s *Sim) FindRecords(employeeID, courseID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()

	var found []Record
	for _, id := range s.recordOrder {
		record := s.records[id]
		if employeeID != "" && record.EmployeeID != employeeID {
			continue
		}
		if courseID != "" && record.CourseID != courseID {
			continue
		}
		found = append(found, record.clone())
	}
	return found
}

// SetExternalUpdatesDisabled sets whether completions are rejected with 403,
// like a workspace whose external status updates setting is off.
func (s *Sim) SetExternalUpdatesDisabled(disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.externalUpdatesDisabled = disabled
}
