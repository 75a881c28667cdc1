//go:build scour_yaml_catalogue

package rules

// Built with the scour_yaml_catalogue tag, scour decodes builtin/*.yaml at
// start-up instead of using the generated builtin_catalogue.go; go
// generate builds this way so that it can rewrite a generated file that no
// longer compiles.
const generatedCatalogue = false

func generatedPacks() []*Pack { return nil }

func generatedSamples() map[string]string { return nil }
