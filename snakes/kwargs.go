package snakes

// Kwargs holds keyword arguments. Passed as the last argument of Call,
// CallInto, Cast or Stream, it becomes Python's **kwargs:
//
//	w.Call(ctx, "json", "dumps", data, snakes.Kwargs{"indent": 2})
type Kwargs map[string]any

// splitKwargs separates a trailing Kwargs from the positional arguments.
func splitKwargs(args []any) ([]any, Kwargs) {
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(Kwargs); ok {
			return args[:n-1], kw
		}
	}
	return args, nil
}
