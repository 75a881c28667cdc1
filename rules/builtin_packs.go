package rules

// BuiltinPacks returns the embedded catalogue's packs, parsed but not yet
// compiled, so that a caller can add user packs and build one Set with
// NewSet (ids stay unique across built-in and user rules).
func BuiltinPacks() ([]*Pack, error) { return builtinPacks() }
