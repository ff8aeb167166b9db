package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"valet.dev/valet/emulators/contract"
)

// EnvContractLog names a directory where every stack of the process (and
// of every process given the same value) appends the exchanges that do not
// match the OpenAPI document to violations.log, and at Stop the number of
// exchanges it checked to exchanges.log and its operations, and those it
// answered 2xx, to documented.log and answered.log. make test sets it and
// fails when
// violations.log is not empty or no exchange was checked
// (scripts/contract.sh), so the whole emulator-backed suite's traffic to
// the functions is held to the document, whichever test started a stack.
const EnvContractLog = "VALET_CONTRACT_LOG"

// startContract builds the checker every function's handler is wrapped in
// (package contract): each request and answer that reaches a function,
// through its front door or straight (Function), is validated against the
// function's part of the OpenAPI document.
func (s *Stack) startContract() {
	dir := os.Getenv(EnvContractLog)
	var onViolate func(string)
	if dir != "" {
		onViolate = func(msg string) {
			appendLine(dir, "violations.log", s.opts.Project+": "+strings.ReplaceAll(msg, "\n", " "))
		}
	}
	s.contract = contract.New(s.opts.Logger, onViolate)
	if dir != "" {
		s.onStop(func() {
			appendLine(dir, "exchanges.log", fmt.Sprintf("%s %d", s.opts.Project, s.contract.Exchanges()))
			documented, answered := s.contract.Operations()
			appendLine(dir, "documented.log", strings.Join(documented, "\n"))
			appendLine(dir, "answered.log", strings.Join(answered, "\n"))
		})
	}
}

// appendLine appends lines (one or more, without the last newline) to
// dir/name; writes from several processes interleave whole (O_APPEND, one
// write each).
func appendLine(dir, name, lines string) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(lines + "\n")
}

// ContractViolations are the exchanges with the functions, so far, that do
// not match the OpenAPI document: tests that start a stack fail on any
// (CheckContract).
func (s *Stack) ContractViolations() []string { return s.contract.Violations() }

// ContractExchanges is how many exchanges with the functions were checked.
func (s *Stack) ContractExchanges() int64 { return s.contract.Exchanges() }

// TB is the part of testing.TB CheckContract uses.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// CheckContract makes t fail, when it ends, with every exchange of the
// stack that did not match the OpenAPI document. Call it before
// t.Cleanup(s.Stop), so it runs after the stack has stopped.
func (s *Stack) CheckContract(t TB) {
	t.Helper()
	t.Cleanup(func() {
		for _, v := range s.ContractViolations() {
			t.Errorf("contract: %s", v)
		}
	})
}
