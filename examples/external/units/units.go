// Package units holds the example's own value types, which tablegen.yaml's
// go_types gives to columns of todo.items: a named type whose underlying
// type is the column's Go type is all the contract asks.
package units

import "fmt"

// Cents is an amount of money in cents, the Go type of column
// todo.items.price (an int64 column).
type Cents int64

// String formats c as units and cents, e.g. 12.34.
func (c Cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Markdown is text in Markdown, the Go type of column todo.items.notes
// (a string column).
type Markdown string
