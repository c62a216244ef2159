package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Figure is one measured figure beside its anchor.
type Figure struct {
	Name   string  `json:"name"`
	Ours   float64 `json:"ours"`   // in Unit
	Anchor string  `json:"anchor"` // what it is compared with
	Theirs float64 `json:"theirs"` // the anchor, in Unit: measured in the same run unless Quoted
	Unit   string  `json:"unit"`
	Ratio  float64 `json:"ratio"` // Ours / Theirs
	Goal   float64 `json:"goal"`  // the ratio DESIGN.md asks for
	Lower  bool    `json:"lower_is_better"`
	Met    bool    `json:"met"`
	Quoted bool    `json:"anchor_quoted"` // Theirs is DESIGN.md's figure, not measured here
	Note   string  `json:"note,omitempty"`
}

// quoted marks a figure whose anchor is a quoted constant.
func quoted(f Figure) Figure {
	f.Quoted = true
	return f
}

// info marks a figure that has no goal: it is printed for comparison.
func info(f Figure) Figure {
	f.Goal, f.Met = 0, false
	return f
}

// newFigure computes the ratio and whether the goal is met.
func newFigure(name string, ours float64, anchor string, theirs float64, unit string, goal float64, lower bool) Figure {
	f := Figure{Name: name, Ours: ours, Anchor: anchor, Theirs: theirs, Unit: unit, Goal: goal, Lower: lower}
	if theirs > 0 {
		f.Ratio = ours / theirs
	}
	if lower {
		f.Met = f.Ratio <= goal
	} else {
		f.Met = f.Ratio >= goal
	}
	return f
}

// WriteTable prints figures as an aligned table.
func WriteTable(w io.Writer, figs []Figure) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tours\tanchor\tratio\tgoal\tmet")
	for _, f := range figs {
		goal := fmt.Sprintf("≥ %.2f×", f.Goal)
		if f.Lower {
			goal = fmt.Sprintf("≤ %.2f×", f.Goal)
		}
		met := "yes"
		if !f.Met {
			met = "NO"
		}
		if f.Theirs == 0 || f.Goal == 0 {
			met, goal = "n/a", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s: %s\t%.2f×\t%s\t%s\n", f.Name, format(f.Ours, f.Unit), f.Anchor, format(f.Theirs, f.Unit), f.Ratio, goal, met)
	}
	for _, f := range figs {
		if f.Note != "" {
			fmt.Fprintf(tw, "note: %s: %s\n", f.Name, f.Note)
		}
	}
	return tw.Flush()
}

func format(v float64, unit string) string {
	switch unit {
	case "ns":
		if v >= 1000 {
			return fmt.Sprintf("%.2f µs", v/1000)
		}
		return fmt.Sprintf("%.0f ns", v)
	case "calls/s":
		return fmt.Sprintf("%.1fk calls/s", v/1000)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

// WriteJSON prints figures as a JSON array.
func WriteJSON(w io.Writer, figs []Figure) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(figs)
}
