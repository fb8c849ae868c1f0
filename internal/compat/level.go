package compat

// Level is how serious a Finding is: an Error fails `tablegen breaking`
// unless its rule is allowed; a Warning is printed and does not.
type Level int

// The finding levels.
const (
	Error Level = iota
	Warning
)

// String returns "error" or "warning".
func (l Level) String() string {
	if l == Warning {
		return "warning"
	}
	return "error"
}
