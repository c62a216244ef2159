package main

import "github.com/taipan-go/taipan/erlterm"

// The types TestStructsRoundTrip generates Python classes for: every
// mapping rule of structs.go at least once.

// Order is a record with nested, optional, promoted and renamed fields.
type Order struct {
	ID       int64             `erl:"id"`
	Customer string            `erl:"customer"`
	Status   erlterm.Atom      `erl:"status"`
	Items    []Item            `erl:"items"`
	Notes    *string           `erl:"notes,omitempty"`
	Labels   map[string]string `erl:"labels"`
	Blob     []byte            `erl:"blob"`
	Total    float64           `erl:"total"`
	Paid     bool              `erl:"paid,atom"`
	Ship     *Address          `erl:"ship"`
	Class    string            `erl:"class"` // a Python keyword
	Code     Level             `erl:"code"`
	Audit                      // promoted: its "by" is one of Order's keys
	Internal string            `erl:"-"`
	secret   int
}

// Item is a line of an Order, with an anonymous struct inside.
type Item struct {
	SKU   string `erl:"sku"`
	Qty   int    `erl:"qty"`
	Extra struct {
		Gift bool `erl:"gift"`
	} `erl:"extra"`
}

// Address has no tags: its keys are the Go field names.
type Address struct {
	Street, City string
}

// Audit is embedded in Order.
type Audit struct {
	By string `erl:"by"`
}

// Level is a named non-struct type: it maps as its underlying type.
type Level int

// Broken cannot be encoded.
type Broken struct {
	C chan int `erl:"c"`
}
